/// A validated market symbol (`AAPL`, `BRK.B`, `BTC-USD`, `X:BTCUSD`).
///
/// Symbols reach SQL (always bound) and file paths (the replay provider's folders), so they are
/// checked once here: letters, digits and `. : - _`, not starting with `.`, 1 to 32 characters.
public struct Symbol: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The symbol text as the user wrote it.
    public let text: String

    /// Validates `text`.
    ///
    /// - Throws: ``InputError`` saying what is wrong with it.
    public init(_ text: String) throws(InputError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .invalid("empty symbol") }
        guard bytes.count <= 32 else { throw .invalid("symbol '\(text.prefix(40))' is longer than 32 characters") }
        guard bytes[0] != UInt8(ascii: ".") else { throw .invalid("symbol '\(text)' must not start with '.'") }
        for byte in bytes where !Symbol.allowed(byte) {
            throw .invalid(
                "symbol '\(text)' has a character outside letters, digits and . : - _")
        }
        self.text = text
    }

    /// Parses a comma-separated list, keeping order and dropping repeats.
    public static func parseList(_ text: String) throws(InputError) -> [Symbol] {
        var seen = Set<Symbol>()
        var out: [Symbol] = []
        for part in text.split(separator: ",") {
            let symbol = try Symbol(String(part).trimmingWhitespace())
            if seen.insert(symbol).inserted { out.append(symbol) }
        }
        guard !out.isEmpty else { throw .invalid("no symbol given in '\(text)'") }
        return out
    }

    private static func allowed(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: ":"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    public var description: String { text }
    public static func < (a: Symbol, b: Symbol) -> Bool { a.text < b.text }
}
