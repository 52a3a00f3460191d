public import BackfillStore
import Foundation

/// The databases the store contract suite runs against.
public enum TestBackend: String, CustomStringConvertible, Sendable, CaseIterable {
    case sqlite, postgres
    public var description: String { rawValue }

    /// The backends to test here: SQLite always; PostgreSQL when a server is configured
    /// (`BACKFILL_TEST_POSTGRES_URL`, as `.ci/with-postgres` sets) or when running in CI, where a
    /// missing server is a failure, never a skip.
    public static var available: [TestBackend] {
        PostgresTestServer.url != nil || PostgresTestServer.required ? [.sqlite, .postgres] : [.sqlite]
    }
}

/// The PostgreSQL server the tests use.
public enum PostgresTestServer {
    public static var url: String? { ProcessInfo.processInfo.environment["BACKFILL_TEST_POSTGRES_URL"] }
    /// In CI (CI=true) PostgreSQL tests must run.
    public static var required: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["CI"] == "true" || env["BACKFILL_REQUIRE_POSTGRES"] == "1"
    }
}

/// A fresh, empty database of one backend, removed when released.
public final class TestDatabase: @unchecked Sendable {
    public let backend: TestBackend
    /// The URL to open it with.
    public let url: String
    private let dir: TemporaryDirectory?
    private let schema: String?

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String {
            "PostgreSQL tests need a server: run them under .ci/with-postgres (BACKFILL_TEST_POSTGRES_URL is not set)"
        }
    }

    public init(_ backend: TestBackend) throws {
        self.backend = backend
        switch backend {
        case .sqlite:
            let d = TemporaryDirectory("backfill-db")
            dir = d
            schema = nil
            url = "sqlite:\(d.path)/test.sqlite"
        case .postgres:
            guard let base = PostgresTestServer.url else { throw Unavailable() }
            let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
            try Self.psql(base, "CREATE SCHEMA \(name)")
            dir = nil
            schema = name
            url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(name)&application_name=\(name)"
        }
    }

    deinit {
        if let schema, let base = PostgresTestServer.url { _ = try? Self.psql(base, "DROP SCHEMA \(schema) CASCADE") }
    }

    /// Ends this database's server connections from the outside, as a network drop or a server
    /// restart would (PostgreSQL only).
    public func killConnections() throws {
        guard let schema, let base = PostgresTestServer.url else { return }
        try Self.psql(base, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(schema)'")
    }

    /// Opens the store.
    public func open() throws -> any CandleStore { try Stores.open(try DatabaseURL.parse(url)) }

    /// The SQLite file path (SQLite only).
    public var sqlitePath: String? { dir.map { $0.path + "/test.sqlite" } }

    /// Runs SQL with psql (PostgreSQL only), returning its output.
    @discardableResult
    public func psql(_ sql: String) throws -> String {
        guard let schema, let base = PostgresTestServer.url else { return "" }
        return try Self.psql(base, "SET search_path TO \(schema); " + sql)
    }

    @discardableResult
    static func psql(_ url: String, _ sql: String) throws -> String {
        let out = try Run.program("/usr/bin/env", ["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])
        guard out.status == 0 else { throw Run.CompileError(message: "psql failed: \(out.stderr)") }
        return out.stdout
    }

    /// Runs SQL with the sqlite3 shell (SQLite only).
    @discardableResult
    public func sqlite(_ sql: String) throws -> String {
        guard let path = sqlitePath else { return "" }
        let out = try Run.program("/usr/bin/env", ["sqlite3", path, sql])
        guard out.status == 0 else { throw Run.CompileError(message: "sqlite3 failed: \(out.stderr)") }
        return out.stdout
    }

    /// Runs SQL on whichever backend this is.
    @discardableResult
    public func sql(_ sqliteText: String, postgres: String? = nil) throws -> String {
        backend == .sqlite ? try sqlite(sqliteText) : try psql(postgres ?? sqliteText)
    }
}
