import BackfillCore

/// America/New_York's offset from UTC, from the US rules in force 2000-2030 (and back to 1987):
/// daylight time from 02:00 local on the second Sunday of March to 02:00 local on the first Sunday
/// of November since 2007; from the first Sunday of April to the last Sunday of October before.
public enum NewYorkTime {
    static let hour: Int64 = 3_600_000

    /// The day number of the n-th (1-based) `weekday` (0 = Sunday) of a month; n = -1 for the last.
    static func nthWeekday(_ n: Int, _ weekday: Int, month: Int, year: Int) -> Int64 {
        if n > 0 {
            let first = UTCTime.daysFromCivil(year: year, month: month, day: 1)
            let shift = (weekday - UTCTime.weekday(ofDays: first) + 7) % 7
            return first + Int64(shift + 7 * (n - 1))
        }
        let last = UTCTime.daysFromCivil(year: year, month: month, day: UTCTime.daysIn(month: month, year: year))
        let shift = (UTCTime.weekday(ofDays: last) - weekday + 7) % 7
        return last - Int64(shift)
    }

    /// The UTC instants daylight time starts and ends in `year`.
    static func dstBounds(year: Int) -> (start: Int64, end: Int64) {
        let startDay, endDay: Int64
        if year >= 2007 {
            startDay = nthWeekday(2, 0, month: 3, year: year)
            endDay = nthWeekday(1, 0, month: 11, year: year)
        } else {
            startDay = nthWeekday(1, 0, month: 4, year: year)
            endDay = nthWeekday(-1, 0, month: 10, year: year)
        }
        // 02:00 EST = 07:00 UTC; 02:00 EDT = 06:00 UTC.
        return (startDay * UTCTime.msPerDay + 7 * hour, endDay * UTCTime.msPerDay + 6 * hour)
    }

    /// Hours New York is behind UTC at the instant `ms` (4 in daylight time, else 5).
    public static func hoursBehindUTC(at ms: Int64) -> Int64 {
        let (y, _, _) = UTCTime.civil(fromDays: UTCTime.floorDiv(ms, UTCTime.msPerDay))
        let (a, b) = dstBounds(year: y)
        return ms >= a && ms < b ? 4 : 5
    }

    /// The UTC instant of local time `hh:mm` on the New York date `day`.
    public static func utc(day: Int64, hour hh: Int, minute mm: Int = 0) -> Int64 {
        let local = day * UTCTime.msPerDay + Int64(hh) * hour + Int64(mm) * 60_000
        // The offset at the local wall time (approximated at local time + 5h, exact away from the
        // 02:00 switch, which no session boundary touches).
        return local + hoursBehindUTC(at: local + 5 * hour) * hour
    }

    /// The New York calendar date (day number) of the UTC instant `ms`.
    public static func day(of ms: Int64) -> Int64 {
        UTCTime.floorDiv(ms - hoursBehindUTC(at: ms) * hour, UTCTime.msPerDay)
    }
}
