import BackfillTestSupport
import Foundation
import Testing

/// The CLI side of the service: `keys`, `schedule` and `report --html`, with their mistakes as
/// one line and exit code 2.
@Suite("CLI: keys, schedule, report --html", .serialized)
struct ServiceCommandTests {
    @Test("keys: printed once, listed without the key, names unique, revoked keys refused by the server at once")
    func keys() throws {
        let f = try ServerFixture("backfill-keys")
        let list = try f.backfill(["keys", "list"])
        #expect(list.status == 0)
        #expect(list.stdout.hasPrefix("name,scope,status,created_at,last_used_at\n"))
        #expect(list.stdout.contains("read-key,read,active"))
        for (_, key) in f.keys { #expect(!list.stdout.contains(key), "keys list shows no key") }
        let again = try f.backfill(["keys", "create", "--name", "read-key", "--scope", "read"])
        #expect(
            again.status == 2 && again.stderr == "backfill: error: an API key named 'read-key' exists (revoked keys keep their names)\n")
        let scope = try f.backfill(["keys", "create", "--name", "x", "--scope", "root"])
        #expect(scope.status == 2 && scope.stderr.contains("unknown scope 'root'; valid: read, write, admin"))
        try f.start()
        #expect(try f.request("GET", "/api/v1/symbols", key: "write").status == 200)
        let revoke = try f.backfill(["keys", "revoke", "write-key"])
        #expect(revoke.status == 0)
        #expect(try f.request("GET", "/api/v1/symbols", key: "write").status == 401, "a revoked key is refused without a restart")
        #expect(try f.backfill(["keys", "list"]).stdout.contains("write-key,write,revoked"))
        #expect(try f.backfill(["keys", "revoke", "write-key"]).status == 2)
        #expect(f.stop() == 0)
    }

    @Test(
        "schedule add: mistakes in the cron, the zone or the job's options are one line, exit 2, nothing stored",
        arguments: [
            (["--cron", "61 * * * *", "--", "run"], "cron '61 * * * *': minute '61' has 61, outside 0-59"),
            (["--cron", "0 2 * * *", "--timezone", "Mars/X", "--", "run"], "unknown time zone 'Mars/X'"),
            (["--cron", "0 2 * * *", "--", "run", "--concurency", "2"], "Did you mean '--concurrency'?"),
            (["--cron", "0 2 * * *", "--", "run", "--provider-option", "api_key=hunter2"], "provider option 'api_key' is a secret"),
        ])
    func scheduleMistakes(_ args: [String], _ message: String) throws {
        let f = try ServerFixture("backfill-sched")
        let out = try Run.backfill(["schedule", "add", "--database", f.database, "--name", "bad"] + args)
        #expect(out.status == 2)
        #expect(out.stderr.hasPrefix("backfill: error: ") && out.stderr.contains(message), "\(out.stderr)")
        #expect(out.stderr.split(separator: "\n").count == 1)
        #expect(try f.sql("SELECT count(*) FROM schedules") == "0")
        #expect(!(try f.sql("SELECT arguments FROM schedules")).contains("hunter2"))
    }

    @Test("schedule list --json: the seed's two jobs with their next three fires; remove; the audit log says cli")
    func scheduleList() throws {
        let f = try ServerFixture("backfill-sched")
        for (name, cron, job) in [("nightly", "0 2 * * *", ["run", "--timeframes", "1m,1h,1d"]), ("enrich", "30 3 * * *", ["features"])] {
            let add = try Run.backfill(["schedule", "add", "--database", f.database, "--name", name, "--cron", cron, "--"] + job)
            #expect(add.status == 0, "\(add.stderr)")
        }
        let list = try f.backfill(["schedule", "list", "--json"])
        let items = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(items.map { $0["name"] as? String } == ["enrich", "nightly"])
        let nightly = try #require(items.last)
        #expect(nightly["command"] as? String == "run --timeframes 1m,1h,1d")
        let fires = try #require(nightly["next_fires"] as? [String])
        #expect(fires.count == 3 && fires.allSatisfy { $0.hasSuffix("T02:00:00Z") })
        #expect(try f.backfill(["schedule", "remove", "enrich"]).status == 0)
        #expect(try f.backfill(["schedule", "remove", "enrich"]).status == 2)
        #expect(
            try f.sql("SELECT key_name || ' ' || action || ' ' || detail FROM audit_log WHERE action LIKE 'schedule.%' ORDER BY id")
                == "cli schedule.add nightly\ncli schedule.add enrich\ncli schedule.remove enrich")
    }

    @Test("report --html: one self-contained file with the matrix cells and each series' gaps as the store has them")
    func htmlReport() throws {
        let f = try ServerFixture("backfill-report")
        _ = try f.backfill(["symbols", "add", "SPY", "--asset-class", "etf"])
        _ = try f.backfill(["symbols", "add", "AAPL", "--asset-class", "stock"])
        let range = ["--timeframes", "1h,1d", "--start", "2020-10-01", "--end", "2021-04-01"]
        _ = try f.backfill(["run", "--results", f.dir.path + "/r.json"] + range)
        let file = f.dir.path + "/report.html"
        let out = try f.backfill(["report", "--html", file] + range)
        #expect(out.status == 0, "\(out.stderr)")
        let html = try String(contentsOfFile: file, encoding: .utf8)
        #expect(html.hasPrefix("<!doctype html>") && !html.contains("<script") && !html.contains("src=\"http"))
        #expect(html.contains("data-symbol=\"AAPL\" data-timeframe=\"1h\" data-mark=\"✗\""))
        #expect(html.contains("data-symbol=\"SPY\" data-timeframe=\"1d\" data-mark=\"✓\""))
        let gaps = try f.backfill(["gaps"] + range).stdout.split(separator: "\n").dropFirst()
        #expect(!gaps.isEmpty)
        for g in gaps {
            let c = g.split(separator: ",", omittingEmptySubsequences: false)
            #expect(
                html.contains(
                    "<tr class=\"gap\" data-class=\"\(c[2])\"><td>\(c[2])</td><td>\(c[3])</td><td>\(c[4])</td><td>\(c[5])</td></tr>"))
        }
        #expect(html.contains("<td>incomplete</td>") || html.contains("incomplete"), "the run is listed")
        let bad = try f.backfill(["report", "--html", "/nonexistent/dir/r.html"] + range)
        #expect(bad.status != 0 && bad.stderr.contains("/nonexistent/dir/r.html"))
    }

    @Test("serve: a bad address, a port in use, a missing certificate are one line and a non-zero exit, no trace")
    func serveMistakes() throws {
        let f = try ServerFixture("backfill-serve-bad")
        try f.start()
        let port = f.url.split(separator: ":").last.map(String.init) ?? ""
        let cases: [([String], Int32, String)] = [
            (["--listen", "nonsense"], 2, "backfill: error: --listen 'nonsense' is not HOST:PORT"),
            (["--listen", "127.0.0.1:70000"], 2, "backfill: error: --listen '127.0.0.1:70000' is not HOST:PORT"),
            (["--listen", "127.0.0.1:\(port)"], 1, "backfill: error: cannot listen on 127.0.0.1:\(port): the address is in use"),
            (
                ["--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"], 2,
                "backfill: error: --tls-cert /nonexistent.pem"
            ),
            (["--listen", "127.0.0.1:0", "--log-format", "xml"], 2, "xml"),
        ]
        for (args, status, message) in cases {
            let out = try Run.backfill(["serve", "--database", f.database] + args)
            #expect(out.status == status, "\(args): \(out.stderr)")
            #expect(out.stderr.hasPrefix(message) || (status == 2 && out.stderr.contains(message)), "\(out.stderr)")
            #expect(out.stderr.split(separator: "\n").count == 1, "one line: \(out.stderr)")
        }
        #expect(f.stop() == 0)
    }
}
