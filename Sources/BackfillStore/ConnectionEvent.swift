/// A database connection lost and re-established while working.
public enum ConnectionEvent: Sendable {
    /// The connection dropped; it is retried for up to `budget` seconds before the operation fails.
    case lost(message: String, budget: Double)
    /// The connection works again after `seconds`; the operation in flight was sent again.
    case restored(seconds: Double)
}
