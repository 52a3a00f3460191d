import BackfillCore
import BackfillSchedule
import Foundation
import Testing

/// Cron parsing and fire times against known dates, daylight-saving nights included.
@Suite("Cron expressions")
struct CronExpressionTests {
    static func t(_ iso: String) throws -> Int64 { try UTCTime.parse(iso) }
    static func iso(_ ms: [Int64]) -> [String] { ms.map(UTCTime.iso) }

    static func fires(_ cron: String, _ zone: String, after: String, count: Int) throws -> [String] {
        iso(try CronExpression(cron).fires(after: try t(after), count: count, in: try ScheduleZone.named(zone)))
    }

    @Test(
        "fire times in UTC: lists, ranges, steps, names, macros, the two day fields",
        arguments: [
            // The seed's two jobs: backfill at 02:00 UTC, features at 03:30 UTC.
            ("0 2 * * *", "2026-12-01T00:00:00Z", ["2026-12-01T02:00:00Z", "2026-12-02T02:00:00Z"]),
            ("30 3 * * *", "2026-12-01T03:30:00Z", ["2026-12-02T03:30:00Z", "2026-12-03T03:30:00Z"]),
            // 2026-12-04 is a Friday: weekdays skip to Monday.
            ("30 3 * * 1-5", "2026-12-04T04:00:00Z", ["2026-12-07T03:30:00Z", "2026-12-08T03:30:00Z"]),
            (
                "*/20 9-10 * * *", "2026-12-01T00:00:00Z",
                ["2026-12-01T09:00:00Z", "2026-12-01T09:20:00Z", "2026-12-01T09:40:00Z", "2026-12-01T10:00:00Z"]
            ),
            ("10-30/10 0 1 * *", "2026-12-01T00:15:00Z", ["2026-12-01T00:20:00Z", "2026-12-01T00:30:00Z", "2027-01-01T00:10:00Z"]),
            ("0 0 1,15 * *", "2026-12-01T00:00:00Z", ["2026-12-15T00:00:00Z", "2027-01-01T00:00:00Z"]),
            ("0 12 * jan,JUL sun", "2026-12-01T00:00:00Z", ["2027-01-03T12:00:00Z", "2027-01-10T12:00:00Z"]),
            // Both day fields restricted: either matches (the 13th, or a Friday).
            ("0 0 13 * FRI", "2026-12-10T00:00:00Z", ["2026-12-11T00:00:00Z", "2026-12-13T00:00:00Z", "2026-12-18T00:00:00Z"]),
            ("0 0 * * 7", "2026-12-01T00:00:00Z", ["2026-12-06T00:00:00Z"]),
            ("0 0 29 2 *", "2026-03-01T00:00:00Z", ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]),
            ("@daily", "2026-12-01T00:00:00Z", ["2026-12-02T00:00:00Z"]),
            ("@hourly", "2026-12-01T00:30:00Z", ["2026-12-01T01:00:00Z"]),
        ])
    func utcFires(_ cron: String, _ after: String, _ expected: [String]) throws {
        #expect(try Self.fires(cron, "UTC", after: after, count: expected.count) == expected)
    }

    @Test("an expression that names no real date never fires")
    func never() throws {
        #expect(try CronExpression("0 0 30 2 *").nextFire(after: 0, in: ScheduleZone.named("UTC")) == nil)
    }

    @Test("New York, spring forward (2026-03-08, 02:00 EST becomes 03:00 EDT): a 02:30 job fires once, at the change")
    func springForward() throws {
        #expect(
            try Self.fires("30 2 * * *", "America/New_York", after: "2026-03-06T12:00:00Z", count: 3) == [
                "2026-03-07T07:30:00Z",  // 02:30 EST
                "2026-03-08T07:00:00Z",  // 02:30 does not exist: 03:00 EDT
                "2026-03-09T06:30:00Z",  // 02:30 EDT
            ])
        // An every-hour job goes from 01:00 EST straight to 03:00 EDT, once.
        #expect(
            try Self.fires("0 * * * *", "America/New_York", after: "2026-03-08T05:30:00Z", count: 3) == [
                "2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z",
            ])
        // Berlin (east of UTC) skips 02:00-03:00 on 2026-03-29.
        #expect(try Self.fires("30 2 * * *", "Europe/Berlin", after: "2026-03-28T12:00:00Z", count: 1) == ["2026-03-29T01:00:00Z"])
    }

    @Test("New York, fall back (2026-11-01, 02:00 EDT becomes 01:00 EST): a 01:30 job fires once; an every-hour job in both hours")
    func fallBack() throws {
        #expect(
            try Self.fires("30 1 * * *", "America/New_York", after: "2026-10-31T12:00:00Z", count: 2) == [
                "2026-11-01T05:30:00Z",  // 01:30 EDT, the first of the two
                "2026-11-02T06:30:00Z",  // 01:30 EST the next night
            ])
        #expect(try Self.fires("30 2 * * *", "America/New_York", after: "2026-10-31T12:00:00Z", count: 1) == ["2026-11-01T07:30:00Z"])
        #expect(
            try Self.fires("0,30 * * * *", "America/New_York", after: "2026-11-01T04:45:00Z", count: 5) == [
                "2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:00:00Z",
            ])
    }

    @Test(
        "a bad expression or zone is one line naming the field",
        arguments: [
            ("0 25 * * *", "cron '0 25 * * *': hour '25' has 25, outside 0-23"),
            ("* * *", "cron '* * *' must have 5 fields (minute hour day-of-month month day-of-week), not 3"),
            ("*/0 * * * *", "cron '*/0 * * * *': minute '*/0' has step '0'; a step is a whole number of at least 1"),
            ("0 0 5-1 * *", "cron '0 0 5-1 * *': day of month '5-1' has a range that runs backwards (5-1)"),
            ("0 0 * FOO *", "cron '0 0 * FOO *': month 'FOO' has 'FOO', which is not a number or a name (JAN-DEC)"),
            ("0 0 * * 1,,2", "cron '0 0 * * 1,,2': day of week '1,,2' has an empty list item"),
        ])
    func mistakes(_ cron: String, _ message: String) {
        #expect(throws: CronError(message)) { try CronExpression(cron) }
    }

    @Test("time zones by IANA name")
    func zones() {
        #expect(throws: CronError("unknown time zone 'Mars/Olympus'; use an IANA name such as UTC or America/New_York")) {
            try ScheduleZone.named("Mars/Olympus")
        }
        #expect((try? ScheduleZone.named("America/New_York")) != nil)
    }

    @Test(
        "the fire a scheduler owes after downtime: the latest in (after, now], once, however many were missed",
        arguments: [
            // Down three nights: one 02:00 fire is owed, the newest.
            ("0 2 * * *", "2026-11-28T02:00:00Z", "2026-12-01T09:00:00Z", "2026-12-01T02:00:00Z"),
            // Down since before 02:00 today, now after it.
            ("0 2 * * *", "2026-12-01T01:00:00Z", "2026-12-01T02:00:00Z", "2026-12-01T02:00:00Z"),
            // Every minute, down a month: the last minute, found without walking the month.
            ("* * * * *", "2026-11-01T00:00:00Z", "2026-12-01T09:17:30Z", "2026-12-01T09:17:00Z"),
            // Monthly, down 40 days: a fire outside every short window.
            ("0 0 1 * *", "2026-10-25T00:00:00Z", "2026-11-20T00:00:00Z", "2026-11-01T00:00:00Z"),
            // Yearly, down two years.
            ("0 0 1 1 *", "2024-06-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        ])
    func latestFire(_ cron: String, _ after: String, _ now: String, _ expected: String) throws {
        let latest = try CronExpression(cron).latestFire(after: try Self.t(after), upTo: try Self.t(now), in: try ScheduleZone.named("UTC"))
        #expect(latest.map(UTCTime.iso) == expected)
    }

    @Test("nothing is owed when no fire fell in the downtime, or the fire at 'after' was already handled")
    func nothingOwed() throws {
        let nightly = try CronExpression("0 2 * * *")
        let utc = try ScheduleZone.named("UTC")
        #expect(nightly.latestFire(after: try Self.t("2026-12-01T02:00:00Z"), upTo: try Self.t("2026-12-02T01:59:00Z"), in: utc) == nil)
        #expect(nightly.latestFire(after: try Self.t("2026-12-01T03:00:00Z"), upTo: try Self.t("2026-12-01T02:00:00Z"), in: utc) == nil)
    }
}
