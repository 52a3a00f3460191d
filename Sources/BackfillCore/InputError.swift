/// A user-input mistake: a bad flag value, symbol, date or file. Its description is one line that
/// names what is wrong and where.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Kind: Sendable, Equatable { case invalid }
    private let kind: Kind
    /// The one-line message for the user.
    public let message: String

    private init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// A value the user gave is not valid; `message` says which and what would be.
    public static func invalid(_ message: String) -> InputError { InputError(kind: .invalid, message: message) }

    public var description: String { message }
}
