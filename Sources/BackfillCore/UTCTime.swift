internal import BackfillText

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Calendar arithmetic and ISO-8601 text for UTC epoch milliseconds.
public enum UTCTime {
    public static let msPerDay: Int64 = 86_400_000

    /// The wall-clock time now, epoch ms UTC.
    public static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        bf_days_from_civil(Int32(year), Int32(month), Int32(day))
    }

    /// The date of a day number (inverse of ``daysFromCivil(year:month:day:)``).
    public static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        var y: Int32 = 0, m: Int32 = 0, d: Int32 = 0
        bf_civil_from_days(days, &y, &m, &d)
        return (Int(y), Int(m), Int(d))
    }

    /// Days in a month of a Gregorian year.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Weekday of a day number: 0 = Sunday ... 6 = Saturday.
    public static func weekday(ofDays days: Int64) -> Int {
        let w = (days + 4) % 7
        return Int(w >= 0 ? w : w + 7)
    }

    /// Floor division that rounds toward negative infinity.
    @inline(__always)
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Division that rounds toward positive infinity.
    @inline(__always)
    public static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { -floorDiv(-a, b) }

    /// Formats as ISO-8601 UTC: `2024-01-02T14:30:00Z` (milliseconds shown only when non-zero).
    public static func iso(_ ms: Int64) -> String {
        let days = floorDiv(ms, msPerDay)
        let rem = ms - days * msPerDay
        let secs = rem / 1000, milli = rem % 1000
        var s = isoDate(ms) + "T\(pad(Int(secs / 3600), 2)):"
        s += "\(pad(Int(secs / 60 % 60), 2)):\(pad(Int(secs % 60), 2))"
        if milli != 0 { s += ".\(pad(Int(milli), 3))" }
        return s + "Z"
    }

    /// Formats as ISO-8601 UTC with milliseconds always shown: `2024-01-02T14:30:00.000Z` (log lines).
    public static func isoMillis(_ ms: Int64) -> String {
        let text = iso(ms)
        return ms % 1000 == 0 ? String(text.dropLast()) + ".000Z" : text
    }

    /// Formats the date part only: `2024-01-02`.
    public static func isoDate(_ ms: Int64) -> String {
        let (y, mo, d) = civil(fromDays: floorDiv(ms, msPerDay))
        return "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))"
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Parses a UTC time a user may type: `2024-01-02` (its midnight), `2024-01-02T14:30`,
    /// `2024-01-02T14:30:00Z`, `2024-01-02 14:30:00.250`, or epoch milliseconds.
    ///
    /// - Throws: ``InputError`` naming the text and the accepted forms.
    public static func parse(_ text: String) throws(InputError) -> Int64 {
        var t = text.trimmingWhitespace()
        var ms: Int64 = 0
        let ok = t.withUTF8 { buf in
            buf.withMemoryRebound(to: CChar.self) { bf_parse_time($0.baseAddress, $0.count, &ms) }
        }
        guard ok == 1, !t.isEmpty else {
            throw .invalid(
                "invalid time '\(text)'; use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z (UTC) or epoch milliseconds")
        }
        return ms
    }
}
