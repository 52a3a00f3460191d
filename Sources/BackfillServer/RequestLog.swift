import BackfillMetrics
import HTTPTypes
import Hummingbird
import Logging

/// The outermost middleware: every response, error or not, carries `X-Request-Id`; every
/// failure becomes the one JSON error shape; every request is one log line (method, path,
/// status, milliseconds, the key's name, never the key) and counted in the metrics.
struct RequestLog: RouterMiddleware {
    typealias Context = ServerContext
    let metrics: Metrics

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws
        -> Response
    {
        let clock = ContinuousClock()
        let started = clock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let e = APIError.from(error)
            if e.status.code >= 500 { context.logger.error("request failed", metadata: ["error": "\(error)"]) }
            response = .json(e.body(requestId: context.requestId), e.status, headers: e.headers)
        }
        response.headers[Self.requestIdField] = context.requestId
        let elapsed = clock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        metrics.httpRequest(status: response.status.code)
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
                "ms": "\((ms * 10).rounded() / 10)", "key": "\(context.keyName.value ?? "-")", "client": "\(context.clientAddress)",
            ])
        return response
    }

    static let requestIdField = HTTPField.Name.requestId
}

extension HTTPField.Name {
    /// `X-Request-Id` (a valid token, so the name always exists).
    static let requestId = HTTPField.Name("X-Request-Id") ?? .via
    /// `X-API-Key`, the Python service's header.
    static let apiKey = HTTPField.Name("X-API-Key") ?? .authorization
}
