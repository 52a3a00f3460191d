import BackfillCore
import BackfillMetrics
import BackfillPluginHost
import BackfillStore
import Hummingbird

/// `ready` (the database answers, the configured provider's plugin is loaded) and `/metrics`.
extension API {
    func ready(_ request: Request, _ context: ServerContext) async throws -> Response {
        var checks: [(String, JSON)] = []
        var ok = true
        do {
            let version = try await state.pool.run { try $0.schemaVersion() }
            checks.append(("database", .object([("ok", .bool(true)), ("schema_version", .int(Int64(version)))])))
        } catch {
            ok = false
            checks.append(("database", .object([("ok", .bool(false)), ("error", .string(error.message))])))
        }
        let names = state.registry.providers.map(\.name)
        let loaded = names.contains(state.providerName)
        ok = ok && loaded
        checks.append(
            (
                "plugins",
                .object([
                    ("ok", .bool(loaded)), ("provider", .string(state.providerName)), ("loaded", .array(names.map { .string($0) })),
                ])
            ))
        return .json(
            .object([("status", .string(ok ? "ready" : "not_ready")), ("checks", .object(checks))]), ok ? .ok : .serviceUnavailable)
    }

    func metrics(_ request: Request, _ context: ServerContext) async throws -> Response {
        if let bars = try? await state.pool.run({ try $0.newestBars() }) { state.metrics.updateSeries(bars) }
        return .text(state.metrics.text, type: "text/plain; version=0.0.4; charset=utf-8")
    }
}
