import BackfillCore
import BackfillTestSupport
import Foundation
import Testing

@testable import BackfillStore

/// Bad URLs, unreachable servers, wrong passwords, broken files, lost connections: a one-line
/// error with the password redacted, and nothing half-written.
@Suite("Store failures")
struct StoreFailureTests {
    static func error(_ url: String) -> StoreError? {
        do {
            _ = try Stores.open(try DatabaseURL.parse(url))
            return nil
        } catch let e as StoreError {
            return e
        } catch {
            return nil
        }
    }

    @Test("database URLs: accepted forms, rejected forms, and redaction")
    func urls() throws {
        #expect(try DatabaseURL.parse("sqlite:backfill.sqlite") == .sqlite(path: "backfill.sqlite"))
        #expect(try DatabaseURL.parse("sqlite:///var/lib/b.sqlite") == .sqlite(path: "/var/lib/b.sqlite"))
        #expect(try DatabaseURL.parse("postgresql://u@h/db") == .postgres(url: "postgresql://u@h/db"))
        #expect(throws: StoreError.self) { try DatabaseURL.parse("mysql://u:p@h/db") }
        #expect(throws: StoreError.self) { try DatabaseURL.parse("postgres://u:p@h:99999/db") }
        #expect(throws: StoreError.self) { try DatabaseURL.parse("sqlite:") }
        #expect(
            DatabaseURL.redact("postgres://bob:s3cr3t@db.example:5432/x?sslmode=require")
                == "postgres://bob:***@db.example:5432/x?sslmode=require")
        #expect(
            DatabaseURL.redact("postgres://db/x?user=bob&password=s3cr3t&sslmode=require")
                == "postgres://db/x?user=bob&password=***&sslmode=require")
        #expect(DatabaseURL.postgres(url: "postgres://bob:s3cr3t@h/x").description == "postgres://bob:***@h/x")
        do {
            _ = try DatabaseURL.parse("mysql://bob:s3cr3t@h/db")
        } catch {
            #expect(!error.message.contains("s3cr3t"))
        }
    }

    @Test("SQLite: a file that is not a database, and a folder that does not exist, fail clearly")
    func sqliteFiles() throws {
        let dir = TemporaryDirectory()
        let junk = try dir.write("junk.sqlite", String(repeating: "not a database ", count: 200))
        let e1 = try #require(Self.error("sqlite:" + junk))
        #expect(e1.kind == .schema)
        #expect(e1.message.contains("is not a usable SQLite database"))
        #expect(try String(contentsOfFile: junk, encoding: .utf8).hasPrefix("not a database"))  // untouched
        let e2 = try #require(Self.error("sqlite:\(dir.path)/no/such/folder/b.sqlite"))
        #expect(e2.kind == .connection)
        #expect(e2.message.hasPrefix("cannot open SQLite database '\(dir.path)/no/such/folder/b.sqlite'"))
    }

    /// A full disk, simulated with SQLite's page limit (the database may not grow past its current
    /// size): the same SQLITE_FULL a full file system gives.
    @Test("SQLite: a full disk is a one-line error naming the file; the batch is not half-written")
    func sqliteFull() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/full.sqlite"
        let store = try SQLiteStore(path: path)
        let s = try Symbol("SPY")
        let first = StoreContractTests.batch((0..<1_000).map { (Int64($0) * 60_000, 100 + Double($0 % 7)) })
        #expect(try store.write(first, symbol: s, timeframe: .m1, coverage: nil) == WriteCounts(inserted: 1_000, updated: 0))
        try store.db.execute("PRAGMA max_page_count = 1")  // clamped to the current size
        let big = StoreContractTests.batch((1_000..<101_000).map { (Int64($0) * 60_000, 100 + Double($0 % 7)) })
        do {
            _ = try store.write(big, symbol: s, timeframe: .m1, coverage: nil)
            Issue.record("a write past the page limit succeeded")
        } catch {
            #expect(error.kind == .storage)
            #expect(error.message == "disk full while writing SQLite database '\(path)'")
        }
        // The transaction rolled back: the first 1,000 candles, nothing of the second batch.
        #expect(try StoreContractTests.readAll(store, s, .m1, batchSize: 4096).count == 1_000)
    }

    @Test("PostgreSQL: unreachable server, wrong password, missing database; the password never shows")
    func postgresConnection() throws {
        if !TestBackend.available.contains(.postgres) { return }
        let base = try #require(PostgresTestServer.url, "PostgreSQL tests need .ci/with-postgres")
        let refused = try #require(Self.error("postgres://bob:hunter2@127.0.0.1:1/x"))
        #expect(refused.kind == .connection)
        #expect(refused.message.contains("postgres://bob:***@127.0.0.1:1/x"))
        #expect(refused.message.contains("Connection refused"))

        let goodPassword = try #require(DatabaseURL.parse(base).passwordForTests)
        let wrong = base.replacingOccurrences(of: ":\(goodPassword)@", with: ":Wr0ngPassw0rd@")
        let denied = try #require(Self.error(wrong))
        #expect(denied.kind == .connection)
        #expect(denied.message.contains("password authentication failed"))
        #expect(!denied.description.contains("Wr0ngPassw0rd") && !denied.debugDescription.contains("Wr0ngPassw0rd"))

        let missing = try #require(Self.error(base.replacingOccurrences(of: "/backfill_test", with: "/no_such_db")))
        #expect(missing.message.contains("database \"no_such_db\" does not exist"))
        #expect(!missing.message.contains(goodPassword))
    }

    @Test("PostgreSQL: a connection lost between batches is re-established; what committed is kept")
    func lostConnection() throws {
        if !TestBackend.available.contains(.postgres) { return }
        let db = try TestDatabase(.postgres)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("LOST")
        let b = CandleBatch(capacity: 100)
        for i in 0..<100 { b.append(ts: Int64(i) * 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 1) }
        #expect(try store.write(b, symbol: s, timeframe: .m1, coverage: nil).inserted == 100)
        try db.killConnections()
        for i in 0..<100 { b.ts[i] += 100 * 60_000 }
        #expect(try store.write(b, symbol: s, timeframe: .m1, coverage: nil).inserted == 100)
        #expect(try store.timestamps(symbol: s, timeframe: .m1, start: .min, end: .max).count == 200)
    }
}
