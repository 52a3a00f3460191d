import BackfillCore
public import Foundation

extension CronExpression {
    /// The first time after `after` (epoch ms UTC) the expression fires in `zone`, epoch ms UTC;
    /// nil when it never does (`0 0 30 2 *`).
    ///
    /// Times are wall-clock times in the zone, and clock changes follow one rule: **a job fires
    /// once for each time it names.** A time that a spring-forward change skips (02:30 on the
    /// night New York goes from 02:00 to 03:00) fires at the change (03:00). A time that a
    /// fall-back change repeats (01:30 on the night 02:00 becomes 01:00) fires at its first
    /// occurrence only, unless the hour field is `*`: a job that runs every hour runs in both
    /// of those hours, as the hours really pass.
    public func nextFire(after: Int64, in zone: TimeZone) -> Int64? {
        let localAfter = after + Self.offsetMs(zone, at: after)
        var day = UTCTime.floorDiv(localAfter, UTCTime.msPerDay) - 1
        // Five years of days covers every expression that fires at all (29 February).
        for _ in 0..<(366 * 5) {
            defer { day += 1 }
            let (_, month, dom) = UTCTime.civil(fromDays: day)
            guard matches(month: month, day: dom, weekday: UTCTime.weekday(ofDays: day)) else { continue }
            var best: Int64?
            for h in 0..<24 where hours[h] {
                for m in 0..<60 where minutes[m] {
                    let local = day * UTCTime.msPerDay + Int64(h * 3_600_000 + m * 60_000)
                    for instant in instants(local, zone) where instant > after && instant < (best ?? .max) { best = instant }
                }
            }
            if let best { return best }
        }
        return nil
    }

    /// The next `count` fire times after `after`.
    public func fires(after: Int64, count: Int, in zone: TimeZone) -> [Int64] {
        var out: [Int64] = []
        var t = after
        while out.count < count, let next = nextFire(after: t, in: zone) {
            out.append(next)
            t = next
        }
        return out
    }

    /// The latest fire time in `(after, upTo]`, or nil when there is none: what a scheduler
    /// that was down (or busy) since `after` owes, once. Looks back over growing windows (an
    /// hour, a day, eight days, 32 days, a year and a day, then all of it), so an every-minute
    /// job down for a month costs an hour's worth of steps, not a month's.
    public func latestFire(after: Int64, upTo now: Int64, in zone: TimeZone) -> Int64? {
        guard now > after, let first = nextFire(after: after, in: zone), first <= now else { return nil }
        let hour: Int64 = 3_600_000
        for window in [hour, 24 * hour, 8 * 24 * hour, 32 * 24 * hour, 367 * 24 * hour, now - after] {
            var t = max(after, now - window)
            var latest: Int64?
            while let next = nextFire(after: t, in: zone), next <= now {
                latest = next
                t = next
            }
            if let latest { return latest }
        }
        return first
    }

    /// The instants a wall-clock time (`local`, as if it were UTC) stands for in `zone`: one
    /// normally; the change itself when the time is skipped; the first (or, for an every-hour
    /// job, both) when it is repeated.
    func instants(_ local: Int64, _ zone: TimeZone) -> [Int64] {
        // The offsets in force within a day of the time (no zone changes twice within a day).
        let offsets = Set([Self.offsetMs(zone, at: local - UTCTime.msPerDay), Self.offsetMs(zone, at: local + UTCTime.msPerDay)])
        let valid = offsets.map { local - $0 }.filter { Self.offsetMs(zone, at: $0) == local - $0 }.sorted()
        if valid.isEmpty {
            // Skipped by a spring-forward change: fire when the clock jumps over it.
            let before = local - (offsets.max() ?? 0)
            let jump = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(before) / 1000))
            return jump.map { [Int64(($0.timeIntervalSince1970 * 1000).rounded())] } ?? []
        }
        return everyHour ? valid : [valid[0]]
    }

    static func offsetMs(_ zone: TimeZone, at ms: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000))) * 1000
    }
}

/// Time zones by IANA name.
public enum ScheduleZone {
    /// The zone named `name` (`UTC`, `America/New_York`).
    ///
    /// - Throws: ``CronError`` when the system's time zone database does not know it.
    public static func named(_ name: String) throws(CronError) -> TimeZone {
        guard !name.isEmpty, let zone = TimeZone(identifier: name) else {
            throw CronError("unknown time zone '\(name)'; use an IANA name such as UTC or America/New_York")
        }
        return zone
    }
}
