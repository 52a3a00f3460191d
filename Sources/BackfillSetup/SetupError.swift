public import BackfillSettings
public import BackfillStore

/// Why a front end could not turn its settings into a store, a provider or a run: one line for
/// the user, and what kind of failure it is (a command exits 2 for ``Kind/usage`` and
/// ``Kind/unavailable``, 1 for ``Kind/failed``; the server answers 422, 503, 500).
public struct SetupError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// A bad setting, flag or field: the user's to fix.
        case usage
        /// The database cannot be reached or opened.
        case unavailable
        /// Anything else that failed.
        case failed
    }

    public let kind: Kind
    /// One line, no secrets.
    public let message: String

    public var description: String { message }

    public static func usage(_ message: String) -> SetupError { SetupError(kind: .usage, message: message) }
    public static func failed(_ message: String) -> SetupError { SetupError(kind: .failed, message: message) }
    public static func settings(_ error: SettingsError) -> SetupError { .usage(error.message) }

    /// A storage failure: configuration problems are usage errors, connection problems
    /// `unavailable`, the rest `failed`.
    public static func store(_ error: StoreError) -> SetupError {
        switch error.kind {
        case .configuration, .schema, .duplicate: SetupError(kind: .usage, message: error.message)
        case .connection: SetupError(kind: .unavailable, message: error.message)
        default: SetupError(kind: .failed, message: error.message)
        }
    }
}
