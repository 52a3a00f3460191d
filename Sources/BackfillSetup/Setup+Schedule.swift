public import BackfillCore
import BackfillSchedule
public import BackfillStore
import Foundation

extension Setup {
    /// A new schedule, checked: its name, cron expression, time zone and job fields.
    ///
    /// - Parameter command: the job as a person would type it (`run --timeframes 1d`).
    /// - Throws: ``SetupError`` (usage) naming what is wrong.
    public static func schedule(
        name: String, cron: String, timezone: String, job: JobFields, command: String, now: Int64
    ) throws(SetupError) -> ScheduleRecord {
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw .usage("a schedule name is 1 to 64 letters, digits and . _ - (got '\(name)')")
        }
        do {
            _ = try CronExpression(cron)
            _ = try ScheduleZone.named(timezone)
        } catch {
            throw .usage(error.message)
        }
        return ScheduleRecord(
            name: name, cron: cron, timezone: timezone, job: job.job.rawValue, arguments: job.jsonText, command: command, createdAt: now)
    }

    /// The schedule's next `count` fire times after `after`, epoch ms UTC (none when its
    /// expression or zone no longer parses).
    public static func nextFires(_ s: ScheduleRecord, after: Int64, count: Int) -> [Int64] {
        guard let cron = try? CronExpression(s.cron), let zone = try? ScheduleZone.named(s.timezone) else { return [] }
        return cron.fires(after: after, count: count, in: zone)
    }

    /// The job a schedule stores.
    public static func job(of s: ScheduleRecord) throws(SetupError) -> JobFields {
        guard let job = JobFields.Job(rawValue: s.job) else { throw .usage("schedule '\(s.name)' has an unknown job '\(s.job)'") }
        return try JobFields(job: job, json: Data(s.arguments.utf8))
    }
}

extension Setup {
    /// A schedule as JSON, the same for `schedule list --json` and `GET /api/v1/schedules`: its
    /// definition, the next three fire times after `now`, and its fire state.
    public static func json(_ s: ScheduleRecord, now: Int64) -> JSON {
        let time = { (t: Int64?) -> JSON in t.map { .string(UTCTime.iso($0)) } ?? .null }
        return .object([
            ("name", .string(s.name)), ("cron", .string(s.cron)), ("timezone", .string(s.timezone)), ("job", .string(s.job)),
            ("command", .string(s.command)), ("created_at", time(s.createdAt)),
            ("next_fires", .array(nextFires(s, after: now, count: 3).map { .string(UTCTime.iso($0)) })),
            ("last_fire_at", time(s.lastFireAt)), ("last_run_id", s.lastRunId.map { .int($0) } ?? .null),
            ("last_status", s.lastStatus.map { .string($0) } ?? .null), ("last_success_at", time(s.lastSuccessAt)),
            ("skipped", .int(Int64(s.skipped))),
        ])
    }
}
