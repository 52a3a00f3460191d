/// A candle timeframe: one of the eight Backfill keeps.
///
/// The raw value is the spelling users type and the database stores (`1m`, `5m`, ..., `1w`); the
/// index is the value the provider ABI uses (`BF_TF_1M` = 0, ..., `BF_TF_1W` = 7).
public enum Timeframe: String, CaseIterable, Sendable, Hashable, Comparable, CustomStringConvertible {
    case m1 = "1m"
    case m5 = "5m"
    case m15 = "15m"
    case m30 = "30m"
    case h1 = "1h"
    case h4 = "4h"
    case d1 = "1d"
    case w1 = "1w"

    /// The bar length in milliseconds.
    public var milliseconds: Int64 {
        switch self {
        case .m1: 60_000
        case .m5: 300_000
        case .m15: 900_000
        case .m30: 1_800_000
        case .h1: 3_600_000
        case .h4: 14_400_000
        case .d1: 86_400_000
        case .w1: 604_800_000
        }
    }

    /// The ABI index (`BF_TF_*`).
    public var abiIndex: Int32 { Int32(Self.allCases.firstIndex(of: self) ?? 0) }

    /// The timeframe with ABI index `index`, or nil.
    public init?(abiIndex index: Int32) {
        guard index >= 0, Int(index) < Self.allCases.count else { return nil }
        self = Self.allCases[Int(index)]
    }

    /// Parses a user's spelling, with an error that lists the valid ones.
    ///
    /// - Throws: ``InputError`` naming the bad value and the valid timeframes.
    public static func parse(_ text: String) throws(InputError) -> Timeframe {
        guard let value = Timeframe(rawValue: text.trimmingWhitespace()) else {
            throw .invalid(
                "unknown timeframe '\(text)'; valid: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// Parses a comma-separated list (`1m,1h`), keeping the canonical order and dropping repeats.
    public static func parseList(_ text: String) throws(InputError) -> [Timeframe] {
        var set = Set<Timeframe>()
        for part in text.split(separator: ",") { set.insert(try parse(String(part))) }
        guard !set.isEmpty else { throw .invalid("no timeframe given in '\(text)'") }
        return allCases.filter(set.contains)
    }

    public var description: String { rawValue }

    public static func < (a: Timeframe, b: Timeframe) -> Bool { a.milliseconds < b.milliseconds }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    package func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let c = view.first, c == " " || c == "\t" || c == "\n" || c == "\r" { view.removeFirst() }
        while let c = view.last, c == " " || c == "\t" || c == "\n" || c == "\r" { view.removeLast() }
        return String(view)
    }
}
