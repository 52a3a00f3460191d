import BackfillStore
public import Hummingbird
import Logging
public import NIOCore
import Synchronization

/// What a request carries through the middleware to its route: where it came from, and the key
/// it was authenticated with (nil before authentication, and on the routes that need none).
public struct ServerContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The authenticated key.
    var key: APIKeyRecord?
    /// The key's name, for the request's log line: shared by every copy of the context, so the
    /// log (outside authentication) sees what authentication found, even when the route failed.
    let keyName = KeyNameBox()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Request bodies over 64 KiB are refused with 413.
    public var maxUploadSize: Int { 64 * 1024 }

    /// The request id (in the `X-Request-Id` response header and every log line of the request).
    var requestId: String { logger[metadataKey: "hb.request.id"]?.description ?? "" }

    /// The client's address, for throttling failed authentication.
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}

/// The name of the key a request was authenticated with (see ``ServerContext/keyName``).
final class KeyNameBox: Sendable {
    private let name = Mutex<String?>(nil)
    var value: String? {
        get { name.withLock { $0 } }
        set { name.withLock { $0 = newValue } }
    }
}
