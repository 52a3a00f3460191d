import BackfillCore

/// A standard five-field cron expression: minute, hour, day of month, month, day of week.
///
/// Each field takes `*`, a number, a range `a-b`, a step `*/n` or `a-b/n` (`a/n`: from a to the
/// end), and lists of those with commas; months take `JAN`-`DEC`, days of week `SUN`-`SAT`
/// (0 and 7 are both Sunday). When both day fields are restricted, a day matches either (as in
/// Vixie cron). `@yearly`, `@monthly`, `@weekly`, `@daily` and `@hourly` stand for their usual
/// expressions.
///
/// Written by hand: no package in reach parses cron, and the fire-time arithmetic has to follow
/// Backfill's daylight-saving rule (``nextFire(after:in:)``).
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The expression as given.
    public let text: String
    let minutes: [Bool]
    let hours: [Bool]
    let monthDays: [Bool]
    let months: [Bool]
    let weekdays: [Bool]
    let anyMonthDay: Bool
    let anyWeekday: Bool
    /// The hour field is `*`: the job runs every hour, so an hour that a clock change repeats
    /// runs again and one it skips is not made up.
    let everyHour: Bool

    public var description: String { text }

    /// Parses `text`.
    ///
    /// - Throws: ``CronError`` naming the field and what is wrong with it.
    public init(_ text: String) throws(CronError) {
        self.text = text
        let trimmed = text.trimmingWhitespace()
        let expanded = Self.macros[trimmed.lowercased()] ?? trimmed
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError("cron '\(text)' must have 5 fields (minute hour day-of-month month day-of-week), not \(fields.count)")
        }
        minutes = try Self.field(fields[0], "minute", 0...59, text: text)
        hours = try Self.field(fields[1], "hour", 0...23, text: text)
        monthDays = try Self.field(fields[2], "day of month", 1...31, text: text)
        months = try Self.field(fields[3], "month", 1...12, names: Self.monthNames, text: text)
        var days = try Self.field(fields[4], "day of week", 0...7, names: Self.dayNames, text: text)
        if days[7] { days[0] = true }
        weekdays = Array(days[0...6])
        anyMonthDay = fields[2] == "*" || fields[2] == "?"
        anyWeekday = fields[4] == "*" || fields[4] == "?"
        everyHour = fields[1] == "*"
    }

    static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0", "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// One field as a table of allowed values, indexed by value.
    static func field(
        _ f: String, _ name: String, _ range: ClosedRange<Int>, names: [String] = [], text: String
    ) throws(CronError) -> [Bool] {
        var allowed = [Bool](repeating: false, count: range.upperBound + 1)
        func bad(_ why: String) -> CronError { CronError("cron '\(text)': \(name) '\(f)' \(why)") }
        func value(_ s: Substring) throws(CronError) -> Int {
            if let n = Int(s) {
                guard range.contains(n) else { throw bad("has \(n), outside \(range.lowerBound)-\(range.upperBound)") }
                return n
            }
            if let i = names.firstIndex(of: s.uppercased()) { return i + range.lowerBound }
            throw bad("has '\(s)', which is not a number\(names.isEmpty ? "" : " or a name (\(names[0])-\(names[names.count - 1]))")")
        }
        for part in f.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw bad("has an empty list item") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw bad("has more than one '/'") }
            var step = 1
            if pieces.count == 2 {
                guard let n = Int(pieces[1]), n >= 1 else { throw bad("has step '\(pieces[1])'; a step is a whole number of at least 1") }
                step = n
            }
            let base = pieces[0]
            var lo: Int, hi: Int
            if base == "*" || base == "?" {
                (lo, hi) = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                lo = try value(base[..<dash])
                hi = try value(base[base.index(after: dash)...])
                guard lo <= hi else { throw bad("has a range that runs backwards (\(lo)-\(hi))") }
            } else {
                lo = try value(base)
                hi = pieces.count == 2 ? range.upperBound : lo
            }
            for v in stride(from: lo, through: hi, by: step) { allowed[v] = true }
        }
        return allowed
    }

    /// Whether the expression's day fields accept a civil date.
    func matches(month: Int, day: Int, weekday: Int) -> Bool {
        guard months[month] else { return false }
        switch (anyMonthDay, anyWeekday) {
        case (true, true): return true
        case (false, true): return monthDays[day]
        case (true, false): return weekdays[weekday]
        case (false, false): return monthDays[day] || weekdays[weekday]
        }
    }
}

/// A cron expression that cannot be parsed: one line naming the field.
public struct CronError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}
