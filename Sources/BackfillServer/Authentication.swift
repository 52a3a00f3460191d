import BackfillAccess
import BackfillCore
import BackfillStore
import HTTPTypes
import Hummingbird

/// Authenticates every API request but `/health`: the key from `X-API-Key` (the Python
/// system's header) or `Authorization: Bearer`. 401 without a key or with a wrong one (the
/// same answer for both, so a caller learns nothing); after repeated failures from one address
/// that address gets 429 with `Retry-After` until its window passes. Scopes are the routes'
/// (``API/routeTable``).
///
/// Written here rather than with hummingbird-auth: what it would add (an authenticator protocol
/// and a context slot) is a few lines, while the parts that matter (our key format, the salted
/// hash in the store, the constant-time check in ``APIKeys``, the failure throttle) are ours
/// either way.
struct Authentication: RouterMiddleware {
    typealias Context = ServerContext
    let pool: StorePool
    let throttle: FailureThrottle

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws
        -> Response
    {
        let address = context.clientAddress
        if let wait = await throttle.blocked(address) {
            var e = APIError(.tooManyRequests, "too_many_failures", "too many failed authentications from this address; retry later")
            e.headers[.retryAfter] = String(wait)
            throw e
        }
        guard let presented = Self.presentedKey(request) else {
            await throttle.failed(address)
            throw APIError.unauthorized("this route needs an API key: send X-API-Key or Authorization: Bearer (backfill keys create)")
        }
        let record = try await pool.run { store in try APIKeys.verify(presented, store: store) }
        guard let record else {
            await throttle.failed(address)
            throw APIError.unauthorized("the API key is not valid (unknown, revoked or mistyped)")
        }
        await throttle.succeeded(address)
        let now = UTCTime.now()
        // A key's last use, to the minute: not a write per request.
        if (record.lastUsedAt ?? 0) < now - 60_000 { _ = try? await pool.run { store in try store.touchKey(id: record.id, at: now) } }
        var context = context
        context.key = record
        context.keyName.value = record.name
        return try await next(request, context)
    }

    static func presentedKey(_ request: Request) -> String? {
        if let key = request.headers[.apiKey], !key.isEmpty { return key }
        if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            let token = auth.dropFirst(7).drop { $0 == " " }
            return token.isEmpty ? nil : String(token)
        }
        return nil
    }
}

/// Failed authentications per client address: after `limit` within `window` seconds, the
/// address is refused (429) until `window` seconds after its first failure.
actor FailureThrottle {
    let limit: Int
    let window: Int64
    private var failures: [String: (count: Int, since: Int64)] = [:]

    init(limit: Int = 10, windowSeconds: Int = 60) {
        self.limit = limit
        window = Int64(windowSeconds) * 1000
    }

    /// Seconds until the address may try again, or nil.
    func blocked(_ address: String) -> Int? {
        guard let f = failures[address] else { return nil }
        let now = UTCTime.now()
        if now - f.since >= window {
            failures[address] = nil
            return nil
        }
        return f.count >= limit ? Int((f.since + window - now + 999) / 1000) : nil
    }

    func failed(_ address: String) {
        let now = UTCTime.now()
        if let f = failures[address], now - f.since < window {
            failures[address] = (f.count + 1, f.since)
        } else {
            failures[address] = (1, now)
        }
        if failures.count > 10_000 { failures = failures.filter { now - $0.value.since < window } }
    }

    func succeeded(_ address: String) { failures[address] = nil }
}
