import BackfillCore
import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    /// A JSON response.
    static func json(_ value: JSON, _ status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.text() + "\n")))
    }

    /// A text response of `type`.
    static func text(_ text: String, type: String, _ status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension Request {
    /// The body, at most the context's upload size (413 past it).
    mutating func bodyBytes(_ context: ServerContext) async throws -> [UInt8] {
        let buffer = try await collectBody(upTo: context.maxUploadSize)
        return buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
    }

    /// A query parameter.
    func query(_ name: String) -> String? { uri.queryParameters[name[...]].map { String($0) } }
}
