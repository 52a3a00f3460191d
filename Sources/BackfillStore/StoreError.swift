/// A storage failure. The description is one line for the user: it never carries a password or
/// the values bound to a statement; ``debugDescription`` adds the statement for debugging.
public struct StoreError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// What kind of failure, as callers act on it.
    public enum Kind: String, Sendable {
        /// The database URL or configuration is wrong (exit code 2).
        case configuration
        /// The server cannot be reached, the login failed, or the database does not exist.
        case connection
        /// The connection dropped during work; what committed is kept.
        case connectionLost
        /// The database is newer than this program, or otherwise not ours.
        case schema
        /// Read-only file, full disk, permission denied.
        case storage
        /// Another run holds the database lock.
        case locked
        /// A name that must be unique is taken (an API key, a schedule).
        case duplicate
        /// A worker's write after its job was taken over by another worker (its lease was lost).
        case fenced
        /// Any other database error.
        case database
    }

    public let kind: Kind
    /// One line, no secrets.
    public let message: String
    /// The native code: SQLite's extended result code or PostgreSQL's SQLSTATE.
    public let code: String?
    /// The statement that failed (no bound values), for debugging.
    public let statement: String?

    init(_ kind: Kind, _ message: String, code: String? = nil, statement: String? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
        self.statement = statement
    }

    static func configuration(_ m: String) -> StoreError { .init(.configuration, m) }
    static func duplicate(_ m: String) -> StoreError { .init(.duplicate, m) }

    /// Any other failure around storage, as a database error.
    public static func other(_ message: String) -> StoreError { .init(.database, message) }

    public var description: String { message }

    public var debugDescription: String {
        var s = "\(kind.rawValue): \(message)"
        if let code { s += " [code \(code)]" }
        if let statement { s += " in: \(statement)" }
        return s
    }
}
