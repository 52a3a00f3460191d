import BackfillTestSupport
import Foundation
import Testing

/// `backfill run --distributed` and `backfill worker` on a real PostgreSQL server, against the
/// local Polygon stand-in with a per-key rate limit of its own: the work shared, the quota kept,
/// killed and frozen workers, a killed coordinator.
@Suite("Distributed runs", .serialized, .enabled(if: TestBackend.available.contains(.postgres)))
struct DistributedTests {
    /// A Polygon test server, a PostgreSQL database and the workers started on it.
    final class Cluster: @unchecked Sendable {
        let server: PolygonProviderTests.Harness
        let db: TestDatabase
        var workers: [Spawned] = []
        let env = ["POLYGON_API_KEY": PolygonProviderTests.key]

        init(_ rules: [[String: Any]], rateLimit: (requests: Int, seconds: Double)? = nil, symbols: [String]) throws {
            let limit: [String: Any] = rateLimit.map { ["rate_limit": ["requests": $0.requests, "seconds": $0.seconds]] } ?? [:]
            server = try PolygonProviderTests.Harness(rules, scenario: limit)
            db = try TestDatabase(.postgres)
            for s in symbols {
                #expect(try backfill(["symbols", "add", s, "--asset-class", "crypto", "--database", db.url]).status == 0)
                try server.add(s, "crypto")  // the single-process reference, in SQLite
            }
        }

        deinit { for w in workers where w.isRunning { w.send(SIGKILL) } }

        var provider: [String] {
            [
                "--provider", "polygon", "--provider-option", "base_url=http://127.0.0.1:\(server.port)", "--provider-option",
                "timeout_ms=30000",
            ]
        }

        func backfill(_ args: [String]) throws -> ProcessOutput { try Run.backfill(args, environment: env, directory: server.dir.path) }

        @discardableResult
        func worker(_ name: String, rate: Double, lease: Double = 3) throws -> Spawned {
            let w = try Spawned.backfill(
                [
                    "worker", "--database", db.url, "--name", name, "--rate", String(rate), "--lease-seconds", String(lease), "--idle-exit",
                    "90", "--backoff-ms", "20",
                ] + provider, environment: env, directory: server.dir.path)
            workers.append(w)
            return w
        }

        func coordinatorArguments(_ range: [String]) -> [String] {
            ["run", "--distributed", "--database", db.url, "--results", server.dir.path + "/distributed.json", "--backoff-ms", "20"]
                + provider + range
        }

        /// Every stored candle of a symbol as the CSV export prints it.
        func export(_ symbol: String, database: String) throws -> String {
            let out = try backfill(["export", "candles", "--symbol", symbol, "--timeframe", "1m", "--database", database])
            #expect(out.status == 0, "\(out.stderr)")
            return out.stdout
        }

        func stopWorkers() {
            for w in workers where w.isRunning { w.send(SIGTERM) }
            for w in workers { #expect(w.wait(timeout: 60).status == 0, "a worker did not stop cleanly: \(w.stderr)") }
        }
    }

    static let day = ["--timeframes", "1m", "--start", "2024-01-01", "--end", "2024-01-02"]
    static let symbols = ["AAAUSD", "BBBUSD", "CCCUSD", "DDDUSD", "EEEUSD", "FFFUSD"]
    static var minutes: [String: Any] { ["match": "/range/1/minute/", "generate": ["page": 240, "step_ms": 60000]] }

    @Test("three workers and a coordinator: every bar stored once, the rows of a single-process run, zero 429s, the combined rate kept")
    func sharedQuota() throws {
        let c = try Cluster([Self.minutes], rateLimit: (10, 1.0), symbols: Self.symbols)
        for name in ["w1", "w2", "w3"] { try c.worker(name, rate: 8) }
        let run = try c.backfill(c.coordinatorArguments(Self.day))
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("jobs (fetch): 6 of 6 done"), "\(run.stdout)")
        let listed = try c.backfill(["workers", "--json", "--database", c.db.url])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
        let names = ((doc["workers"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        #expect(Set(names) == ["w1", "w2", "w3"], "\(listed.stdout)")
        #expect((doc["jobs"] as? [String: Any])?["done"] as? Int == 6)
        c.stopWorkers()

        // Every job was somebody's, and more than one worker took part.
        let holders = try c.db.psql("SELECT DISTINCT worker FROM jobs WHERE state = 'done'").split(separator: "\n")
        #expect(holders.count >= 2, "\(holders)")
        #expect(try c.db.psql("SELECT count(*) FROM candles").trimmingCharacters(in: .whitespacesAndNewlines) == "\(6 * 1440)")
        let requests = try c.server.requests()
        let paths = requests.compactMap { $0["path"] as? String }
        #expect(paths.count == 6 * 6 && Set(paths).count == paths.count, "every page once: \(paths.count) requests")
        #expect(requests.allSatisfy { $0["limited"] as? Bool == false }, "the server answered 429")
        let times = requests.compactMap { $0["time"] as? Double }.sorted()
        for (i, t) in times.enumerated() { #expect(times[i...].prefix { $0 < t + 1.0 }.count <= 10, "more than 10 requests in a second") }
        let rate = Double(times.count - 1) / ((times.last ?? 0) - (times.first ?? 0))
        #expect(rate <= 8 * 1.1, "combined rate \(rate)/s over the workers' 8/s")

        // The same rows as one process fetching alone.
        let single = try c.server.run(Self.day)
        #expect(single.status == 0, "\(single.stderr)")
        for s in Self.symbols { #expect(try c.export(s, database: c.db.url) == c.export(s, database: c.server.database), "\(s)") }
        try c.server.expectKeyAbsent([run, listed, single])
        // The shared budget is named by a fingerprint of the key, never the key.
        let credential = try c.db.psql("SELECT credential FROM rate_limits").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(credential.hasPrefix("hmac:") && !credential.contains(PolygonProviderTests.key), "\(credential)")
    }

    @Test("a 429 with Retry-After answered to one worker pauses every worker on the credential for that long")
    func sharedRetryAfter() throws {
        let c = try Cluster(
            [["match": "/range/1/minute/", "status": 429, "retry_after": 2, "times": 1], Self.minutes],
            symbols: Array(Self.symbols.prefix(3)))
        for name in ["w1", "w2", "w3"] { try c.worker(name, rate: 20) }
        let run = try c.backfill(c.coordinatorArguments(Self.day))
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        c.stopWorkers()
        let times = try c.server.requests().compactMap { $0["time"] as? Double }.sorted()
        // The first request got the 429: nobody asked again for 2 s, whichever worker it was.
        let first = try #require(times.first)
        #expect(times.count == 3 * 6 + 1)
        #expect(times.dropFirst().allSatisfy { $0 >= first + 1.9 }, "a request \(((times.dropFirst().first ?? 0) - first)) s after the 429")
        #expect(try c.db.psql("SELECT count(*) FROM candles").hasPrefix("\(3 * 1440)"))
    }

    @Test("a worker SIGKILLed in the middle of a job: its lease expires, another worker finishes it, the rows are whole")
    func killedWorker() throws {
        let c = try Cluster([Self.minutes], symbols: ["AAAUSD", "BBBUSD"])
        let doomed = try c.worker("doomed", rate: 4, lease: 2)
        let coordinator = try Spawned.backfill(c.coordinatorArguments(Self.day), environment: c.env, directory: c.server.dir.path)
        let deadline = Date().addingTimeInterval(30)
        while try c.server.requests().count < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        doomed.send(SIGKILL)
        _ = doomed.wait()
        try c.worker("rescuer", rate: 20, lease: 2)
        let done = coordinator.wait(timeout: 90)
        #expect(done.status == 0, "\(coordinator.stdout)\(coordinator.stderr)")
        c.workers.removeFirst()
        c.stopWorkers()
        // The killed worker's job was claimed twice; the rescuer finished it.
        let taken = try c.db.psql("SELECT attempts, worker FROM jobs WHERE attempts > 1").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(taken == "2|rescuer", "\(taken)")
        let single = try c.server.run(Self.day)
        #expect(single.status == 0)
        for s in ["AAAUSD", "BBBUSD"] { #expect(try c.export(s, database: c.db.url) == c.export(s, database: c.server.database)) }
    }

    @Test("a worker frozen past its lease while an answer is on its way writes nothing once another worker took the job over (fencing)")
    func fencedStaleWrite() throws {
        // The job's second page hangs 4 s the first time it is asked for; every bar's trade count
        // is the number of the request that brought it.
        let rules: [[String: Any]] = [
            ["match": "cursor=", "hang": 4, "times": 1, "generate": ["page": 240, "step_ms": 60000, "mark": true]],
            ["match": "/range/1/minute/", "generate": ["page": 240, "step_ms": 60000, "mark": true]],
        ]
        let c = try Cluster(rules, symbols: ["AAAUSD"])
        let stale = try c.worker("stale", rate: 50, lease: 1.5)
        let coordinator = try Spawned.backfill(c.coordinatorArguments(Self.day), environment: c.env, directory: c.server.dir.path)
        // The first cursor page is the one that hangs: freeze the worker while it waits for it.
        let deadline = Date().addingTimeInterval(30)
        while try !c.server.requests().contains(where: { ($0["path"] as? String)?.contains("cursor=") == true }) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        stale.send(SIGSTOP)
        try c.worker("fresh", rate: 50, lease: 1.5)
        #expect(coordinator.wait(timeout: 60).status == 0, "\(coordinator.stdout)\(coordinator.stderr)")
        // Let the hung answer arrive, then wake the frozen worker: it must not write it.
        Thread.sleep(forTimeInterval: 4.5)
        stale.send(SIGCONT)
        let refusedBy = Date().addingTimeInterval(20)
        while !stale.stderr.contains("lease was lost") && Date() < refusedBy {
            Thread.sleep(forTimeInterval: 0.05)
        }
        c.stopWorkers()
        #expect(stale.stderr.contains("this worker's lease was lost and another worker took the job over"), "\(stale.stderr)")
        // Every stored bar came from the last answer for its page: the fresh worker's.
        var last: [String: Int] = [:]
        for r in try c.server.requests() {
            guard let path = r["path"] as? String, let seq = r["seq"] as? Int else { continue }
            let page = path.split(separator: "?")[0]
            last[String(page)] = max(last[String(page)] ?? 0, seq)
        }
        let stored = Set(try c.db.psql("SELECT DISTINCT trades FROM candles").split(separator: "\n").compactMap { Int($0) })
        #expect(stored == Set(last.values), "stored answers \(stored.sorted()), last answers per page \(last.values.sorted())")
        #expect(try c.db.psql("SELECT count(*) FROM candles").hasPrefix("1440"))
    }

    @Test("a coordinator SIGKILLed with its jobs queued: a plain re-run finishes the work; --distributed on SQLite is refused")
    func killedCoordinator() throws {
        let c = try Cluster([Self.minutes], symbols: ["AAAUSD", "BBBUSD", "CCCUSD"])
        let first = try Spawned.backfill(c.coordinatorArguments(Self.day), environment: c.env, directory: c.server.dir.path)
        #expect(first.waitFor("jobs (fetch): 0 of 3 done", timeout: 30), "\(first.stdout)\(first.stderr)")
        first.send(SIGKILL)
        _ = first.wait()
        try c.worker("w", rate: 50)
        let again = try c.backfill(c.coordinatorArguments(Self.day))
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        c.stopWorkers()
        let single = try c.server.run(Self.day)
        #expect(single.status == 0)
        for s in ["AAAUSD", "BBBUSD", "CCCUSD"] { #expect(try c.export(s, database: c.db.url) == c.export(s, database: c.server.database)) }
        #expect(try c.db.psql("SELECT count(*) FROM jobs WHERE state IN ('pending', 'claimed')").hasPrefix("0"))

        let sqlite = try c.backfill(["run", "--distributed", "--database", c.server.database] + c.provider + Self.day)
        #expect(sqlite.status == 2)
        #expect(sqlite.stderr.contains("--distributed needs a PostgreSQL database"), "\(sqlite.stderr)")
        #expect(sqlite.stderr.split(separator: "\n").count == 1, "\(sqlite.stderr)")
        let worker = try c.backfill(["worker", "--database", c.server.database] + c.provider)
        #expect(worker.status == 2 && worker.stderr.contains("backfill worker needs a PostgreSQL database"), "\(worker.stderr)")
    }
}
