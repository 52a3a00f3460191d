import BackfillTestSupport
import Foundation
import Testing

/// The scheduler inside `backfill serve`: schedules made with the CLI and over the API, one
/// catch-up fire after downtime (not one per missed fire), a fire skipped and counted while the
/// schedule's previous run is going, and SIGTERM during a scheduled run.
@Suite("Server: schedules", .serialized)
struct ServerScheduleTests {
    /// Moves a schedule's creation back, as if the server had been down since.
    static func backdate(_ f: ServerFixture, _ name: String, days: Int) throws {
        let ms = Int64(Date().timeIntervalSince1970 * 1000) - Int64(days) * 86_400_000
        _ = try f.sql("UPDATE schedules SET created_at = \(ms) WHERE name = '\(name)'")
    }

    static func runs(_ f: ServerFixture) throws -> [String] {
        try f.sql("SELECT id || ' ' || trigger || ' ' || status FROM runs ORDER BY id").split(separator: "\n").map(String.init)
    }

    @Test("after three days down, a nightly schedule fires once at start-up; its run is a normal run with its row and status")
    func catchUp() throws {
        let f = try ServerFixture()
        _ = try f.backfill(["symbols", "add", "SPY", "--asset-class", "etf"])
        let add = try Run.backfill([
            "schedule", "add", "--database", f.database, "--name", "nightly", "--cron", "0 2 * * *", "--", "run", "--timeframes", "1d",
            "--start", "2020-10-01",
            "--end", "2021-04-01",
        ])
        try #require(add.status == 0, "\(add.stderr)")
        try Self.backdate(f, "nightly", days: 3)
        try f.start()
        #expect(try f.eventually { try Self.runs(f).first?.hasSuffix("complete") == true }, "\((try? Self.runs(f)) ?? [])")
        Thread.sleep(forTimeInterval: 3)
        #expect(try Self.runs(f) == ["1 schedule:nightly complete"], "one fire for three missed nights")
        let s = try #require((try f.request("GET", "/api/v1/schedules", key: "read").json["schedules"] as? [[String: Any]])?.first)
        #expect(s["last_status"] as? String == "complete")
        #expect(s["last_run_id"] as? Int == 1)
        #expect((s["next_fires"] as? [String])?.count == 3)
        let metrics = try f.request("GET", "/metrics", key: "read").body
        #expect(metrics.contains(#"backfill_schedule_last_success_timestamp_seconds{schedule="nightly"}"#), "\(metrics)")
        #expect(f.stop() == 0)
    }

    @Test(
        "a fire while the schedule's previous run is going is skipped, logged and counted; SIGTERM during it exits 0 with the run interrupted"
    )
    func overlapAndShutdown() throws {
        let f = try ServerFixture()
        _ = try f.backfill(["symbols", "add", "BTCPERP", "--asset-class", "crypto"])
        try f.start(["--replay-dir", try f.slowReplay(latencyMs: 60)])
        let add = try f.request(
            "POST", "/api/v1/schedules", key: "admin", body: #"{"name":"slow","cron":"0 3 * * *","options":\#(ServerFixture.slowRun)}"#)
        #expect(add.status == 201, "\(add.body)")
        #expect(
            add.json["command"] as? String == "run --end 2022-02-02 --page-size 500 --start 2021-12-31 --symbols BTCPERP --timeframes 1m")
        #expect(try f.request("POST", "/api/v1/schedules", key: "admin", body: #"{"name":"slow","cron":"0 3 * * *"}"#).status == 409)
        #expect(try f.request("POST", "/api/v1/schedules", key: "admin", body: #"{"name":"bad","cron":"0 25 * * *"}"#).status == 422)
        let fired = try f.request("POST", "/api/v1/schedules/slow/fire", key: "write")
        #expect(fired.status == 202, "\(fired.body)")
        let again = try f.request("POST", "/api/v1/schedules/slow/fire", key: "write")
        #expect(again.status == 409)
        #expect(again.errorMessage.contains("still running its previous job"), "\(again.body)")
        let s = try #require((try f.request("GET", "/api/v1/schedules", key: "read").json["schedules"] as? [[String: Any]])?.first)
        #expect(s["skipped"] as? Int == 1)
        #expect(s["last_status"] as? String == "running")
        let metrics = try f.request("GET", "/metrics", key: "read").body
        #expect(metrics.contains(#"backfill_schedule_skipped_total{schedule="slow"} 1"#), "\(metrics)")
        #expect(f.server!.stderr.contains("schedule fire skipped"))
        let startedRun = try Self.runs(f)
        #expect(startedRun == ["1 schedule:slow running"], "never two at once: \(startedRun)")
        // SIGTERM: stop accepting, let the run reach its clean stop, exit 0.
        let status = f.stop()
        #expect(status == 0, "\(f.server!.stderr)")
        #expect(try Self.runs(f) == ["1 schedule:slow interrupted"])
        #expect(try f.sql("SELECT last_status FROM schedules WHERE name = 'slow'") == "interrupted")
    }

    @Test("schedules over the API: admin adds and removes (audited), the CLI lists them with next fires; a features job fires too")
    func manage() throws {
        let f = try ServerFixture()
        _ = try f.backfill(["symbols", "add", "SPY", "--asset-class", "etf"])
        _ = try f.backfill([
            "run", "--timeframes", "1d", "--start", "2020-10-01", "--end", "2021-04-01", "--results", f.dir.path + "/r.json",
        ])
        try f.start()
        let add = try f.request(
            "POST", "/api/v1/schedules", key: "admin",
            body: #"{"name":"enrich","cron":"30 3 * * *","timezone":"America/New_York","job":"features","options":{"timeframes":["1d"]}}"#)
        #expect(add.status == 201, "\(add.body)")
        let listed = try f.backfill(["schedule", "list"])
        #expect(listed.stdout.contains("enrich") && listed.stdout.contains("America/New_York"), "\(listed.stdout)")
        #expect(try f.request("POST", "/api/v1/schedules/enrich/fire", key: "write").status == 202)
        let enriched = try f.eventually { try f.sql("SELECT last_status FROM schedules WHERE name = 'enrich'") == "complete" }
        let status = (try? f.sql("SELECT last_status FROM schedules WHERE name = 'enrich'")) ?? "?"
        #expect(enriched, "status \(status); server: \(f.server?.stderr.suffix(3000) ?? "")")
        #expect(try f.sql("SELECT count(*) FROM features") != "0", "the features job wrote rows")
        let secret = try f.request(
            "POST", "/api/v1/schedules", key: "admin",
            body: #"{"name":"leak","cron":"0 2 * * *","options":{"provider_options":{"api_key":"hunter2"}}}"#)
        #expect(secret.status == 422, "a secret is refused, not stored: \(secret.body)")
        #expect(try f.request("DELETE", "/api/v1/schedules/enrich", key: "write").status == 403)
        #expect(try f.request("DELETE", "/api/v1/schedules/enrich", key: "admin").status == 200)
        #expect(try f.request("DELETE", "/api/v1/schedules/enrich", key: "admin").status == 404)
        let audit = try f.request("GET", "/api/v1/audit", key: "admin").json["entries"] as? [[String: Any]] ?? []
        #expect(Set(audit.compactMap { $0["action"] as? String }).isSuperset(of: ["schedule.add", "schedule.fire", "schedule.remove"]))
        #expect(f.stop() == 0)
    }
}
