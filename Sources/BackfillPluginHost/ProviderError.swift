internal import BackfillABI

/// A provider call that did not deliver, as the host acts on it.
///
/// The kinds mirror the ABI statuses; ``isRetryable`` says whether the host's retry policy applies.
public struct ProviderError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What happened, as the host acts on it.
    public enum Kind: String, Sendable, Equatable {
        case noData = "no_data"
        case rateLimited = "rate_limited"
        case transient
        case unauthorized
        case notEntitled = "not_entitled"
        case badRequest = "bad_request"
        case permanent
        /// The provider's child process died during the call (a signal or an exit): a host-side
        /// status, never one a plugin returns.
        case crashed
        /// The call did not return within the request timeout; its child process was ended.
        case timedOut = "timed_out"
    }

    public let kind: Kind
    /// The provider's one-line message (never carries secrets).
    public let message: String
    /// For `.rateLimited`: how long the provider asked to wait, in milliseconds, when it said.
    public let retryAfterMs: Int64?

    public init(kind: Kind, message: String, retryAfterMs: Int64? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfterMs = retryAfterMs
    }

    /// Maps an ABI status (anything unknown is permanent).
    init(status: Int32, message: String, retryAfterMs: Int64) {
        let kind: Kind =
            switch status {
            case Int32(BF_NO_DATA): .noData
            case Int32(BF_RATE_LIMITED): .rateLimited
            case Int32(BF_TRANSIENT): .transient
            case Int32(BF_UNAUTHORIZED): .unauthorized
            case Int32(BF_NOT_ENTITLED): .notEntitled
            case Int32(BF_BAD_REQUEST): .badRequest
            default: .permanent
            }
        let text = message.isEmpty ? "provider answered \(kind.rawValue) (status \(status))" : message
        self.init(kind: kind, message: text, retryAfterMs: retryAfterMs >= 0 ? retryAfterMs : nil)
    }

    /// Whether retrying the same request may succeed (rate limited, transient; a crash or a
    /// timeout once, in a fresh child process).
    public var isRetryable: Bool { kind == .rateLimited || kind == .transient || isFault }

    /// Whether the provider's process failed (crashed, or timed out and was ended), rather than
    /// the provider answering.
    public var isFault: Bool { kind == .crashed || kind == .timedOut }

    public var description: String { "\(kind.rawValue): \(message)" }
}
