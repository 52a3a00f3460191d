import BackfillTestSupport
import Foundation
import Testing

/// `backfill verify` on real stored series (nothing planted: no error) and on copies with known
/// defects (each check finds exactly what was planted).
@Suite("CLI: verify")
struct VerifyCommandTests {
    static let replay = Fixtures.fixturesDir + "/replay"

    struct Workspace {
        let dir = TemporaryDirectory("backfill-verify")
        var db: String { "sqlite:\(dir.path)/db.sqlite" }
        func backfill(_ args: [String]) throws -> ProcessOutput { try Run.backfill(args + ["--database", db]) }
        func sql(_ q: String) throws -> String {
            try Run.program("/usr/bin/env", ["sqlite3", dir.path + "/db.sqlite", q]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        /// Stores `symbol`'s bars from `replay` over [start, end).
        func store(_ symbol: String, _ assetClass: String, _ timeframes: String, _ start: String, _ end: String, replay: String) throws {
            #expect(try backfill(["symbols", "add", symbol, "--asset-class", assetClass]).status == 0)
            let run = try backfill([
                "run", "--replay-dir", replay, "--symbols", symbol, "--timeframes", timeframes, "--start", start, "--end", end,
                "--results", dir.path + "/r.json",
            ])
            #expect(run.stdout.contains("MASTER BACKFILL"), "\(run.stderr)")
        }
    }

    @Test("real series with nothing planted: SPY daily and hourly, AAPL daily with its splits, BTC-PERP minutes give no error")
    func realData() throws {
        let w = Workspace()
        try w.store("SPY", "etf", "1d,1h", "2000-01-01", "2021-04-01", replay: Self.replay)
        try w.store("AAPL", "stock", "1d,1m", "2000-01-01", "2021-04-01", replay: Self.replay)
        try w.store("BTCPERP", "crypto", "1m", "2021-12-31", "2022-02-02", replay: Self.replay)
        #expect(try w.backfill(["events", "--replay-dir", Self.replay, "--symbols", "AAPL"]).status == 0)
        let out = try w.backfill(["verify", "--start", "2000-01-01", "--end", "2022-02-02", "--timeframes", "1m,1h,1d"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(
            out.stdout.hasPrefix(
                "Verifying 9 pair(s), 2000-01-01T00:00:00Z to 2022-02-02T00:00:00Z; checks: ohlc, ticks, calendar, revisions, crosstf\n"),
            "\(out.stdout)")
        #expect(out.stdout.hasSuffix("Findings: 0 errors, 0 warnings, 0 info\n"), "\(out.stdout)")
    }

    @Test("a planted bad print is found at its bar, exactly once; a planted broken bar by ohlc; --json; exit 1")
    func plantedDefects() throws {
        let w = Workspace()
        // SPY's daily bars with one close half again too high for one day (high raised with it).
        let rows = try String(contentsOfFile: Self.replay + "/SPY/1d.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        let day = "1560470400000"  // 2019-06-14
        let planted = rows.map { line -> String in
            guard line.hasPrefix(day + ",") else { return line }
            var f = line.split(separator: ",").map(String.init)
            let close = (Double(f[4]) ?? 0) * 1.5
            f[4] = String(close)
            f[2] = String(close)
            return f.joined(separator: ",")
        }
        try w.dir.write("replay/SPY/1d.csv", planted.joined(separator: "\n") + "\n")
        try w.store("SPY", "etf", "1d", "2019-01-01", "2020-01-01", replay: w.dir.path + "/replay")
        let out = try w.backfill(["verify", "--start", "2019-01-01", "--end", "2020-01-01", "--timeframes", "1d"])
        #expect(out.status == 1)
        let lines = out.stdout.split(separator: "\n").filter { $0.hasPrefix("SPY/1d ") }
        #expect(lines.count == 1, "\(out.stdout)")
        #expect(lines.first?.hasPrefix("SPY/1d 2019-06-14T00:00:00Z error ticks: close ") == true, "\(out.stdout)")
        #expect(lines.first?.contains("and back to ") == true && out.stdout.contains("on the next bar"), "\(out.stdout)")
        #expect(out.stdout.hasSuffix("Findings: 1 error, 0 warnings, 0 info\n"))

        // The same date with a split stored on it: explained, not a finding.
        try w.dir.write("replay/SPY/splits.csv", "execution_date,split_from,split_to\n2019-06-14,2,3\n")
        #expect(try w.backfill(["events", "--replay-dir", w.dir.path + "/replay", "--symbols", "SPY"]).status == 0)
        let explained = try w.backfill(["verify", "--start", "2019-01-01", "--end", "2020-01-01", "--timeframes", "1d"])
        #expect(explained.status == 0 && explained.stdout.hasSuffix("Findings: 0 errors, 0 warnings, 0 info\n"), "\(explained.stdout)")

        // A bar written around ingest's rules: its high below its close.
        _ = try w.sql("UPDATE candles SET high = low * 0.5 WHERE ts = 1561939200000")  // 2019-07-01
        let json = try w.backfill(["verify", "--start", "2019-01-01", "--end", "2020-01-01", "--timeframes", "1d", "--json"])
        #expect(json.status == 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let findings = try #require(doc["findings"] as? [[String: Any]])
        #expect(findings.count == 1, "\(json.stdout)")
        #expect(findings.first?["check"] as? String == "ohlc" && findings.first?["ts"] as? String == "2019-07-01T00:00:00Z")
        #expect(findings.first?["severity"] as? String == "error")
        #expect((doc["counts"] as? [String: Any])?["error"] as? Int == 1)
        // Only the ticks check: nothing.
        #expect(
            try w.backfill(["verify", "--start", "2019-01-01", "--end", "2020-01-01", "--timeframes", "1d", "--checks", "ticks"]).status
                == 0)
    }

    @Test("run --verify: a stage after the refills; its findings in the output and the results document; an error is exit 1")
    func runVerify() throws {
        let w = Workspace()
        let rows = try String(contentsOfFile: Self.replay + "/SPY/1d.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        // A close a fifth of its value for one day (low lowered with it): a print that came back.
        let planted = rows.map { line -> String in
            guard line.hasPrefix("1560470400000,") else { return line }
            var f = line.split(separator: ",").map(String.init)
            let close = (Double(f[4]) ?? 0) / 5
            f[4] = String(close)
            f[3] = String(close)
            return f.joined(separator: ",")
        }
        try w.dir.write("replay/SPY/1d.csv", planted.joined(separator: "\n") + "\n")
        #expect(try w.backfill(["symbols", "add", "SPY", "--asset-class", "etf"]).status == 0)
        let args = [
            "run", "--replay-dir", w.dir.path + "/replay", "--timeframes", "1d", "--start", "2019-01-01", "--end", "2020-01-01",
            "--results", w.dir.path + "/r.json", "--verify",
        ]
        let out = try w.backfill(args)
        #expect(out.status == 1, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("STAGE 3a: VERIFYING STORED BARS"))
        #expect(out.stdout.contains("SPY/1d 2019-06-14T00:00:00Z error ticks: close "), "\(out.stdout)")
        #expect(out.stdout.contains("Findings: 1 error, 0 warnings, 0 info"))
        let doc = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: w.dir.path + "/r.json"))) as? [String: Any])
        let findings = try #require(doc["findings"] as? [[String: Any]])
        #expect(findings.count == 1 && findings.first?["check"] as? String == "ticks")
        #expect((doc["summary"] as? [String: Any])?["status"] as? String == "incomplete")
        // The same run on the true bars: no findings, exit 0.
        let clean = Workspace()
        #expect(try clean.backfill(["symbols", "add", "SPY", "--asset-class", "etf"]).status == 0)
        let good = try clean.backfill(
            [
                "run", "--replay-dir", Self.replay, "--timeframes", "1d", "--start", "2019-01-01", "--end", "2020-01-01", "--results",
                clean.dir.path + "/r.json", "--verify",
            ])
        #expect(good.status == 0, "\(good.stdout)")
        #expect(good.stdout.contains("STAGE 3a: VERIFYING STORED BARS\n") && good.stdout.contains("No findings."), "\(good.stdout)")
    }

    @Test("calendar: a session hidden from every symbol and bars on a holiday are one finding each, across the symbols")
    func calendarDrift() throws {
        let w = Workspace()
        let rows = try String(contentsOfFile: Self.replay + "/SPY/1d.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        let hidden = "1560470400000"  // 2019-06-14, a Friday session
        let july3 = try #require(rows.first { $0.hasPrefix("1562112000000,") })  // 2019-07-03
        let holiday = "1562198400000" + july3.dropFirst("1562112000000".count)  // its prices on 2019-07-04, Independence Day
        var planted = rows.filter { !$0.hasPrefix(hidden + ",") }
        planted.insert(holiday, at: try #require(planted.firstIndex(of: july3)) + 1)
        for s in ["SPY", "QQQ"] { try w.dir.write("replay/\(s)/1d.csv", planted.joined(separator: "\n") + "\n") }
        #expect(try w.backfill(["symbols", "add", "SPY", "QQQ", "--asset-class", "etf"]).status == 0)
        _ = try w.backfill([
            "run", "--replay-dir", w.dir.path + "/replay", "--timeframes", "1d", "--start", "2019-01-01", "--end", "2020-01-01",
            "--results", w.dir.path + "/r.json",
        ])
        let out = try w.backfill(["verify", "--start", "2019-01-01", "--end", "2020-01-01", "--timeframes", "1d"])
        #expect(out.status == 0, "warnings only: \(out.stdout)")
        let lines = out.stdout.split(separator: "\n").filter { $0.hasPrefix("nyse/1d ") }.map(String.init)
        #expect(
            lines == [
                "nyse/1d 2019-06-14T00:00:00Z warning calendar: the NYSE calendar expects a session on 2019-06-14, but none of the 2 symbols with bars on the sessions before and after has one (QQQ, SPY): a closure the calendar does not know?",
                "nyse/1d 2019-07-04T00:00:00Z warning calendar: 2019-07-04 is closed in the NYSE calendar, but 2 of 2 symbols have a bar on it (QQQ, SPY)",
            ], "\(out.stdout)")
        #expect(out.stdout.hasSuffix("Findings: 0 errors, 2 warnings, 0 info\n"))
        // One symbol alone is that symbol's problem, not the calendar's.
        let one = try w.backfill(["verify", "--start", "2019-01-01", "--end", "2020-01-01", "--timeframes", "1d", "--symbols", "SPY"])
        #expect(!one.stdout.contains("calendar:"), "\(one.stdout)")
    }

    @Test("a bad --checks is a usage error naming the valid checks")
    func badChecks() throws {
        let w = Workspace()
        _ = try w.backfill(["symbols", "add", "SPY", "--asset-class", "etf"])
        let out = try w.backfill(["verify", "--checks", "ticks,wicks"])
        #expect(out.status == 2)
        #expect(
            out.stderr == "backfill: error: --checks: unknown check 'wicks'; valid: ohlc, ticks, calendar, revisions, crosstf\n",
            "\(out.stderr)")
    }

    @Test(
        "crosstf on real minutes: SPY's hour bars against Lean's minute bars find exactly the two hours whose minutes carry wicks no hour bar shows"
    )
    func crossTimeframeRealMinutes() throws {
        let w = Workspace()
        try FileManager.default.createDirectory(atPath: w.dir.path + "/replay/SPY", withIntermediateDirectories: true)
        for (file, from) in [
            ("1h.csv", Self.replay + "/SPY/1h.csv"), ("1d.csv", Self.replay + "/SPY/1d.csv"),
            ("1m.csv", Fixtures.fixturesDir + "/crosstf/SPY/1m.csv"),
        ] {
            try FileManager.default.copyItem(atPath: from, toPath: w.dir.path + "/replay/SPY/" + file)
        }
        try w.store("SPY", "etf", "1m,1h,1d", "2013-10-01", "2013-10-15", replay: w.dir.path + "/replay")
        let out = try w.backfill([
            "verify", "--checks", "crosstf", "--start", "2013-10-01", "--end", "2013-10-15", "--timeframes", "1m,1h,1d",
        ])
        #expect(out.status == 1)
        let lines = out.stdout.split(separator: "\n").dropFirst().dropLast().map(String.init)
        #expect(
            lines == [
                "SPY/1h 2013-10-08T19:00:00Z error crosstf: a 1m bar in it reaches high 167.51 (2013-10-08T19:03:00Z), above its high 166.25",
                "SPY/1h 2013-10-11T19:00:00Z error crosstf: a 1m bar in it reaches low 169.2 (2013-10-11T19:00:00Z), below its low 169.78",
            ], "\(out.stdout)")
    }

    @Test("crosstf, planted: an hour bar above its day, a day's volume halved, a day's close moved: each found once, at its bar")
    func crossTimeframePlanted() throws {
        let w = Workspace()
        func rows(_ tf: String) throws -> [String] {
            try String(contentsOfFile: Self.replay + "/SPY/\(tf).csv", encoding: .utf8).split(separator: "\n").map(String.init)
        }
        func plant(_ lines: [String], _ ts: String, _ change: (inout [String]) -> Void) -> [String] {
            lines.map { line in
                guard line.hasPrefix(ts + ",") else { return line }
                var f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                change(&f)
                return f.joined(separator: ",")
            }
        }
        // 2019-06-14 15:00 New York: the hour's high at 300, above the day's 289.92.
        var hours = try rows("1h")
        hours = plant(hours, "1560538800000") { f in f[2] = "300" }
        // 2019-07-01: the day's volume halved; 2019-08-01: its close moved down to its low.
        var days = try rows("1d")
        days = plant(days, "1561939200000") { f in f[5] = String((Double(f[5]) ?? 0) / 2) }
        days = plant(days, "1564617600000") { f in f[4] = f[3] }
        try w.dir.write("replay/SPY/1h.csv", hours.joined(separator: "\n") + "\n")
        try w.dir.write("replay/SPY/1d.csv", days.joined(separator: "\n") + "\n")
        try w.store("SPY", "etf", "1h,1d", "2019-01-01", "2020-01-01", replay: w.dir.path + "/replay")
        let out = try w.backfill([
            "verify", "--checks", "crosstf", "--start", "2019-01-01", "--end", "2020-01-01", "--timeframes", "1h,1d", "--json",
        ])
        #expect(out.status == 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let found = try #require(doc["findings"] as? [[String: Any]]).map {
            "\($0["ts"] as? String ?? "") \($0["severity"] as? String ?? "") \(($0["message"] as? String ?? "").prefix(40))"
        }
        #expect(
            found == [
                "2019-06-14T00:00:00Z error a 1h bar in it reaches high 300 (2019-06",
                "2019-07-01T00:00:00Z warning volume 31155698 differs by 50 % from the",
                "2019-08-01T00:00:00Z warning close 293.96 is not the last 1h bar's cl",
            ], "\(out.stdout)")
    }
    @Test(
        "revisions: a re-fetch that changes stored bars keeps their old values (listed, in the run's findings, recomputed features); one that changes nothing records nothing"
    )
    func revisions() throws {
        let w = Workspace()
        let rows = try String(contentsOfFile: Self.replay + "/SPY/1d.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        try w.dir.write("replay/SPY/1d.csv", rows.joined(separator: "\n") + "\n")
        let replay = w.dir.path + "/replay"
        let args = [
            "run", "--replay-dir", replay, "--symbols", "SPY", "--timeframes", "1d", "--start", "2019-01-01", "--end", "2020-01-01",
            "--force",
            "--features",
        ]
        try w.store("SPY", "etf", "1d", "2019-01-01", "2020-01-01", replay: replay)
        #expect(try w.backfill(["features", "--symbols", "SPY", "--timeframes", "1d"]).status == 0)
        let ret = "SELECT printf('%.12f', f.ret_1) FROM features f JOIN series s ON s.id = f.series_id WHERE s.symbol = 'SPY' AND f.ts = "
        let day = "1560470400000"  // 2019-06-14: its close revised up 1 %, its volume too
        let before = try w.sql(ret + day)

        // The same bars again: nothing revised.
        let same = try w.backfill(args + ["--results", w.dir.path + "/same.json"])
        #expect(same.status == 0 && !same.stdout.contains("revisions:"), "\(same.stdout)")
        #expect(try w.sql("SELECT count(*) FROM revisions") == "0")

        // The vendor revised one bar since.
        var close = ""
        let revised = rows.map { line -> String in
            guard line.hasPrefix(day + ",") else { return line }
            var f = line.split(separator: ",").map(String.init)
            close = f[4]
            f[4] = String((Double(f[4]) ?? 0) * 1.01)
            f[2] = String(max(Double(f[2]) ?? 0, Double(f[4]) ?? 0))
            return f.joined(separator: ",")
        }
        try w.dir.write("replay/SPY/1d.csv", revised.joined(separator: "\n") + "\n")
        let run = try w.backfill(args + ["--results", w.dir.path + "/r2.json"])
        #expect(run.status == 0, "a revision is a warning: \(run.stdout)\(run.stderr)")
        #expect(
            run.stdout.contains(
                "SPY/1d 2019-06-14T00:00:00Z warning revisions: 1 stored bar changed when fetched again from replay (this one's close \(close) -> "
            ), "\(run.stdout)")
        let doc = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: w.dir.path + "/r2.json"))) as? [String: Any])
        let findings = try #require(doc["findings"] as? [[String: Any]])
        #expect(findings.count == 1 && findings[0]["check"] as? String == "revisions" && findings[0]["bars"] as? Int == 1)
        let runId = try #require((doc["summary"] as? [String: Any])?["run_id"] as? Int)

        // The old values are kept; the features from the bar on were recomputed by the run.
        let list = try w.backfill(["revisions"])
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 && lines[0].hasPrefix("SPY/1d 2019-06-14T00:00:00Z replay run \(runId) at "), "\(list.stdout)")
        #expect(lines[0].contains("close \(close) -> ") && !lines[0].contains("volume"), "\(list.stdout)")
        #expect(lines.last == "Revisions: 1 on 1 pair(s)")
        #expect(try w.sql(ret + day) != before)
        let json = try w.backfill(["revisions", "--json", "--run", String(runId)])
        let listed = try #require(
            (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["revisions"] as? [[String: Any]])
        #expect(listed.count == 1 && (listed[0]["old"] as? [String: Any])?["close"] as? Double == Double(close))
        #expect(try w.backfill(["revisions", "--run", String(runId + 1)]).stdout == "Revisions: 0 on 0 pair(s)\n")
        #expect(try w.backfill(["revisions", "--start", "2019-07-01"]).stdout == "Revisions: 0 on 0 pair(s)\n")

        // A second identical re-fetch records nothing more; verify reports the pair's revision.
        let again = try w.backfill(args + ["--results", w.dir.path + "/r3.json"])
        #expect(again.status == 0 && !again.stdout.contains("revisions:"))
        #expect(try w.sql("SELECT count(*) FROM revisions") == "1")
        let verify = try w.backfill([
            "verify", "--start", "2019-01-01", "--end", "2020-01-01", "--timeframes", "1d", "--checks", "revisions",
        ])
        #expect(verify.status == 0 && verify.stdout.contains("SPY/1d 2019-06-14T00:00:00Z warning revisions: 1 stored bar changed"))
    }
}

@Suite("CLI: verify --against")
struct VerifyAgainstTests {
    @Test(
        "against a second replay folder that disagrees in three known places: a bar it lacks, a bar only it has, a close 1 % off; nothing stored from it"
    )
    func twoReplayFolders() throws {
        let w = VerifyCommandTests.Workspace()
        let rows = try String(contentsOfFile: VerifyCommandTests.replay + "/SPY/1d.csv", encoding: .utf8).split(separator: "\n")
            .map(String.init)
        try w.store("SPY", "etf", "1d", "2019-01-01", "2020-01-01", replay: VerifyCommandTests.replay)
        // The other vendor: no 2019-03-01, an extra bar on 2019-07-04 (a holiday), 2019-08-01's close 1 % higher.
        var other: [String] = []
        for line in rows {
            if line.hasPrefix("1551398400000,") { continue }  // 2019-03-01
            var f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if line.hasPrefix("1564617600000,") {  // 2019-08-01
                f[4] = String((Double(f[4]) ?? 0) * 1.01)
                f[2] = String(max(Double(f[2]) ?? 0, Double(f[4]) ?? 0))
            }
            other.append(f.joined(separator: ","))
            if line.hasPrefix("1562112000000,") { other.append("1562198400000,296,297,295,296.5,1000") }  // after 07-03
        }
        try w.dir.write("other/SPY/1d.csv", other.joined(separator: "\n") + "\n")
        let before = try w.sql("SELECT count(*) FROM candles")
        let out = try w.backfill([
            "verify", "--start", "2019-01-01", "--end", "2020-01-01", "--timeframes", "1d", "--checks", "ohlc", "--against", "replay",
            "--against-option", "root=\(w.dir.path)/other",
        ])
        #expect(out.status == 0, "warnings only: \(out.stdout)\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").filter { $0.hasPrefix("SPY/1d ") }.map(String.init)
        #expect(
            lines == [
                "SPY/1d 2019-03-01T00:00:00Z warning against: 1 stored bar(s) that replay does not have: 2019-03-01T00:00:00Z",
                "SPY/1d 2019-07-04T00:00:00Z warning against: 1 bar(s) replay has that the store does not: 2019-07-04T00:00:00Z",
                lines.count > 2 ? lines[2] : "",
            ], "\(out.stdout)")
        #expect(lines.count == 3 && lines[2].hasPrefix("SPY/1d 2019-08-01T00:00:00Z warning against: close 294.84 here, "))
        #expect(out.stdout.hasPrefix("Verifying 1 pair(s), 2019-01-01T00:00:00Z to 2020-01-01T00:00:00Z; checks: ohlc; against replay\n"))
        #expect(try w.sql("SELECT count(*) FROM candles") == before, "nothing from the second provider is stored")
        // Wrong use: one line each.
        let orphan = try w.backfill(["verify", "--against-option", "root=/x"])
        #expect(orphan.status == 2 && orphan.stderr == "backfill: error: --against-option goes with --against\n", "\(orphan.stderr)")
        let unknown = try w.backfill(["verify", "--against", "nosuch"])
        #expect(unknown.status == 2 && unknown.stderr.contains("nosuch"), "\(unknown.stderr)")
    }
}
