import BackfillCore
import BackfillSetup
import BackfillStore
import Foundation
import HTTPTypes
import Hummingbird

/// `/api/v1/runs`: the history by page, one run with its results document, starting a run
/// (the same fields as `backfill run`'s flags) and its clean stop.
extension API {
    static func json(_ r: RunRecord) -> JSON {
        var fields: [(String, JSON)] = [
            ("id", .int(r.id)), ("status", .string(r.status)), ("trigger", r.trigger.map { .string($0) } ?? .null),
            ("started_at", .string(UTCTime.iso(r.startedAt))), ("finished_at", r.finishedAt.map { .string(UTCTime.iso($0)) } ?? .null),
            ("duration_seconds", r.finishedAt.map { .number(Double($0 - r.startedAt) / 1000) } ?? .null),
            ("pairs", .int(Int64(r.pairs))), ("candles", .int(Int64(r.candles))), ("gaps", .int(Int64(r.gaps))),
            ("exit_code", r.exitCode.map { .int(Int64($0)) } ?? .null),
        ]
        fields.append(("gaps_remaining_by_class", gapsByClass(r.summary)))
        return .object(fields)
    }

    /// The remaining gaps by class, from the run's results document.
    static func gapsByClass(_ summary: String?) -> JSON {
        guard let summary, let doc = try? JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any],
            let gaps = doc["gaps_remaining"] as? [[String: Any]]
        else { return .object([]) }
        var counts: [String: Int64] = [:]
        for g in gaps { if let c = g["class"] as? String { counts[c, default: 0] += 1 } }
        return .object(counts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })
    }

    func listRuns(_ request: Request, _ context: ServerContext) async throws -> Response {
        let q = Query(request)
        let limit = try q.int("limit", default: 20, range: 1...200)
        let before = try q.string("before").map { text throws(APIError) in
            guard let id = Int64(text), id > 0 else { throw APIError.invalid("query parameter 'before' must be a run id") }
            return id
        }
        // One more than the page, to know whether a next page exists.
        var runs = try await state.pool.run { try $0.runs(limit: limit + 1, before: before) }
        let more = runs.count > limit
        if more { runs.removeLast() }
        let next: JSON = more ? runs.last.map { .string("/api/v1/runs?limit=\(limit)&before=\($0.id)") } ?? .null : .null
        return .json(.object([("runs", .array(runs.map(Self.json))), ("next", next)]))
    }

    func showRun(_ request: Request, _ context: ServerContext) async throws -> Response {
        let id = try Self.runId(context)
        guard let run = try await state.pool.run({ try $0.run(id: id) }) else { throw APIError.notFound("no run \(id)") }
        // The results document is stored as JSON text: passed on as it is.
        let text = "{\"run\":\(Self.json(run).text()),\"results\":\(run.summary ?? "null")}\n"
        return .text(text, type: "application/json; charset=utf-8")
    }

    func startRun(_ request: Request, _ context: ServerContext) async throws -> Response {
        var request = request
        let bytes = try await request.bodyBytes(context)
        _ = try JSONBody(bytes)  // 400 for what is not a JSON object
        let job: JobFields
        do { job = try JobFields(job: .run, json: bytes.isEmpty ? Data("{}".utf8) : Data(bytes)) } catch { throw APIError.setup(error) }
        let id = try await state.runs.start(job, trigger: "api:\(context.key?.name ?? "-")")
        let runId = id ?? 0
        await audit(context, "run.start", "run \(runId)")
        return .json(
            .object([("id", .int(runId)), ("status", .string("running")), ("url", .string("/api/v1/runs/\(runId)"))]), .accepted,
            headers: [.location: "/api/v1/runs/\(runId)"])
    }

    func stopRun(_ request: Request, _ context: ServerContext) async throws -> Response {
        let id = try Self.runId(context)
        guard let run = try await state.pool.run({ try $0.run(id: id) }) else { throw APIError.notFound("no run \(id)") }
        guard await state.runs.stop(id) else {
            throw APIError.conflict("run \(id) is not running in this server (status \(run.status))")
        }
        await audit(context, "run.stop", "run \(id)")
        return .json(.object([("id", .int(id)), ("status", .string("stopping"))]), .accepted)
    }

    static func runId(_ context: ServerContext) throws(APIError) -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
            throw APIError.invalid("path id must be a run id (a positive whole number)")
        }
        return id
    }
}
