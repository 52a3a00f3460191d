import BackfillAccess
import BackfillCore
import BackfillStore
import HTTPTypes
import Hummingbird
import Logging

/// One route: its method and path (as the OpenAPI document names it), the scope a key needs
/// (nil: no key, for the routes that hold no data), and what answers it.
struct Route: Sendable {
    let method: HTTPRequest.Method
    let path: String
    let scope: KeyScope?
    /// The answering method of an ``API`` (`API.listSymbols`).
    let handler: @Sendable (API) -> @Sendable (Request, ServerContext) async throws -> Response

    init(
        _ method: HTTPRequest.Method, _ path: String, _ scope: KeyScope?,
        _ handler: @escaping @Sendable (API) -> @Sendable (Request, ServerContext) async throws -> Response
    ) {
        self.method = method
        self.path = path
        self.scope = scope
        self.handler = handler
    }
}

/// Every route the server answers. `read` keys may GET; `write` keys may also change symbols
/// and start or stop runs; `admin` keys may also manage schedules. `/`, `/api/v1/health` and
/// `/api/v1/openapi.json` need no key (they hold no data).
struct API: Sendable {
    let state: ServerState

    static let routeTable: [Route] = [
        Route(.get, "/", nil) { _ in { _, _ in Dashboard.page } },
        Route(.get, "/api/v1/health", nil) { _ in { _, _ in .json(.object([("status", .string("ok"))])) } },
        Route(.get, "/api/v1/openapi.json", nil) { _ in
            { _, _ in .text(OpenAPI.document + "\n", type: "application/json; charset=utf-8") }
        },
        Route(.get, "/api/v1/ready", .read, { api in { try await api.ready($0, $1) } }),
        Route(.get, "/metrics", .read, { api in { try await api.metrics($0, $1) } }),
        Route(.get, "/api/v1/symbols", .read, { api in { try await api.listSymbols($0, $1) } }),
        Route(.post, "/api/v1/symbols", .write, { api in { try await api.addSymbol($0, $1) } }),
        Route(.patch, "/api/v1/symbols/{symbol}", .write, { api in { try await api.updateSymbol($0, $1) } }),
        Route(.delete, "/api/v1/symbols/{symbol}", .write, { api in { try await api.deactivateSymbol($0, $1) } }),
        Route(.get, "/api/v1/symbols/{symbol}/events", .read, { api in { try await api.symbolEvents($0, $1) } }),
        Route(.get, "/api/v1/runs", .read, { api in { try await api.listRuns($0, $1) } }),
        Route(.post, "/api/v1/runs", .write, { api in { try await api.startRun($0, $1) } }),
        Route(.get, "/api/v1/runs/{id}", .read, { api in { try await api.showRun($0, $1) } }),
        Route(.post, "/api/v1/runs/{id}/stop", .write, { api in { try await api.stopRun($0, $1) } }),
        Route(.get, "/api/v1/matrix", .read, { api in { try await api.matrix($0, $1) } }),
        Route(.get, "/api/v1/gaps", .read, { api in { try await api.gaps($0, $1) } }),
        Route(.get, "/api/v1/series/{symbol}/{timeframe}/candles", .read, { api in { try await api.candles($0, $1) } }),
        Route(.get, "/api/v1/series/{symbol}/{timeframe}/features", .read, { api in { try await api.features($0, $1) } }),
        Route(.get, "/api/v1/series/{symbol}/{timeframe}/sessions", .read, { api in { try await api.sessions($0, $1) } }),
        Route(.get, "/api/v1/schedules", .read, { api in { try await api.listSchedules($0, $1) } }),
        Route(.post, "/api/v1/schedules", .admin, { api in { try await api.addSchedule($0, $1) } }),
        Route(.delete, "/api/v1/schedules/{name}", .admin, { api in { try await api.removeSchedule($0, $1) } }),
        Route(.post, "/api/v1/schedules/{name}/fire", .write, { api in { try await api.fireSchedule($0, $1) } }),
        Route(.get, "/api/v1/audit", .admin, { api in { try await api.audit($0, $1) } }),
    ]

    /// The router: the request log outermost, then the routes that need no key, then
    /// authentication and the keyed routes, each checking its scope.
    func router() -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.add(middleware: RequestLog(metrics: state.metrics))
        let all = Self.routeTable
        for route in all where route.scope == nil { router.on(RouterPath(route.path), method: route.method, use: route.handler(self)) }
        router.add(middleware: Authentication(pool: state.pool, throttle: FailureThrottle()))
        for route in all {
            guard let scope = route.scope else { continue }
            let handler = route.handler(self)
            router.on(RouterPath(route.path), method: route.method) { request, context in
                try context.require(scope)
                return try await handler(request, context)
            }
        }
        return router
    }

    /// Records a change with the key that made it.
    func audit(_ context: ServerContext, _ action: String, _ detail: String) async {
        let entry = AuditEntry(
            at: UTCTime.now(), keyName: context.key?.name ?? "-", action: action, detail: detail, requestId: context.requestId)
        do { try await state.pool.run { try $0.appendAudit(entry) } } catch {
            context.logger.error("audit entry not written", metadata: ["action": "\(action)", "error": "\(error.message)"])
        }
    }

    func audit(_ request: Request, _ context: ServerContext) async throws -> Response {
        let limit = try Query(request).int("limit", default: 100, range: 1...1000)
        let entries = try await state.pool.run { try $0.audit(limit: limit) }
        return .json(
            .object([
                (
                    "entries",
                    .array(
                        entries.map { e in
                            .object([
                                ("at", .string(UTCTime.iso(e.at))), ("key", .string(e.keyName)), ("action", .string(e.action)),
                                ("detail", .string(e.detail)), ("request_id", e.requestId.map { .string($0) } ?? .null),
                            ])
                        })
                )
            ]))
    }
}

extension ServerContext {
    /// The key's scope covers `scope`, else 403 (401 when there is no key: a route registered
    /// outside authentication by mistake).
    func require(_ scope: KeyScope) throws(APIError) {
        guard let key else { throw APIError.unauthorized("this route needs an API key") }
        let has = (try? KeyScope.parse(key.scope)) ?? .read
        guard has >= scope else {
            throw APIError.forbidden("the key '\(key.name)' has scope \(has.rawValue); this needs \(scope.rawValue)")
        }
    }
}
