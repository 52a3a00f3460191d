import BackfillCore
import BackfillSetup
import BackfillStore
import Foundation
import Hummingbird

/// `/api/v1/schedules`: the store's schedules with their next fires, adding and removing them
/// (admin keys), and firing one now.
extension API {
    func listSchedules(_ request: Request, _ context: ServerContext) async throws -> Response {
        let schedules = try await state.pool.run { try $0.schedules() }
        let now = UTCTime.now()
        return .json(.object([("schedules", .array(schedules.map { Setup.json($0, now: now) }))]))
    }

    func addSchedule(_ request: Request, _ context: ServerContext) async throws -> Response {
        var request = request
        let body = try JSONBody(try await request.bodyBytes(context))
        try body.only(["name", "cron", "timezone", "job", "options"])
        let name = try body.string("name", required: true) ?? ""
        let cron = try body.string("cron", required: true) ?? ""
        let zone = try body.string("timezone") ?? "UTC"
        let jobName = try body.string("job") ?? "run"
        guard let kind = JobFields.Job(rawValue: jobName) else { throw APIError.invalid("field 'job' must be run or features") }
        let now = UTCTime.now()
        let record: ScheduleRecord
        do {
            let job = try JobFields(job: kind, json: try body.object("options"))
            record = try Setup.schedule(name: name, cron: cron, timezone: zone, job: job, command: Self.command(job), now: now)
        } catch let e as SetupError {
            throw APIError.invalid(e.message)
        }
        try await state.pool.run { try $0.insertSchedule(record) }
        await audit(context, "schedule.add", name)
        return .json(Setup.json(record, now: now), .created)
    }

    func removeSchedule(_ request: Request, _ context: ServerContext) async throws -> Response {
        let name = try context.parameters.require("name")
        guard try await state.pool.run({ try $0.removeSchedule(name: name) }) else { throw APIError.notFound("no schedule '\(name)'") }
        await audit(context, "schedule.remove", name)
        return .json(.object([("name", .string(name)), ("removed", .bool(true))]))
    }

    func fireSchedule(_ request: Request, _ context: ServerContext) async throws -> Response {
        let name = try context.parameters.require("name")
        guard let s = try await state.pool.run({ try $0.schedules().first { $0.name == name } }) else {
            throw APIError.notFound("no schedule '\(name)'")
        }
        switch await state.scheduler.fire(s, at: UTCTime.now(), manual: true) {
        case .started(let id):
            await audit(context, "schedule.fire", name)
            return .json(
                .object([("schedule", .string(name)), ("id", id.map { .int($0) } ?? .null), ("status", .string("running"))]), .accepted)
        case .skipped(let reason), .waiting(let reason): throw APIError.conflict(reason)
        case .failed(let message): throw APIError.invalid(message)
        }
    }

    /// The job as a person would type it after `backfill schedule add ... --`.
    static func command(_ job: JobFields) -> String {
        var parts = [job.job.rawValue]
        for (name, value) in job.fields.sorted(by: { $0.key < $1.key }) {
            let flag = "--" + name.replacing("_", with: "-")
            switch value {
            case .bool(let b): if b { parts.append(flag) }
            case .text(let t): parts += [flag, t]
            case .number(let n): parts += [flag, NumberFormat.decimal(n)]
            case .list(let l): parts += [flag, l.joined(separator: ",")]
            case .map(let m): for (k, v) in m.sorted(by: { $0.key < $1.key }) { parts += ["--provider-option", "\(k)=\(v)"] }
            }
        }
        return parts.joined(separator: " ")
    }
}
