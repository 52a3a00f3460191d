/// Where the candles live: a SQLite file or a PostgreSQL server.
///
/// Accepted forms: `sqlite:PATH` (relative to the working directory), `sqlite://ABSOLUTE_PATH`,
/// `postgres://user:password@host:port/db?sslmode=...` and `postgresql://...`.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// The default: `backfill.sqlite` in the working directory.
    public static let defaultURL = "sqlite:backfill.sqlite"

    /// Parses a URL the user gave (`--database` or `DATABASE_URL`).
    ///
    /// - Throws: ``StoreError`` (configuration) naming the accepted forms; the text in the message
    ///   has its password redacted.
    public static func parse(_ text: String) throws(StoreError) -> DatabaseURL {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw .configuration("database URL 'sqlite:' needs a file path, e.g. sqlite:backfill.sqlite") }
            return .sqlite(path: path)
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            let rest = text.drop { $0 != "/" }.dropFirst(2)
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            let host = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
            if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
                let port = host[host.index(after: colon)...]
                guard !port.isEmpty, let n = Int(port), n > 0, n < 65536 else {
                    throw .configuration("database URL '\(redact(text))' has an invalid port '\(port)'")
                }
            }
            return .postgres(url: text)
        }
        throw .configuration(
            "unsupported database URL '\(redact(text))'; use sqlite:PATH or postgres://user@host:port/database")
    }

    /// The URL with any password replaced by `***`, for messages and logs.
    public static func redact(_ text: String) -> String {
        guard let scheme = text.firstRange(of: "://") else { return text }
        let afterScheme = text[scheme.upperBound...]
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" } ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        var result = text
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            result = String(text[..<authority.index(after: colon)]) + "***" + String(text[at...])
        }
        // A password may also come as a query parameter.
        if let q = result.firstRange(of: "password=") {
            let end = result[q.upperBound...].firstIndex(of: "&") ?? result.endIndex
            result.replaceSubrange(q.upperBound..<end, with: "***")
        }
        return result
    }

    /// The password in a PostgreSQL URL, if any (to scrub it from server messages and to mask it
    /// in everything a command writes).
    public var password: String? {
        guard case .postgres(let url) = self, let scheme = url.firstRange(of: "://") else { return nil }
        let after = url[scheme.upperBound...]
        let end = after.firstIndex { $0 == "/" || $0 == "?" } ?? after.endIndex
        let authority = after[..<end]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return nil }
        let pw = String(authority[authority.index(after: colon)..<at])
        return pw.isEmpty ? nil : pw
    }

    /// The password, for tests that must check it never leaks.
    package var passwordForTests: String? { password }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): Self.redact(url)
        }
    }
}
