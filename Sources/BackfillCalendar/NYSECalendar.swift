internal import BackfillCore
import Synchronization

/// The New York Stock Exchange's trading days 2000-2030: regular session 09:30-16:00 New York,
/// full holidays from rules, 13:00 early closes from rules, and the one-off closures.
///
/// Rules (docs/calendars.md has the list with sources):
/// - New Year's Day (Sunday → Monday; Saturday → not observed), Martin Luther King Jr. Day (3rd
///   Monday of January), Washington's Birthday (3rd Monday of February), Good Friday, Memorial Day
///   (last Monday of May), Juneteenth (June 19 from 2022), Independence Day, Labor Day (1st Monday
///   of September), Thanksgiving (4th Thursday of November), Christmas; fixed-date holidays on a
///   Saturday are observed the Friday before, on a Sunday the Monday after.
/// - Early close 13:00: the day after Thanksgiving; December 24 on a weekday that is not a holiday;
///   July 3 when it is a Monday, Tuesday or Thursday, or a Wednesday from 2013; before 2013, when
///   July 4 was a Thursday, Friday July 5 instead.
/// - One-off closures: 2001-09-11..14 (September 11), 2004-06-11 (Reagan), 2007-01-02 (Ford),
///   2012-10-29..30 (Hurricane Sandy), 2018-12-05 (G. H. W. Bush), 2025-01-09 (Carter).
/// - One-off hours: 2002-09-11 opened at 12:00 (anniversary); 2003-12-26 closed at 13:00.
public enum NYSECalendar {
    /// The years the rules are checked for.
    public static let supportedYears = 2000...2030

    static let oneOffClosures: Set<Int64> = Set(
        [
            (2001, 9, 11), (2001, 9, 12), (2001, 9, 13), (2001, 9, 14), (2004, 6, 11), (2007, 1, 2),
            (2012, 10, 29), (2012, 10, 30), (2018, 12, 5), (2025, 1, 9),
        ].map { UTCTime.daysFromCivil(year: $0.0, month: $0.1, day: $0.2) })

    static let lateOpens: [Int64: (hour: Int, minute: Int)] = [
        UTCTime.daysFromCivil(year: 2002, month: 9, day: 11): (12, 0)
    ]
    static let oneOffEarlyCloses: Set<Int64> = [UTCTime.daysFromCivil(year: 2003, month: 12, day: 26)]

    /// Easter Sunday (Gregorian, anonymous algorithm) as a day number.
    static func easter(_ y: Int) -> Int64 {
        let a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4
        let f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1
        return UTCTime.daysFromCivil(year: y, month: month, day: day)
    }

    /// A fixed date moved to the nearest weekday (Saturday → Friday, Sunday → Monday).
    static func observed(_ day: Int64) -> Int64 {
        switch UTCTime.weekday(ofDays: day) {
        case 6: day - 1
        case 0: day + 1
        default: day
        }
    }

    /// The full-day holidays of a year (weekdays only).
    public static func holidays(year y: Int) -> Set<Int64> {
        var days: [Int64] = []
        let newYear = UTCTime.daysFromCivil(year: y, month: 1, day: 1)
        if UTCTime.weekday(ofDays: newYear) == 0 {
            days.append(newYear + 1)
        } else if UTCTime.weekday(ofDays: newYear) != 6 {
            days.append(newYear)
        }
        days.append(NewYorkTime.nthWeekday(3, 1, month: 1, year: y))
        days.append(NewYorkTime.nthWeekday(3, 1, month: 2, year: y))
        days.append(easter(y) - 2)
        days.append(NewYorkTime.nthWeekday(-1, 1, month: 5, year: y))
        if y >= 2022 { days.append(observed(UTCTime.daysFromCivil(year: y, month: 6, day: 19))) }
        days.append(observed(UTCTime.daysFromCivil(year: y, month: 7, day: 4)))
        days.append(NewYorkTime.nthWeekday(1, 1, month: 9, year: y))
        days.append(NewYorkTime.nthWeekday(4, 4, month: 11, year: y))
        days.append(observed(UTCTime.daysFromCivil(year: y, month: 12, day: 25)))
        return Set(days).union(oneOffClosures.filter { UTCTime.civil(fromDays: $0).year == y })
    }

    /// The 13:00 early closes of a year.
    public static func earlyCloses(year y: Int) -> Set<Int64> {
        var days: [Int64] = [NewYorkTime.nthWeekday(4, 4, month: 11, year: y) + 1]
        let july3 = UTCTime.daysFromCivil(year: y, month: 7, day: 3)
        switch UTCTime.weekday(ofDays: july3) {
        case 1, 2, 4: days.append(july3)
        case 3: if y >= 2013 { days.append(july3) } else { days.append(july3 + 2) }
        default: break
        }
        let dec24 = UTCTime.daysFromCivil(year: y, month: 12, day: 24)
        if (1...4).contains(UTCTime.weekday(ofDays: dec24)) { days.append(dec24) }
        days += oneOffEarlyCloses.filter { UTCTime.civil(fromDays: $0).year == y }
        let closed = holidays(year: y)
        return Set(days.filter { !closed.contains($0) })
    }

    private static let cache = Mutex<[Int: (holidays: Set<Int64>, early: Set<Int64>)]>([:])

    static func year(_ y: Int) -> (holidays: Set<Int64>, early: Set<Int64>) {
        cache.withLock { cache in
            if let c = cache[y] { return c }
            let c = (holidays(year: y), earlyCloses(year: y))
            cache[y] = c
            return c
        }
    }

    /// The session on New York date `day`, or nil on a weekend or holiday.
    public static func session(onDay day: Int64) -> Session? {
        let w = UTCTime.weekday(ofDays: day)
        guard w != 0, w != 6 else { return nil }
        let info = year(UTCTime.civil(fromDays: day).year)
        guard !info.holidays.contains(day) else { return nil }
        let close = info.early.contains(day) ? 13 : 16
        let open = lateOpens[day] ?? (9, 30)
        return Session(
            day: day, open: NewYorkTime.utc(day: day, hour: open.hour, minute: open.minute),
            close: NewYorkTime.utc(day: day, hour: close))
    }
}
