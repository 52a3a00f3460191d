import BackfillTestSupport
import Foundation
import Testing

/// What `backfill run` prints, held to what it printed before the run moved into one engine
/// (Tests/Fixtures/console, recorded from the earlier binary); the JSON log lines and --quiet.
@Suite("CLI: console, JSON log and quiet output")
struct ConsoleOutputTests {
    static let fixtures = Fixtures.fixturesDir

    /// SPY with a hidden daily range and one rate-limited hourly request; QQQ refused by the vendor.
    final class Scenario: @unchecked Sendable {
        let dir = TemporaryDirectory("backfill-console")
        let args = [
            "--database", "sqlite:db.sqlite", "--replay-dir", "replay", "--results", "r.json", "--backoff-ms", "20",
            "--concurrency", "1", "--timeframes", "1h,1d", "--start", "2020-01-01", "--end", "2020-02-01",
        ]

        init(faults: String? = nil) throws {
            try dir.copy(ConsoleOutputTests.fixtures + "/replay/SPY/1d.csv", to: "replay/SPY/1d.csv")
            try dir.copy(ConsoleOutputTests.fixtures + "/replay/SPY/1h.csv", to: "replay/SPY/1h.csv")
            try dir.copy(ConsoleOutputTests.fixtures + "/replay/SPY/1d.csv", to: "replay/QQQ/1d.csv")
            if let faults {
                try dir.write("replay/faults.json", faults)
            } else {
                try dir.copy(ConsoleOutputTests.fixtures + "/console/faults.json", to: "replay/faults.json")
            }
            let add = try backfill(["symbols", "add", "SPY", "QQQ", "--asset-class", "etf", "--database", "sqlite:db.sqlite"])
            #expect(add.status == 0, "\(add.stderr)")
        }

        func backfill(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessOutput {
            try Run.backfill(arguments, environment: ["BACKFILL_KERNELS": "scalar"].merging(environment) { $1 }, directory: dir.path)
        }

        func run(_ extra: [String] = [], environment: [String: String] = [:]) throws -> ProcessOutput {
            try backfill(["run"] + args + extra, environment: environment)
        }
    }

    /// Timings vary from run to run; everything else must not.
    static func normalized(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            if line.hasPrefix("Duration: ") { return "Duration: -" }
            if line.hasPrefix("Time split: ") { return "Time split: -" }
            return String(line)
        }.joined(separator: "\n")
    }

    static func golden(_ name: String) throws -> String {
        try String(contentsOfFile: fixtures + "/console/" + name, encoding: .utf8)
    }

    @Test("a run, its re-run and the features job print exactly what they printed before the engine")
    func unchanged() throws {
        let s = try Scenario()
        let first = try s.run()
        #expect(first.status == 1)
        #expect(Self.normalized(first.stdout) == (try Self.golden("run.stdout")))
        #expect(first.stderr == (try Self.golden("run.stderr")))
        let again = try s.run()
        #expect(again.status == 1)
        #expect(Self.normalized(again.stdout) == (try Self.golden("rerun.stdout")))
        #expect(again.stderr == (try Self.golden("rerun.stderr")))
        let features = try s.backfill([
            "features", "--database", "sqlite:db.sqlite", "--concurrency", "1", "--symbols", "SPY", "--timeframes", "1h,1d",
        ])
        #expect(features.status == 0)
        #expect(Self.normalized(features.stdout) == (try Self.golden("features.stdout")))
    }

    static func lines(_ stderr: String) throws -> [[String: Any]] {
        try stderr.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    @Test("--log-format json: every stderr line is one JSON event with ts, level and name; stdout stays empty; secrets masked")
    func jsonLog() throws {
        // A transient answer whose message repeats the API key the environment holds.
        let s = try Scenario(
            faults: #"""
                {"faults": [{"symbol": "SPY", "timeframe": "1d", "status": "transient", "requests": 1, "message": "key s3cr3t-k3y-123 timed out"},
                            {"symbol": "QQQ", "status": "permanent", "message": "vendor says no"}]}
                """#)
        let out = try s.run(["--log-format", "json", "--events", "--features"], environment: ["ACME_API_KEY": "s3cr3t-k3y-123"])
        #expect(out.status == 1)
        #expect(out.stdout.isEmpty, "stdout carries only data: \(out.stdout)")
        #expect(!out.stderr.contains("s3cr3t-k3y-123"))
        let events = try Self.lines(out.stderr)
        for e in events {
            #expect(e["ts"] is String && e["level"] is String && e["event"] is String, "\(e)")
            #expect((e["ts"] as? String)?.count == 24)  // 2026-12-01T06:33:46.123Z
        }
        let names = events.compactMap { $0["event"] as? String }
        #expect(names.first == "run_started" && names.last == "run_finished")
        for name in [
            "stage_started", "page_fetched", "pair_finished", "gaps_detected", "gap_found", "retry", "events_fetched", "features_computed",
        ] {
            #expect(names.contains(name), "no \(name) in \(names)")
        }
        let retry = try #require(events.first { $0["event"] as? String == "retry" })
        #expect(retry["message"] as? String == "key *** timed out" && retry["level"] as? String == "warning")
        #expect(retry["subject"] as? String == "SPY/1d" && retry["kind"] as? String == "transient")
        let started = try #require(events.first)
        #expect(started["pairs"] as? Int == 4 && started["planned_requests"] as? Int == 4 && started["run_id"] as? Int == 1)
        let finished = try #require(events.last)
        #expect(
            finished["status"] as? String == "incomplete" && finished["exit_code"] as? Int == 1 && finished["level"] as? String == "error")
        // Every event of the run carries its id once the run has one.
        #expect(events.allSatisfy { $0["run_id"] as? Int == 1 })
        let pages = events.filter { $0["event"] as? String == "page_fetched" }
        #expect(pages.last?["candles_done"] as? Int == pages.reduce(0) { $0 + ($1["candles"] as? Int ?? 0) })
    }

    @Test("--log-format json for a failing command ends with an error event, and a bad format is a usage error")
    func jsonErrors() throws {
        let s = try Scenario()
        let locked = try s.backfill(["features", "--database", "sqlite:db.sqlite", "--symbols", "NOPE", "--log-format", "json"])
        #expect(locked.status == 2)
        let events = try Self.lines(locked.stderr)
        #expect(events.count == 1 && events[0]["event"] as? String == "error" && events[0]["level"] as? String == "error")
        #expect((events[0]["message"] as? String)?.hasPrefix("symbol 'NOPE' is not in the registry") == true)
        let xml = try s.run(["--log-format", "xml"])
        #expect(xml.status == 2)
        #expect(xml.stderr.hasPrefix("backfill: error: --log-format must be one of text, json (got 'xml')"))
        #expect(xml.stderr.split(separator: "\n").count == 1)
        let retry = try s.run(["--db-retry-seconds", "-1"])
        #expect(retry.status == 2)
        #expect(retry.stderr.hasPrefix("backfill: error: --db-retry-seconds must be 0 to 86400 (got -1)"))
        #expect(retry.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: s.dir.path + "/r.json"))
    }

    @Test("--quiet: the failures on stderr and one summary line on stdout")
    func quiet() throws {
        let s = try Scenario()
        let out = try s.run(["--quiet"])
        #expect(out.status == 1)
        #expect(out.stderr == "error: QQQ/1h: permanent: vendor says no\nerror: QQQ/1d: permanent: vendor says no\n")
        let lines = out.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(
            // 6 for the candles, 2 for SPY's and QQQ's ticker chains (asked before the fetch).
            lines.first?.hasPrefix("backfill run: incomplete; 4 pairs, 168 candles inserted, 2 updated, 2 gaps remaining, 10 requests in ")
                == true)
        #expect(lines.first?.hasSuffix("; results in r.json") == true)
    }

    @Test("run --features computes only the pairs whose candles changed; features lists pairs with no candles on one line")
    func featuresStage() throws {
        let s = try Scenario(faults: #"{"faults": []}"#)
        let out = try s.run(["--features", "--symbols", "SPY"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("STAGE 3c: COMPUTING FEATURES\n====="))
        #expect(out.stdout.contains("Pairs whose candles changed: 2; kernels: scalar"))
        #expect(out.stdout.contains("  SPY/1h: ✓ processed=147, inserted=147, updated=0"))
        // Nothing changed the second time: nothing is recomputed.
        let again = try s.run(["--features", "--symbols", "SPY"])
        #expect(again.stdout.contains("No pair's candles changed in this run; features are up to date."))
        let none = try s.backfill(["features", "--database", "sqlite:db.sqlite", "--symbols", "QQQ", "--timeframes", "1m,1h"])
        #expect(none.status == 0)
        #expect(none.stdout.contains("No stored candles for 2 pairs: QQQ/1m, QQQ/1h (nothing to compute)"))
    }
}
