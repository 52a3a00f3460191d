import BackfillTestSupport
import Foundation
import Testing

/// A database that goes away during a run: a PostgreSQL server restarted (`pg_ctl stop -m
/// immediate`, started again seconds later) at several moments of a run, and a SQLite file
/// another process holds a write lock on.
@Suite("CLI: a database that restarts or is busy", .serialized)
struct DatabaseRestartTests {
    static let fixture = Fixtures.fixturesDir + "/replay/BTCPERP/1m.csv"

    /// When in a run the server goes down.
    enum Moment: CustomStringConvertible, Sendable {
        /// This long after the plan is printed (the fetch stage).
        case afterPlan(Double)
        var description: String {
            switch self {
            case .afterPlan(let s): "\(s) s into the fetch"
            }
        }
    }

    @Test(
        "PostgreSQL restarts (3 s down) mid-run: exit 0, every pair complete, the rows of an uninterrupted run",
        arguments: [Moment.afterPlan(0.3), .afterPlan(1.5)])
    func postgresRestart(_ moment: Moment) throws {
        guard PrivatePostgres.binaries != nil || PostgresTestServer.required else { return }
        let server = try PrivatePostgres()
        let dir = TemporaryDirectory("backfill-restart")
        try dir.copy(Self.fixture, to: "replay/BTCPERP/1m.csv")
        try dir.write("replay/faults.json", #"{"faults": [{"latency_ms": 30}]}"#)
        let args = [
            "--replay-dir", dir.path + "/replay", "--timeframes", "1m,1h", "--start", "2021-12-31", "--end", "2022-02-02",
            "--page-size", "500", "--results", dir.path + "/r.json", "--concurrency", "2", "--features",
        ]
        for db in ["reference", "victim"] {
            try server.createDatabase(db)
            let add = try Run.backfill(["symbols", "add", "BTCPERP", "--asset-class", "crypto", "--database", server.url(db)])
            #expect(add.status == 0, "\(add.stderr)")
        }
        // No hourly file: the 1h pair is answered "no data" (provider_empty), a second kind of write.
        let reference = try Run.backfill(["run", "--database", server.url("reference")] + args)
        #expect(reference.status == 0, "\(reference.stdout)\(reference.stderr)")

        let run = try Spawned.backfill(["run", "--database", server.url("victim"), "--db-retry-seconds", "60"] + args)
        switch moment {
        case .afterPlan(let seconds):
            #expect(run.waitFor("Plan:"))
            Thread.sleep(forTimeInterval: seconds)
        }
        #expect(run.isRunning, "the run ended before the restart (\(moment)): \(run.stdout)")
        try server.crash()
        Thread.sleep(forTimeInterval: 3)
        try server.start()
        let (status, _) = run.wait()
        #expect(status == 0, "\(moment): \(run.stdout)\(run.stderr)")
        // As the uninterrupted run: the file ends on 2022-02-01, the rest is provider_empty (~).
        #expect(run.stdout.contains("\nBTCPERP  ~     ~     \n"), "\(run.stdout)")
        #expect(reference.stdout.contains("\nBTCPERP  ~     ~     \n"), "\(reference.stdout)")
        let dump = "SELECT ts, open, high, low, close, volume FROM candles ORDER BY ts"
        #expect(try server.psql("victim", dump) == (try server.psql("reference", dump)))
        #expect(try server.psql("victim", "SELECT count(*) FROM candles").trimmingCharacters(in: .whitespacesAndNewlines) == "45031")
        // The features stage (a second kind of write, after the gap stage) holds the same rows too.
        let features = "SELECT ts, ret_1, vol_20, atr_14, rsi_14, slope_20 FROM features ORDER BY ts"
        #expect(try server.psql("victim", features) == (try server.psql("reference", features)))
        #expect(try server.psql("victim", "SELECT count(*) FROM features").trimmingCharacters(in: .whitespacesAndNewlines) == "45031")
        #expect(try server.psql("victim", "SELECT status FROM runs").trimmingCharacters(in: .whitespacesAndNewlines) == "complete")
        #expect(run.stderr.contains("warning: lost the connection to PostgreSQL"), "\(run.stderr)")
        #expect(run.stderr.contains("reconnecting for up to 1m 0s (--db-retry-seconds)"))
        #expect(run.stderr.contains("warning: the database connection is back after"))
    }

    /// The features stage of a run over these bars is one chunk and over in a fraction of a second
    /// (a restart "at" it raced the run's end); `backfill features` in 64-bar chunks, a
    /// transaction and a checkpoint each, is still writing when the server goes down.
    @Test("PostgreSQL restarts (3 s down) while backfill features writes: exit 0, the features of an uninterrupted job")
    func postgresRestartDuringFeatures() throws {
        guard PrivatePostgres.binaries != nil || PostgresTestServer.required else { return }
        let server = try PrivatePostgres()
        let dir = TemporaryDirectory("backfill-restart")
        try dir.copy(Self.fixture, to: "replay/BTCPERP/1m.csv")
        let args = ["--replay-dir", dir.path + "/replay", "--timeframes", "1m", "--start", "2021-12-31", "--end", "2022-02-02"]
        for db in ["reference", "victim"] {
            try server.createDatabase(db)
            #expect(try Run.backfill(["symbols", "add", "BTCPERP", "--asset-class", "crypto", "--database", server.url(db)]).status == 0)
            #expect(try Run.backfill(["run", "--database", server.url(db), "--results", dir.path + "/\(db).json"] + args).status == 0)
        }
        #expect(try Run.backfill(["features", "--database", server.url("reference"), "--chunk", "64"]).status == 0)
        let job = try Spawned.backfill(["features", "--database", server.url("victim"), "--chunk", "64", "--db-retry-seconds", "60"])
        #expect(job.waitFor("FEATURE ENRICHMENT PIPELINE STARTED"))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(job.isRunning, "the job ended before the restart: \(job.stdout)")
        try server.crash()
        Thread.sleep(forTimeInterval: 3)
        try server.start()
        let (status, _) = job.wait()
        #expect(status == 0, "\(job.stdout)\(job.stderr)")
        let features = "SELECT ts, ret_1, vol_20, atr_14, rsi_14, slope_20 FROM features ORDER BY ts"
        #expect(try server.psql("victim", features) == (try server.psql("reference", features)))
        #expect(try server.psql("victim", "SELECT count(*) FROM features").trimmingCharacters(in: .whitespacesAndNewlines) == "45031")
        #expect(job.stderr.contains("warning: lost the connection to PostgreSQL"), "\(job.stderr)")
        #expect(job.stderr.contains("warning: the database connection is back after"))
    }

    @Test("PostgreSQL down for longer than --db-retry-seconds: the run fails with a clear message, nothing half-written")
    func postgresGone() throws {
        guard PrivatePostgres.binaries != nil || PostgresTestServer.required else { return }
        let server = try PrivatePostgres()
        let dir = TemporaryDirectory("backfill-gone")
        try dir.copy(Self.fixture, to: "replay/BTCPERP/1m.csv")
        try dir.write("replay/faults.json", #"{"faults": [{"latency_ms": 30}]}"#)
        try server.createDatabase("victim")
        _ = try Run.backfill(["symbols", "add", "BTCPERP", "--asset-class", "crypto", "--database", server.url("victim")])
        let run = try Spawned.backfill([
            "run", "--database", server.url("victim"), "--db-retry-seconds", "2", "--replay-dir", dir.path + "/replay",
            "--timeframes", "1m", "--start", "2021-12-31", "--end", "2022-02-02", "--page-size", "500", "--results", dir.path + "/r.json",
        ])
        #expect(run.waitFor("Plan:"))
        Thread.sleep(forTimeInterval: 0.3)
        try server.crash()
        let (status, seconds) = run.wait()
        #expect(status == 1, "\(run.stdout)\(run.stderr)")
        #expect(seconds < 20)
        #expect(run.stdout.contains("BTCPERP/1m: ✗ storage: lost the connection to PostgreSQL"), "\(run.stdout)")
        #expect(run.stdout.contains("reconnecting failed for 2 s (--db-retry-seconds)"))
        try server.start()
        // Whole pages only: the rows stored are a multiple of the page size, each with its coverage.
        let n = Int(try server.psql("victim", "SELECT count(*) FROM candles").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(n > 0 && n % 500 == 0, "\(n) rows")
    }

    @Test("SQLite: a write lock another process holds is waited for; with --db-retry-seconds 0 it is a clear error")
    func sqliteBusy() throws {
        let dir = TemporaryDirectory("backfill-busy")
        let path = dir.path + "/db.sqlite"
        #expect(try Run.backfill(["symbols", "add", "SPY", "--asset-class", "etf", "--database", "sqlite:" + path]).status == 0)
        let holder = """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            time.sleep(float(sys.argv[2]))
            c.execute("COMMIT")
            """
        let lock = try Spawned("/usr/bin/env", ["python3", "-c", holder, path, "1.5"])
        #expect(lock.waitFor("locked"))
        let waited = try Run.backfill(["symbols", "add", "QQQ", "--asset-class", "etf", "--database", "sqlite:" + path])
        #expect(waited.status == 0, "\(waited.stderr)")
        #expect(lock.wait().status == 0)
        let again = try Spawned("/usr/bin/env", ["python3", "-c", holder, path, "3"])
        #expect(again.waitFor("locked"))
        let busy = try Run.backfill([
            "symbols", "add", "IWM", "--asset-class", "etf", "--database", "sqlite:" + path, "--db-retry-seconds", "0",
        ])
        #expect(busy.status == 1)
        #expect(busy.stderr == "backfill: error: SQLite database '\(path)' is busy (another process holds a write lock)\n")
        _ = again.wait()
        #expect(try Run.backfill(["symbols", "list", "--database", "sqlite:" + path]).stdout.split(separator: "\n").count == 3)
    }
}
