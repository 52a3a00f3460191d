import BackfillTestSupport
import Foundation
import Testing

/// Renamed symbols keep one history: `backfill run` asks the provider for the symbol's ticker
/// chain and fetches each range under the ticker of its time (replay: ticker_changes.csv).
@Suite("CLI: ticker changes")
struct TickerChangeTests {
    /// A replay folder in which SPY's 2019 daily bars are split at 2019-07-01 into OLD (before)
    /// and NEW (from it on), NEW's chain saying it was OLD before; the SPY rows of 2019 as text.
    struct Renamed {
        let dir = TemporaryDirectory("backfill-tickers")
        let replay: String
        let db: String
        let rows: [String]
        static let change: Int64 = 1_561_939_200_000  // 2019-07-01

        init(chain: Bool = true) throws {
            replay = dir.path + "/replay"
            db = "sqlite:\(dir.path)/db.sqlite"
            let spy = try String(contentsOfFile: Fixtures.fixturesDir + "/replay/SPY/1d.csv", encoding: .utf8)
            let lines = spy.split(separator: "\n").map(String.init)
            let (a, b) = (Int64(1_546_300_800_000), Int64(1_577_836_800_000))  // 2019
            func ts(_ row: String) -> Int64 { Int64(row.prefix { $0 != "," }) ?? -1 }
            rows = lines.dropFirst().filter { ts($0) >= a && ts($0) < b }
            let old = rows.filter { ts($0) < Self.change }
            let new = rows.filter { ts($0) >= Self.change }
            try dir.write("replay/OLD/1d.csv", ([lines[0]] + old).joined(separator: "\n") + "\n")
            try dir.write("replay/NEW/1d.csv", ([lines[0]] + new).joined(separator: "\n") + "\n")
            if chain { try dir.write("replay/NEW/ticker_changes.csv", "date,ticker\n1993-01-29,OLD\n2019-07-01,NEW\n") }
            #expect(try backfill(["symbols", "add", "NEW", "--asset-class", "etf"]).status == 0)
        }

        func backfill(_ args: [String]) throws -> ProcessOutput { try Run.backfill(args + ["--database", db]) }

        func run(_ extra: [String] = []) throws -> ProcessOutput {
            try backfill(
                [
                    "run", "--replay-dir", replay, "--timeframes", "1d", "--start", "2019-01-01", "--end", "2020-01-01", "--results",
                    dir.path + "/r.json",
                ] + extra)
        }

        func sql(_ q: String) throws -> String {
            try Run.program("/usr/bin/env", ["sqlite3", dir.path + "/db.sqlite", q]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test(
        "a renamed symbol's bars before the change are fetched under the old ticker and stored under the symbol: one history",
        arguments: ["none", "process"])
    func continuousHistory(_ isolation: String) throws {
        let r = try Renamed()
        let out = try r.run(["--isolation", isolation])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(
            out.stdout.contains(
                "NEW: renamed (OLD from 1993-01-29, NEW from 2019-07-01); bars before 2019-07-01 are fetched under the ticker of their time"
            ), "\(out.stdout)")
        #expect(out.stdout.contains("NEW/1d: 0 gap(s) detected"), "\(out.stdout)")
        // Every 2019 bar, both halves, under NEW: the export equals SPY's rows.
        let export = try r.backfill(["export", "candles", "--symbol", "NEW", "--timeframe", "1d"])
        let exported = export.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").prefix(6).joined(separator: ",") }
        #expect(exported.count == r.rows.count && r.rows.count == 252)
        #expect(exported == r.rows.map { $0.split(separator: ",").prefix(6).joined(separator: ",") })
        // Coverage says which ticker each range came from.
        #expect(
            try r.sql("SELECT ticker, min(start_ts), max(end_ts) FROM coverage GROUP BY ticker ORDER BY ticker")
                == "|1561939200000|1577836800000\nOLD|1546300800000|1561939200000")
        let history = try r.backfill(["symbols", "history", "NEW"])
        #expect(
            history.stdout == """
                NEW: renamed (as replay reported it)
                  from 1993-01-29  OLD
                  from 2019-07-01  NEW
                stored ranges by ticker (end exclusive):
                  1d  OLD     2019-01-01T00:00:00Z to 2019-07-01T00:00:00Z  (1 range)
                  1d  NEW     2019-07-01T00:00:00Z to 2020-01-01T00:00:00Z  (1 range)

                """, "\(history.stdout)")
        // The chain is in the results document and in export events.
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: r.dir.path + "/r.json"))) as? [String: Any]
        let chains = try #require(doc?["ticker_chains"] as? [[String: Any]])
        #expect(chains.count == 1 && (chains[0]["chain"] as? [[String: Any]])?.compactMap { $0["ticker"] as? String } == ["OLD", "NEW"])
        let events = try r.backfill(["export", "events", "--kinds", "ticker_change"]).stdout.split(separator: "\n")
        #expect(events.count == 3 && events[0].hasSuffix(",currency,ticker"))
        #expect(events[1].hasPrefix("NEW,ticker_change,1993-01-29,") && events[1].hasSuffix(",replay,,,,,,,,,OLD"))
    }

    @Test("without the chain the old half is a hole; the chain is asked for again only after a week or with --force")
    func withoutChainAndCaching() throws {
        let bare = try Renamed(chain: false)
        let out = try bare.run()
        // The replay answers for NEW's first half with no bars: a hole the vendor "confirms".
        #expect(out.stdout.contains("NEW/1d: 1 gap(s) detected (1 provider_empty)"), "\(out.stdout)")
        #expect(!out.stdout.contains("renamed"))
        #expect(try bare.sql("SELECT count(*) FROM candles") == "128")  // July to December only

        let r = try Renamed()
        func checks(_ out: ProcessOutput) -> Int {
            (out.stdout + out.stderr).split(separator: "\n").filter { $0.contains("\"event\":\"ticker_chain\"") }.count
        }
        #expect(checks(try r.run(["--log-format", "json"])) == 1)
        #expect(checks(try r.run(["--log-format", "json"])) == 0)  // checked less than a week ago
        #expect(checks(try r.run(["--log-format", "json", "--force"])) == 1)
        // A week later (the check's time moved back) it is asked again.
        _ = try r.sql("UPDATE ticker_checks SET checked_at = checked_at - 8 * 86400000")
        #expect(checks(try r.run(["--log-format", "json"])) == 1)
        #expect(try r.sql("SELECT count(*) FROM candles") == "252")
    }

    @Test("symbols history: a symbol never renamed, and one not in the registry")
    func historyMessages() throws {
        let r = try Renamed(chain: false)
        let none = try r.backfill(["symbols", "history", "NEW"])
        #expect(none.status == 0 && none.stdout == "NEW: no ticker changes stored\nno stored ranges\n", "\(none.stdout)")
        let unknown = try r.backfill(["symbols", "history", "NOPE"])
        #expect(unknown.status == 1)
        #expect(
            unknown.stderr == "backfill: error: symbol 'NOPE' is not in the registry (backfill symbols add NOPE --asset-class ...)\n",
            "\(unknown.stderr)")
        let bad = try r.backfill(["symbols", "history", "a b"])
        #expect(bad.status == 2 && bad.stderr.contains("a b"), "\(bad.stderr)")
    }
}
