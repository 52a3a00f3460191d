import BackfillTestSupport
import Foundation
import Testing

/// SIGINT and SIGTERM during `backfill run`: a clean stop (the page in flight stored, a report
/// that says interrupted, the runs row, the exit code), a re-run that converges to the rows of an
/// uninterrupted run; a second signal exits at once; rows of dead runs show as abandoned.
@Suite("CLI: clean stop and the runs table")
struct StopTests {
    static let fixture = Fixtures.fixturesDir + "/replay/BTCPERP/1m.csv"

    /// 45,031 one-minute bars served 500 a page, each page `latency` ms late.
    final class Workspace: @unchecked Sendable {
        let dir = TemporaryDirectory("backfill-stop")
        let args: [String]

        init(latencyMs: Int) throws {
            try dir.copy(StopTests.fixture, to: "replay/BTCPERP/1m.csv")
            try dir.write("replay/faults.json", #"{"faults": [{"latency_ms": \#(latencyMs)}]}"#)
            args = [
                "--replay-dir", dir.path + "/replay", "--timeframes", "1m", "--start", "2021-12-31", "--end", "2022-02-02",
                "--page-size", "500", "--results", dir.path + "/r.json",
            ]
            for db in ["victim", "reference"] {
                _ = try Run.backfill(["symbols", "add", "BTCPERP", "--asset-class", "crypto", "--database", database(db)])
            }
        }

        func database(_ name: String) -> String { "sqlite:\(dir.path)/\(name).sqlite" }

        func sql(_ name: String, _ query: String) throws -> String {
            try Run.program("/usr/bin/env", ["sqlite3", "\(dir.path)/\(name).sqlite", query]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func start(_ name: String = "victim", _ extra: [String] = []) throws -> Spawned {
            let run = try Spawned.backfill(["run", "--database", database(name)] + args + extra)
            #expect(run.waitFor("Plan:"), "the run never started: \(run.stderr)")
            return run
        }

        func results() throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/r.json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }

        static let dump = "SELECT ts, open, high, low, close, volume, vwap, trades FROM candles ORDER BY ts"
    }

    @Test(
        "SIGINT and SIGTERM: report written as interrupted, exit 130/143, then a re-run gives an uninterrupted run's rows",
        arguments: [
            (SIGINT, Int32(130), "SIGINT"), (SIGTERM, Int32(143), "SIGTERM"),
        ])
    func cleanStop(_ signal: Int32, _ code: Int32, _ name: String) throws {
        let w = try Workspace(latencyMs: 25)
        let run = try w.start()
        Thread.sleep(forTimeInterval: 0.4)
        run.send(signal)
        let (status, _) = run.wait()
        #expect(status == code, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("warning: received \(name): finishing the page in flight, then the report"))
        #expect(run.stdout.contains("DATA COMPLETENESS MATRIX") && run.stdout.contains("BACKFILL SUMMARY"))
        #expect(run.stdout.contains("Status: interrupted (\(name)); gap detection and refills skipped"))
        #expect(run.stdout.contains("BTCPERP  ?"))
        #expect(!run.stdout.contains("STAGE 2: DETECTING GAPS"))
        let summary = try #require(try w.results()["summary"] as? [String: Any])
        #expect(summary["status"] as? String == "interrupted" && summary["stopped_by"] as? String == name)
        #expect(summary["exit_code"] as? Int == Int(code))
        #expect(try w.sql("victim", "SELECT status || ' ' || exit_code FROM runs") == "interrupted \(code)")
        // Whole pages only, each with its coverage.
        let stored = Int(try w.sql("victim", "SELECT count(*) FROM candles")) ?? -1
        #expect(stored > 0 && stored < 45_031 && stored % 500 == 0, "\(stored) rows")
        let covered = try w.sql(
            "victim",
            "SELECT sum(n) FROM (SELECT (SELECT count(*) FROM candles WHERE ts >= start_ts AND ts < end_ts) AS n FROM coverage WHERE outcome = 'fetched')"
        )
        #expect(Int(covered) == stored)

        // The next run goes on from there and ends where an uninterrupted run ends.
        let rerun = try Run.backfill(["run", "--database", w.database("victim")] + w.args)
        #expect(rerun.status == 0, "\(rerun.stdout)")
        #expect(try Run.backfill(["run", "--database", w.database("reference")] + w.args).status == 0)
        #expect(try w.sql("victim", Workspace.dump) == (try w.sql("reference", Workspace.dump)))
        #expect(try w.sql("victim", "SELECT count(*) FROM candles") == "45031")
    }

    @Test("a second signal ends the run at once; its row shows as abandoned, and the next run marks it so")
    func secondSignalAndAbandoned() throws {
        let w = try Workspace(latencyMs: 4_000)
        let run = try w.start()
        // While it runs, `backfill runs` shows it running.
        let live = try Run.backfill(["runs", "--json", "--database", w.database("victim")])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(live.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1 && rows[0]["status"] as? String == "running", "\(live.stdout)\(live.stderr)")
        Thread.sleep(forTimeInterval: 0.2)
        run.send(SIGINT)
        Thread.sleep(forTimeInterval: 0.2)
        run.send(SIGINT)
        let (status, seconds) = run.wait()
        #expect(status == 130)
        #expect(seconds < 2.5, "the second signal took \(seconds) s to end the run (a page takes 4 s)")
        #expect(!FileManager.default.fileExists(atPath: w.dir.path + "/r.json"))
        // The table still says running; nobody holds the lock, so `runs` says abandoned.
        #expect(try w.sql("victim", "SELECT status FROM runs") == "running")
        let table = try Run.backfill(["runs", "--database", w.database("victim")])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("id  started               duration  status") == true, "\(table.stdout)")
        #expect(lines.count == 2 && lines[1].contains("  abandoned  "), "\(table.stdout)")
        // The next run marks it in the table and records itself.
        let next = try Run.backfill(["run", "--database", w.database("victim")] + w.args + ["--end", "2021-12-31T01:00"])
        #expect(next.status == 0, "\(next.stdout)\(next.stderr)")
        #expect(next.stderr.contains("1 run left 'running' by a process that is gone is now marked abandoned"))
        #expect(try w.sql("victim", "SELECT group_concat(status, ',') FROM (SELECT status FROM runs ORDER BY id)") == "abandoned,complete")
        let json = try Run.backfill(["runs", "--json", "--limit", "1", "--database", w.database("victim")])
        let newest = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(newest.count == 1 && newest[0]["status"] as? String == "complete" && newest[0]["pairs"] as? Int == 1)
        #expect(try Run.backfill(["runs", "--limit", "0", "--database", w.database("victim")]).status == 2)
    }
}
