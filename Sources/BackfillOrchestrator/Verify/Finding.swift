public import BackfillCore

/// Something `backfill verify` found about stored bars: which check, how bad, where, what.
public struct Finding: Sendable, Equatable {
    /// `error`: the data is wrong (the command exits 1); `warning`: probably wrong, worth a look;
    /// `info`: noted.
    /// The raw values are the log levels their lines take (`--log-format json`).
    public enum Severity: String, Sendable, CaseIterable {
        case info, warning, error
    }

    public var check: VerifyCheck
    public var severity: Severity
    /// The symbol (nil for a finding across the symbols of a calendar).
    public var symbol: Symbol?
    public var timeframe: Timeframe
    /// The bar it is about.
    public var ts: Int64
    /// One line, for people.
    public var message: String
    /// The figures behind it, by name (the JSON object's extra fields).
    public var evidence: [(String, JSON)]

    public init(
        check: VerifyCheck, severity: Severity, symbol: Symbol?, timeframe: Timeframe, ts: Int64, message: String,
        evidence: [(String, JSON)] = []
    ) {
        (self.check, self.severity, self.symbol, self.timeframe) = (check, severity, symbol, timeframe)
        (self.ts, self.message, self.evidence) = (ts, message, evidence)
    }

    public static func == (a: Finding, b: Finding) -> Bool {
        a.check == b.check && a.severity == b.severity && a.symbol == b.symbol && a.timeframe == b.timeframe && a.ts == b.ts
            && a.message == b.message
    }

    /// What it is about, for a line of text: `SPY/1d`, or `nyse/1d` across a calendar's symbols.
    public var subject: String { "\(symbol?.text ?? "nyse")/\(timeframe)" }

    /// `SPY/1d 2019-06-14T00:00:00Z error ticks: close ...`: how the CLI and a run print it.
    public var line: String { "\(subject) \(UTCTime.iso(ts)) \(severity.rawValue) \(check.rawValue): \(message)" }

    /// How many findings of each severity, worst first.
    public static func counts(_ findings: [Finding]) -> [(severity: Severity, count: Int)] {
        Severity.allCases.reversed().map { s in (s, findings.filter { $0.severity == s }.count) }
    }

    /// "1 error, 0 warnings, 2 info": ``counts(_:)`` for people.
    public static func countsText(_ findings: [Finding]) -> String {
        counts(findings).map { s, n in "\(n) \(s.rawValue)\(n == 1 || s == .info ? "" : "s")" }.joined(separator: ", ")
    }

    /// The fields of ``json``, in order.
    public var fields: [(String, JSON)] {
        [
            ("check", .string(check.rawValue)), ("severity", .string(severity.rawValue)),
            ("symbol", symbol.map { .string($0.text) } ?? .null),
            ("timeframe", .string(timeframe.rawValue)), ("ts", .string(UTCTime.iso(ts))), ("message", .string(message)),
        ] + evidence
    }

    /// As the results document and `verify --json` give it.
    public var json: JSON { .object(fields) }
}

/// The checks `backfill verify` runs (docs/verify.md has each rule).
public enum VerifyCheck: String, Sendable, CaseIterable {
    /// Every bar's prices finite and positive, high and low containing open and close, volume >= 0.
    case ohlc
    /// A close that jumps far beyond the series' recent volatility and comes back within a few
    /// bars, with no stored split or dividend on its date: a bad print.
    case ticks
    /// Across the NYSE symbols of a timeframe: a day the calendar calls closed with regular-hours
    /// bars from several symbols, or a session it expects that every symbol lacks while the
    /// sessions around are there (a closure the calendar does not know).
    case calendar
    /// Stored bars a later fetch changed (their old values are kept): how many, per pair.
    case revisions
    /// A symbol's bars against the next finer stored timeframe's, aggregated into them: high and
    /// low containment, open, close and volume.
    case crosstf
    /// The stored bars against a second provider's (`--against PROVIDER`): bars one side lacks,
    /// prices that differ. Only with a second provider; never in the default list.
    case against

    /// The checks that run when none are named (all but `against`, which needs its provider).
    public static var defaults: [VerifyCheck] { allCases.filter { $0 != .against } }

    /// The checks a comma-separated list names (`--checks`).
    public static func list(parsing text: String) throws(InputError) -> [VerifyCheck] {
        var out: [VerifyCheck] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(part).trimmingWhitespace()
            guard let c = VerifyCheck(rawValue: name), c != .against else {
                throw .invalid("unknown check '\(name)'; valid: \(defaults.map(\.rawValue).joined(separator: ", "))")
            }
            if !out.contains(c) { out.append(c) }
        }
        return out
    }
}
