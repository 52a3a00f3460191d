import BackfillCore
import BackfillSetup
import BackfillStore
public import HTTPTypes
import Hummingbird

/// An API failure: the status, a stable code and one line for people, answered as
/// `{"error": {"code": "...", "message": "...", "request_id": "..."}}`.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Extra response headers (`Retry-After`).
    public var headers: HTTPFields = [:]

    public var description: String { message }

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func notFound(_ m: String) -> APIError { APIError(.notFound, "not_found", m) }
    static func invalid(_ m: String) -> APIError { APIError(.unprocessableContent, "invalid", m) }
    static func conflict(_ m: String) -> APIError { APIError(.conflict, "conflict", m) }
    static func unauthorized(_ m: String) -> APIError { APIError(.unauthorized, "unauthorized", m) }
    static func forbidden(_ m: String) -> APIError { APIError(.forbidden, "forbidden", m) }
    static func internalError(_ m: String) -> APIError { APIError(.internalServerError, "internal", m) }
    static func unavailable(_ m: String) -> APIError { APIError(.serviceUnavailable, "unavailable", m) }

    /// A setup failure: bad fields are 422, an unreachable database 503, the rest 500.
    static func setup(_ e: SetupError) -> APIError {
        switch e.kind {
        case .usage: .invalid(e.message)
        case .unavailable: .unavailable(e.message)
        case .failed: .internalError(e.message)
        }
    }

    /// A storage failure: 409 for a name already taken, 503 when the database cannot be
    /// reached, else 500.
    static func store(_ e: StoreError) -> APIError { e.kind == .duplicate ? .conflict(e.message) : setup(.store(e)) }
    static func badRequest(_ m: String) -> APIError { APIError(.badRequest, "bad_request", m) }

    /// The error as JSON with the request id.
    func body(requestId: String) -> JSON {
        .object([
            ("error", .object([("code", .string(code)), ("message", .string(message)), ("request_id", .string(requestId))]))
        ])
    }

    /// Any error a route or Hummingbird threw, as an API error.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as SetupError: return setup(e)
        case let e as StoreError: return store(e)
        case let e as any HTTPResponseError:
            let code: String =
                switch e.status.code {
                case 404: "not_found"
                case 405: "method_not_allowed"
                case 413: "too_large"
                case 400: "bad_request"
                default: "http_\(e.status.code)"
                }
            let message: String =
                switch e.status.code {
                case 404: "no such route"
                case 413: "the request body is over 64 KiB"
                default: (e as? HTTPError)?.body ?? e.status.reasonPhrase
                }
            return APIError(e.status, code, message)
        default: return .internalError("internal error")
        }
    }
}
