import BackfillTestSupport
import Foundation
import Testing

/// `backfill run` end to end, as cron runs it: the built binary, the replay plugin with fault
/// injection, a real SQLite file, the results JSON.
@Suite("CLI: backfill run")
struct RunCommandTests {
    static let fixtures = Fixtures.fixturesDir + "/replay"

    /// A working folder with a replay root (copies of fixtures), a database and helpers.
    final class Workspace: @unchecked Sendable {
        let dir = TemporaryDirectory("backfill-run")
        var replay: String { dir.path + "/replay" }
        var database: String { "sqlite:" + dir.path + "/db.sqlite" }
        var results: String { dir.path + "/results.json" }

        init(_ files: [String: String] = [:], faults: String? = nil) throws {
            for (relative, fixture) in files { try dir.copy(RunCommandTests.fixtures + "/" + fixture, to: "replay/" + relative) }
            try FileManager.default.createDirectory(atPath: replay, withIntermediateDirectories: true)
            if let faults { try dir.write("replay/faults.json", faults) }
        }

        func backfill(_ args: [String]) throws -> ProcessOutput {
            try Run.backfill(args + ["--database", database], directory: dir.path)
        }

        func add(_ symbol: String, _ assetClass: String) throws {
            let out = try backfill(["symbols", "add", symbol, "--asset-class", assetClass])
            #expect(out.status == 0, "\(out.stderr)")
        }

        func run(_ args: [String]) throws -> ProcessOutput {
            try backfill(["run", "--replay-dir", replay, "--results", results, "--backoff-ms", "20"] + args)
        }

        func resultsJSON() throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: results))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }

        func sql(_ query: String) throws -> String {
            let out = try Run.program("/usr/bin/env", ["sqlite3", dir.path + "/db.sqlite", query])
            return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    static func summary(_ json: [String: Any]) -> [String: Any] { json["summary"] as? [String: Any] ?? [:] }

    @Test("a hidden range is detected as a suspect gap and filled on retry; the run ends complete")
    func hiddenRangeFilled() throws {
        let w = try Workspace(
            ["SPY/1d.csv": "SPY/1d.csv"],
            faults: #"{"faults": [{"symbol": "SPY", "hide": {"start": "2020-01-10", "end": "2020-01-15"}, "attempts": 1}]}"#)
        try w.add("SPY", "etf")
        let out = try w.run(["--timeframes", "1d", "--start", "2020-01-01", "--end", "2020-02-01"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("SPY/1d: 1 gap(s) detected (1 suspect)"))
        #expect(out.stdout.contains("SPY/1d: retrying gap 2020-01-10T00:00:00Z to 2020-01-14T00:00:00Z (suspect, attempt 1/2)..."))
        #expect(out.stdout.contains("SPY/1d: ✓ gap filled (3 bars"))
        let json = try w.resultsJSON()
        #expect(json["schema_version"] as? Int == 1)
        let detected = try #require(json["gaps_detected"] as? [[String: Any]])
        #expect(detected.count == 1)
        #expect(detected[0]["class"] as? String == "suspect")
        #expect(detected[0]["start"] as? String == "2020-01-10T00:00:00Z")
        #expect(detected[0]["end"] as? String == "2020-01-14T00:00:00Z")
        #expect(detected[0]["missing"] as? Int == 3)
        #expect((json["gaps_remaining"] as? [Any])?.isEmpty == true)
        #expect(Self.summary(json)["gaps_filled"] as? Int == 1)
        #expect(try w.sql("SELECT count(*) FROM candles") == "21")
        #expect(!FileManager.default.fileExists(atPath: w.results + ".tmp-0"))
    }

    @Test("a provider failing for one pair never stops the others; the failure lands in the matrix and JSON")
    func onePairFails() throws {
        let w = try Workspace(
            ["SPY/1d.csv": "SPY/1d.csv", "AAPL/1d.csv": "SPY/1d.csv"],
            faults: #"{"faults": [{"symbol": "AAPL", "status": "permanent", "message": "vendor says no"}]}"#)
        try w.add("SPY", "etf")
        try w.add("AAPL", "stock")
        let out = try w.run(["--timeframes", "1d", "--start", "2020-01-01", "--end", "2020-02-01"])
        #expect(out.status == 1)
        #expect(out.stdout.contains("AAPL/1d: ✗ permanent: vendor says no"))
        #expect(out.stdout.contains("SPY/1d: 21 candles (inserted 21, updated 0) in 1 request"))
        #expect(out.stdout.contains("SPY     ✓"))
        #expect(out.stdout.contains("AAPL    ✗"))
        let json = try w.resultsJSON()
        let pairs = try #require(json["pairs"] as? [[String: Any]])
        let aapl = try #require(pairs.first { $0["symbol"] as? String == "AAPL" })
        #expect(aapl["status"] as? String == "failed")
        #expect((aapl["errors"] as? [String])?.first == "permanent: vendor says no")
        #expect((json["errors"] as? [String])?.contains("AAPL/1d: permanent: vendor says no") == true)
        let matrix = try #require(json["matrix"] as? [String: [String: [String: Any]]])
        #expect(matrix["AAPL"]?["1d"]?["mark"] as? String == "✗")
        #expect(matrix["SPY"]?["1d"]?["mark"] as? String == "✓")
        #expect(Self.summary(json)["symbols_failed"] as? Int == 1)
    }

    @Test("rate-limited answers are retried after their retry-after and counted")
    func rateLimited() throws {
        let w = try Workspace(
            ["SPY/1d.csv": "SPY/1d.csv"],
            faults: #"{"faults": [{"symbol": "SPY", "status": "rate_limited", "requests": 2, "retry_after_ms": 300}]}"#)
        try w.add("SPY", "etf")
        let t0 = Date()
        let out = try w.run(["--timeframes", "1d", "--start", "2020-01-01", "--end", "2020-02-01"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(Date().timeIntervalSince(t0) >= 0.6)
        #expect(out.stderr.contains("warning: SPY/1d: rate_limited: injected rate_limited (fault 1, request 1); retry 1/5 in 0.3s"))
        let s = Self.summary(try w.resultsJSON())
        #expect(s["retries"] as? Int == 2)
        #expect(s["rate_limit_waits"] as? Int == 2)
        #expect(s["requests"] as? Int == 5)  // three for the page, one each for SPY's ticker chain and listing
    }

    @Test("holidays, early closes and DST weeks are not reported as gaps")
    func calendarAware() throws {
        let w = try Workspace(["SPY/1h.csv": "SPY/1h.csv", "SPY/1d.csv": "SPY/1d.csv"])
        try w.add("SPY", "etf")
        // Nov 2020: DST ends Nov 1, Thanksgiving Nov 26, 13:00 close Nov 27; Dec 24 13:00, Dec 25 closed.
        let out = try w.run(["--timeframes", "1h,1d", "--start", "2020-10-26", "--end", "2021-01-05"])
        #expect(out.status == 0, "\(out.stdout)")
        #expect(out.stdout.contains("SPY/1h: 0 gap(s) detected"))
        #expect(out.stdout.contains("SPY/1d: 0 gap(s) detected"))
        #expect(try w.sql("SELECT count(*) FROM candles_view WHERE timeframe = '1h' AND bar_time LIKE '2020-11-27%'") == "4")
    }

    @Test("a thin symbol's quiet minutes are provider_empty (~); a liquid one's regular session is whole (✓)")
    func thinMinutes() throws {
        let w = try Workspace(["AAPL/1m.csv": "AAPL/1m.csv"])
        // THIN trades in the first minute of every 7 during the 2014-06-05 session only.
        var thin = "ts,open,high,low,close,volume\n"
        let open: Int64 = 1_401_975_000_000  // 2014-06-05 13:30 UTC (09:30 EDT)
        for m in stride(from: Int64(0), to: 390, by: 7) { thin += "\(open + m * 60_000),5,5.1,4.9,5,100\n" }
        try w.dir.write("replay/THIN/1m.csv", thin)
        try w.add("AAPL", "stock")
        try w.add("THIN", "stock")
        let out = try w.run(["--timeframes", "1m", "--start", "2014-06-05", "--end", "2014-06-06"])
        #expect(out.status == 0, "\(out.stdout)")
        let gaps = try #require(try w.resultsJSON()["gaps_detected"] as? [[String: Any]])
        #expect(gaps.count == 56)  // after each of the 56 minutes that traded (the last runs to 16:00)
        #expect(gaps.allSatisfy { $0["class"] as? String == "provider_empty" && $0["symbol"] as? String == "THIN" })
        #expect(out.stdout.contains("AAPL    ✓"))
        #expect(out.stdout.contains("THIN    ~"))
        // Pre- and post-market minutes the AAPL file has are stored, though never expected.
        #expect(try w.sql("SELECT count(*) FROM candles_view WHERE symbol = 'AAPL'") == "686")
    }

    /// Hourly bars of a 24/7 symbol from 2021-03-01 00:00 UTC; the last `missing` bars left out.
    static func hourly(days: Int, missing: Int = 0) -> String {
        var text = "ts,open,high,low,close,volume\n"
        let start: Int64 = 1_614_556_800_000  // 2021-03-01 00:00 UTC
        for h in 0..<(days * 24 - missing) { text += "\(start + Int64(h) * 3_600_000),10,11,9,10.5,100\n" }
        return text
    }

    @Test("a session the vendor had only partly published is pending, not recorded, and filled by the next night's run")
    func settleWindow() throws {
        let w = try Workspace()
        try w.add("COIN", "crypto")
        // Night 1 (01:00 the next day): the vendor has the day's bars only up to 18:00.
        try w.dir.write("replay/COIN/1h.csv", Self.hourly(days: 3, missing: 5))
        let args = ["--timeframes", "1h", "--start", "2021-03-01", "--end", "2021-03-04"]
        let first = try w.run(args + ["--clock", "2021-03-04T01:00"])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let gaps = try #require(try w.resultsJSON()["gaps_detected"] as? [[String: Any]])
        #expect(gaps.count == 1 && gaps[0]["class"] as? String == "pending" && gaps[0]["missing"] as? Int == 5, "\(gaps)")
        #expect(first.stdout.contains("COIN    ~"))
        #expect((try w.resultsJSON()["options"] as? [String: Any])?["settle_hours"] as? String == "24")
        // Night 2: the vendor has published the rest; the unsettled hours are asked for again.
        try w.dir.write("replay/COIN/1h.csv", Self.hourly(days: 3))
        let second = try w.run(args + ["--clock", "2021-03-05T01:00"])
        #expect(second.status == 0)
        #expect(second.stdout.contains("COIN/1h: 23 candles (inserted 5, updated 18) in 1 request"), "\(second.stdout)")
        #expect(second.stdout.contains("COIN    ✓"))
        #expect(try w.sql("SELECT count(*) FROM candles") == "72")

        // Without the window (--settle-hours 0) the vendor's first answer is final: the five hours
        // are recorded as known-empty and the second night does not ask again.
        let v = try Workspace()
        try v.add("COIN", "crypto")
        try v.dir.write("replay/COIN/1h.csv", Self.hourly(days: 3, missing: 5))
        let once = try v.run(args + ["--clock", "2021-03-04T01:00", "--settle-hours", "0"])
        let classes = (try #require(try v.resultsJSON()["gaps_detected"] as? [[String: Any]])).compactMap { $0["class"] as? String }
        #expect(once.status == 0 && classes == ["provider_empty"])
        try v.dir.write("replay/COIN/1h.csv", Self.hourly(days: 3))
        let twice = try v.run(args + ["--clock", "2021-03-05T01:00", "--settle-hours", "0"])
        #expect(twice.stdout.contains("COIN/1h: up to date"), "\(twice.stdout)")
        #expect(try v.sql("SELECT count(*) FROM candles") == "67")
    }

    @Test("a second run fetches nothing already covered; --force fetches again, updating, not duplicating")
    func idempotentRerun() throws {
        let w = try Workspace(["SPY/1d.csv": "SPY/1d.csv"])
        try w.add("SPY", "etf")
        let args = ["--timeframes", "1d", "--start", "2019-01-01", "--end", "2020-01-01"]
        #expect(try w.run(args).status == 0)
        let again = try w.run(args)
        #expect(again.status == 0)
        #expect(again.stdout.contains("SPY/1d: up to date (range already fetched; --force refetches)"))
        #expect(Self.summary(try w.resultsJSON())["requests"] as? Int == 0)
        let forced = try w.run(args + ["--force"])
        #expect(forced.stdout.contains("SPY/1d: 252 candles (inserted 0, updated 252)"))
        #expect(try w.sql("SELECT count(*) FROM candles") == "252")
    }

    @Test("two runs on one database at once: the second exits with a clear message, the first completes")
    func runLock() throws {
        let w = try Workspace(["SPY/1d.csv": "SPY/1d.csv"], faults: #"{"faults": [{"latency_ms": 400}]}"#)
        try w.add("SPY", "etf")
        let first = Process()
        first.executableURL = URL(fileURLWithPath: Fixtures.backfillExecutable)
        first.arguments = [
            "run", "--replay-dir", w.replay, "--results", w.dir.path + "/first.json", "--database", w.database,
            "--timeframes", "1d", "--start", "2018-01-01", "--end", "2020-01-01", "--page-size", "100",
        ]
        let firstOut = Pipe()
        first.standardOutput = firstOut
        first.standardError = FileHandle.nullDevice
        try first.run()
        // Wait until the first run holds the lock: it prints its plan only after taking it.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("Plan:") {
            let chunk = firstOut.fileHandleForReading.availableData  // whatever has arrived; empty at EOF
            if chunk.isEmpty { break }
            seen += chunk
        }
        let second = try w.run(["--timeframes", "1d", "--start", "2018-01-01", "--end", "2020-01-01"])
        _ = try firstOut.fileHandleForReading.readToEnd()
        first.waitUntilExit()
        #expect(second.status == 1)
        #expect(second.stderr.contains("another backfill run is using sqlite:\(w.dir.path)/db.sqlite; exiting"))
        #expect(first.terminationStatus == 0)
        #expect(try w.sql("SELECT count(*) FROM candles") == "503")
        #expect(try w.sql("SELECT count(*) FROM (SELECT series_id, ts FROM candles GROUP BY 1, 2 HAVING count(*) > 1)") == "0")
    }

    @Test("user mistakes: no symbols, unknown ones, bad timeframes and dates give one line and exit 2")
    func mistakes() throws {
        let w = try Workspace()
        let none = try w.run([])
        #expect(none.status == 2)
        #expect(none.stderr == "backfill: error: no symbols to backfill; add one first: backfill symbols add AAPL --asset-class stock\n")
        try w.add("SPY", "etf")
        for (args, message) in [
            (["--symbols", "QQQ"], "symbol 'QQQ' is not in the registry"),
            (["--timeframes", "1m,3m"], "unknown timeframe '3m'; valid: 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w"),
            (["--start", "2020-02-30"], "invalid time '2020-02-30'"),
            (["--start", "2021-01-01", "--end", "2020-01-01"], "must be before --end"),
            (["--days", "5", "--start", "2020-01-01"], "give --days or --start, not both"),
            (["--rate", "0"], "--rate must be above 0 (got 0)"),
            (["--provider", "nope"], "unknown provider 'nope'; available: "),
        ] {
            let out = try w.run(args)
            #expect(out.status == 2, "\(args)")
            #expect(out.stderr.contains(message), "\(args): \(out.stderr)")
            #expect(out.stderr.split(separator: "\n").count == 1, "\(args): \(out.stderr)")
        }
    }

    @Test("--record writes a replay folder that reproduces the same rows offline")
    func recordAndReplay() throws {
        let w = try Workspace(["SPY/1h.csv": "SPY/1h.csv"])
        try w.add("SPY", "etf")
        let recorded = w.dir.path + "/recorded"
        #expect(try w.run(["--timeframes", "1h", "--start", "2020-03-02", "--end", "2020-03-14", "--record", recorded]).status == 0)
        let first = try w.backfill(["export", "candles", "--symbol", "SPY", "--timeframe", "1h"]).stdout
        // Replay the recording into a fresh database.
        let other = "sqlite:" + w.dir.path + "/other.sqlite"
        _ = try Run.backfill(["symbols", "add", "SPY", "--asset-class", "etf", "--database", other])
        let replay = try Run.backfill([
            "run", "--replay-dir", recorded, "--database", other, "--results", w.dir.path + "/r2.json",
            "--timeframes", "1h", "--start", "2020-03-02", "--end", "2020-03-14",
        ])
        #expect(replay.status == 0, "\(replay.stdout)")
        let second = try Run.backfill(["export", "candles", "--symbol", "SPY", "--timeframe", "1h", "--database", other]).stdout
        #expect(first == second)
        #expect(first.split(separator: "\n").count == 1 + 70)  // 10 sessions × 7 hours
    }
}
