import BackfillTestSupport
import Foundation
import Testing

/// The Polygon plugin against a local HTTP server serving real recorded Polygon responses and
/// generated pages of the same shape, with the faults a real API has. Offline: 127.0.0.1 only.
@Suite("Polygon provider")
struct PolygonProviderTests {
    static let key = "pk-test-9f8e7d6c5b4a"
    static let fixtures = Fixtures.fixturesDir + "/polygon"

    /// A running server and a workspace.
    final class Harness: @unchecked Sendable {
        let dir = TemporaryDirectory("backfill-polygon")
        let process = Process()
        let stdin = Pipe()
        let port: Int
        var database: String { "sqlite:" + dir.path + "/db.sqlite" }
        var results: String { dir.path + "/results.json" }
        var log: String { dir.path + "/requests.jsonl" }

        /// - Parameter scenario: more of the server's scenario (a `rate_limit`).
        init(_ rules: [[String: Any]], scenario more: [String: Any] = [:]) throws {
            let scenario = more.merging(["key": PolygonProviderTests.key, "rules": rules]) { $1 }
            try dir.write("scenario.json", String(decoding: try JSONSerialization.data(withJSONObject: scenario), as: UTF8.self))
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", PolygonProviderTests.fixtures + "/server.py", "--scenario", dir.path + "/scenario.json", "--log",
                dir.path + "/requests.jsonl",
            ]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            process.standardInput = stdin
            try process.run()
            var line = Data()
            while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
            port = Int(String(decoding: line, as: UTF8.self)) ?? 0
        }

        deinit {
            // Closing the server's stdin stops it even if this process dies first.
            try? stdin.fileHandleForWriting.close()
            process.terminate()
            process.waitUntilExit()
        }

        func backfill(_ args: [String], env: [String: String] = ["POLYGON_API_KEY": PolygonProviderTests.key]) throws -> ProcessOutput {
            try Run.backfill(args + ["--database", database], environment: env, directory: dir.path)
        }

        func add(_ symbol: String, _ assetClass: String) throws {
            #expect(try backfill(["symbols", "add", symbol, "--asset-class", assetClass]).status == 0)
        }

        func run(_ args: [String], env: [String: String] = ["POLYGON_API_KEY": PolygonProviderTests.key]) throws -> ProcessOutput {
            try backfill(
                [
                    "run", "--provider", "polygon", "--provider-option", "base_url=http://127.0.0.1:\(port)",
                    "--results", results, "--backoff-ms", "20", "--rate", "50",
                ] + args, env: env)
        }

        /// The requests the server saw; a run's ticker chain and listing checks (two per stock
        /// symbol, before the fetch) only when asked for.
        func requests(tickerChecks: Bool = false) throws -> [[String: Any]] {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .filter { r in
                    let path = r["path"] as? String ?? ""
                    return tickerChecks || !(path.hasPrefix("/vX/reference/tickers/") || path.hasPrefix("/v3/reference/tickers/"))
                }
        }

        func sql(_ q: String) throws -> String {
            try Run.program("/usr/bin/env", ["sqlite3", dir.path + "/db.sqlite", q]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func resultsJSON() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: results))) as? [String: Any] ?? [:]
        }

        /// The key must appear nowhere Backfill wrote.
        func expectKeyAbsent(_ outputs: [ProcessOutput]) throws {
            for o in outputs {
                #expect(!o.stdout.contains(PolygonProviderTests.key) && !o.stderr.contains(PolygonProviderTests.key))
            }
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.path)
            where !file.hasSuffix(".json") || file == "results.json" {
                guard file != "scenario.json", let data = FileManager.default.contents(atPath: dir.path + "/" + file) else { continue }
                #expect(data.range(of: Data(PolygonProviderTests.key.utf8)) == nil, "the API key is in \(file)")
            }
        }
    }

    @Test("recorded AAPL daily aggregates are stored exactly; the request is well-formed; the key goes only in the header")
    func recordedAggregates() throws {
        let h = try Harness([
            ["match": "/v2/aggs/ticker/AAPL/range/1/day/", "serve": "v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04.json"]
        ])
        try h.add("AAPL", "stock")
        let out = try h.run(["--timeframes", "1d", "--start", "2005-04-01", "--end", "2005-04-05", "--retries", "0"])
        #expect(out.stdout.contains("AAPL/1d: 2 candles (inserted 2, updated 0) in 1 request"), "\(out.stdout)\(out.stderr)")
        // The results record the options used (raw bars: adjusted=false by default), the key
        // (from POLYGON_API_KEY) masked.
        let options = try h.resultsJSON()["options"] as? [String: Any] ?? [:]
        #expect(options["provider_options"] as? String == "adjusted=false,api_key=***,base_url=http://127.0.0.1:\(h.port),timeout_ms=10000")
        #expect(
            try h.sql("SELECT ts, open, high, low, close, volume, vwap, trades FROM candles ORDER BY ts") == """
                1112331600000|1.5032|1.5064|1.4489|1.4604|642646396.0|1.469|82132
                1112587200000|1.4639|1.4754|1.4343|1.4675|578172308.0|1.4589|65543
                """)
        let reqs = try h.requests()
        #expect(reqs.count == 1)
        let path = reqs[0]["path"] as? String ?? ""
        #expect(path.hasPrefix("/v2/aggs/ticker/AAPL/range/1/day/1112313600000/"))
        #expect(path.contains("adjusted=false") && path.contains("sort=asc") && path.contains("limit=50000"))
        #expect(!path.contains(Self.key) && !path.contains("apiKey"))
        #expect(reqs[0]["authorization"] as? Bool == true)
        #expect((reqs[0]["user_agent"] as? String ?? "").hasPrefix("Backfill/"))
        #expect((reqs[0]["accept_encoding"] as? String ?? "").contains("gzip"))
        // Provenance: the stored range names the run and the response's request_id.
        #expect(
            try h.sql("SELECT c.run_id = r.id, c.request_id FROM coverage c, runs r WHERE c.outcome = 'fetched'")
                == "1|12afda77aab3b1936c5fb6ef4241ae42")
        let traced = try h.backfill(["export", "candles", "--symbol", "AAPL", "--timeframe", "1d", "--provenance"])
        #expect(traced.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.contains(",polygon,1,12afda77aab3b1936c5fb6ef4241ae42,") })
        // Daily stock bars stamped at midnight New York match the calendar: no gap on these sessions.
        #expect(out.stdout.contains("AAPL/1d: 0 gap(s) detected"))
        try h.expectKeyAbsent([out])
    }

    @Test("next_url pages are each fetched once, every candle stored, the rate kept")
    func pagination() throws {
        let h = try Harness([["match": "/v2/aggs/ticker/X:BTCUSD/range/1/minute/", "generate": ["page": 60, "step_ms": 60000]]])
        try h.add("BTCUSD", "crypto")
        let out = try h.run(["--timeframes", "1m", "--start", "2024-01-01", "--end", "2024-01-02", "--rate", "20", "--page-size", "5000"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(try h.sql("SELECT count(*) FROM candles") == "1440")
        let reqs = try h.requests()
        let paths = reqs.compactMap { $0["path"] as? String }
        #expect(paths.count == 24)
        #expect(Set(paths).count == paths.count, "a page was fetched twice")
        #expect(paths.dropFirst().allSatisfy { $0.contains("cursor=") })
        // One reused connection (keep-alive) for all 24 requests of the pair.
        #expect(Set(reqs.compactMap { $0["client_port"] as? Int }).count == 1)
        // The rate is kept: in any half second the server sees at most 20/s × 0.5 s + 2 requests
        // (a send delayed past its slot can bring two requests closer than 50 ms, never make a
        // burst), and the 24 pages span at least 23 slots (less a delayed first send).
        let times = reqs.compactMap { $0["time"] as? Double }.sorted()
        for (i, t) in times.enumerated() {
            #expect(times[i...].prefix { $0 < t + 0.5 }.count <= 12, "a burst at the 20/s limit")
        }
        #expect((times.last ?? 0) - (times.first ?? 0) >= 23.0 / 20 - 0.1)
        try h.expectKeyAbsent([out])
    }

    @Test("429 (with and without Retry-After), 500, 502, 503, a hang past the timeout, a cut body and malformed JSON are retried")
    func transientFaults() throws {
        let m = "/v2/aggs/ticker/X:ETHUSD/"
        let h = try Harness([
            ["match": m, "status": 429, "retry_after": 1, "times": 1],
            ["match": m, "status": 429, "times": 1],
            ["match": m, "status": 500, "times": 1],
            ["match": m, "status": 502, "times": 1],
            ["match": m, "status": 503, "times": 1],
            ["match": m, "hang": 3, "generate": ["page": 50000, "step_ms": 3_600_000], "times": 1],
            ["match": m, "truncate": true, "generate": ["page": 50000, "step_ms": 3_600_000], "times": 1],
            ["match": m, "malformed": true, "times": 1],
            ["match": m, "generate": ["page": 50000, "step_ms": 3_600_000]],
        ])
        try h.add("ETHUSD", "crypto")
        let t0 = Date()
        let out = try h.run(["--timeframes", "1h", "--start", "2024-01-01", "--end", "2024-01-03", "--provider-option", "timeout_ms=500"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(Date().timeIntervalSince(t0) >= 1.0)  // the Retry-After was honoured
        #expect(try h.sql("SELECT count(*) FROM candles") == "48")
        // Five retries exhaust the first page's budget (429, 429, 500, 502, 503); the hang then
        // times out and leaves the range fetch_failed; the gap refill retries through the cut and
        // the malformed bodies and fills it.
        let s = try h.resultsJSON()["summary"] as? [String: Any] ?? [:]
        #expect(s["retries"] as? Int == 7)
        #expect(s["rate_limit_waits"] as? Int == 2)
        #expect(s["gaps_filled"] as? Int == 1)
        for needle in [
            "HTTP 429 rate limited", "HTTP 500 server error", "HTTP 502", "HTTP 503", "malformed or truncated response", "(request_id req-",
        ] {
            #expect(out.stderr.contains(needle), "\(needle) not reported: \(out.stderr)")
        }
        #expect(
            out.stdout.contains("last error: transient: Timeout was reached")
                || out.stdout.contains("last error: transient: Operation timed out"), "\(out.stdout)")
        try h.expectKeyAbsent([out])
    }

    @Test("403 NOT_AUTHORIZED marks the pair not entitled without retrying; the request_id is kept")
    func notEntitled() throws {
        let h = try Harness([
            ["match": "/v2/aggs/ticker/SPY/range/1/minute/", "status": 403],
            ["match": "/v2/aggs/ticker/SPY/range/1/day/", "serve": "v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04.json"],
        ])
        try h.add("SPY", "etf")
        let out = try h.run(["--timeframes", "1m,1d", "--start", "2005-04-01", "--end", "2005-04-05", "--retries", "0"])
        #expect(out.status == 1)
        let reqs = try h.requests().compactMap { $0["path"] as? String }
        #expect(reqs.filter { $0.contains("/1/minute/") }.count == 1)
        let pairs = try h.resultsJSON()["pairs"] as? [[String: Any]] ?? []
        let minute = pairs.first { $0["timeframe"] as? String == "1m" }
        #expect(minute?["status"] as? String == "not_entitled")
        let error = (minute?["errors"] as? [String])?.first ?? ""
        #expect(error.contains("not_entitled: HTTP 403 NOT_AUTHORIZED: You are not entitled") && error.contains("request_id req-"))
        #expect(out.stdout.contains("SPY/1d: 2 candles"))
    }

    @Test("a missing or wrong key: 'check POLYGON_API_KEY', and the wrong key never echoed")
    func unauthorized() throws {
        let h = try Harness([["match": "/v2/aggs/", "generate": ["page": 50000, "step_ms": 86_400_000]]])
        try h.add("BTCUSD", "crypto")
        let missing = try h.run(["--timeframes", "1d", "--days", "3"], env: ["POLYGON_API_KEY": "", "MASSIVE_API_KEY": ""])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("check POLYGON_API_KEY"))
        let wrong = try h.run(["--timeframes", "1d", "--days", "3"], env: ["POLYGON_API_KEY": "pk-wrong-123456"])
        #expect(wrong.status == 1)
        #expect(wrong.stdout.contains("unauthorized: HTTP 401 unauthorized, check POLYGON_API_KEY: Unknown API Key"))
        #expect(!wrong.stdout.contains("pk-wrong-123456") && !wrong.stderr.contains("pk-wrong-123456"))
        #expect(try h.requests().count == 1)  // never retried
    }

    @Test("no results (an empty day) is answered, not failed; coverage records it")
    func emptyResults() throws {
        let h = try Harness([["match": "/v2/aggs/", "empty": true]])
        try h.add("BTCUSD", "crypto")
        let out = try h.run(["--timeframes", "1d", "--start", "2024-01-01", "--end", "2024-01-04", "--retries", "0"])
        #expect(out.stdout.contains("BTCUSD/1d: 0 candles"))
        #expect(try h.sql("SELECT outcome || ' ' || detail FROM coverage") == "empty provider_empty: 3 bars")  // answered, known empty
        let gaps = try h.resultsJSON()["gaps_detected"] as? [[String: Any]] ?? []
        #expect(gaps.allSatisfy { $0["class"] as? String == "provider_empty" })
    }

    @Test("splits and dividends from the recorded reference endpoints are stored; export --adjusted applies them")
    func events() throws {
        let h = try Harness([
            ["match": "/v3/reference/splits", "serve": "v3/reference/splits.json"],
            ["match": "/v3/reference/dividends", "serve": "v3/reference/dividends.json"],
            ["match": "/benzinga/v1/earnings", "serve": "benzinga/v1/earnings.json"],
        ])
        try h.add("GOOGL", "stock")
        let out = try h.backfill([
            "events", "--provider", "polygon", "--provider-option", "base_url=http://127.0.0.1:\(h.port)", "--rate", "50", "--start",
            "2020-01-01", "--end", "2030-01-01",
        ])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("GOOGL: 1 split, 0 dividends (1 new)"))
        #expect(
            try h.sql("SELECT kind, ex_date, split_from, split_to, provider FROM corporate_events")
                == "split|1658102400000|1.0|20.0|polygon")
        let paths = try h.requests().compactMap { $0["path"] as? String }
        #expect(paths.count == 3)
        #expect(paths[0].hasPrefix("/v3/reference/splits?ticker=GOOGL&execution_date.gte=2020-01-01"))
        #expect(paths[2].hasPrefix("/benzinga/v1/earnings?ticker=GOOGL&date.gte=2020-01-01&date.lt=2030-01-01"))
        try h.expectKeyAbsent([out])
    }

    @Test(
        "earnings from Benzinga's endpoint (a constructed response): report time, fiscal period, estimates and actuals, another ticker's row dropped; without the add-on a per-symbol note, splits and dividends kept"
    )
    func earnings() throws {
        let h = try Harness([
            ["match": "/v3/reference/splits", "serve": "v3/reference/splits.json"],
            ["match": "/v3/reference/dividends", "serve": "v3/reference/dividends.json"],
            ["match": "/benzinga/v1/earnings?ticker=AAPL", "serve": "benzinga/v1/earnings.json"],
            ["match": "/benzinga/v1/earnings?ticker=GOOGL", "status": 403],
        ])
        try h.add("AAPL", "stock")
        try h.add("GOOGL", "stock")
        let out = try h.backfill([
            "events", "--provider", "polygon", "--provider-option", "base_url=http://127.0.0.1:\(h.port)", "--rate", "50", "--start",
            "2020-01-01", "--end", "2030-01-01",
        ])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("AAPL: 0 splits, 0 dividends, 4 earnings reports (4 new)"), "\(out.stdout)")
        #expect(out.stdout.contains("GOOGL: 1 split, 0 dividends (1 new)"))
        #expect(
            out.stdout.contains(
                "GOOGL: earnings not in the provider plan (HTTP 403 NOT_AUTHORIZED: You are not entitled to this data."),
            "\(out.stdout)")
        let rows = try h.sql(
            """
            SELECT ex_date, report_time, fiscal_year, fiscal_period, eps_estimate, eps_actual, revenue_estimate, revenue_actual,
                currency FROM corporate_events WHERE kind = 'earnings' ORDER BY ex_date
            """
        ).split(separator: "\n").map(String.init)
        #expect(
            rows == [
                "1706745600000|after_close|2024|Q1|2.1|2.18|117910000000.0|119575000000.0|USD",
                "1714608000000|after_close|2024|Q2|1.5|1.53|90010000000.0|90753000000.0|USD",
                "1722470400000|before_open|2024|Q3|1.35|1.4||85777000000.0|USD",
                "1730332800000|unknown|2024|Q4|1.6||94360000000.0||USD",
            ], "\(rows)")
        // Export: the events as CSV.
        let csv = try h.backfill(["export", "events", "--symbol", "AAPL"])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(
            csv.stdout.contains("\nAAPL,earnings,2024-02-01,,,,,,,polygon,after_close,2024,Q1,2.1,2.18,117910000000,119575000000,USD,\n"),
            "\(csv.stdout)")
        try h.expectKeyAbsent([out])
    }

    @Test(
        "a rename from the recorded ticker events (FB to META): the run fetches FB's bars before the change and stores them under META"
    )
    func tickerChange() throws {
        let h = try Harness([
            [
                "match": "/vX/reference/tickers/META/events?types=ticker_change",
                "serve": "vX/reference/tickers/META/events&types=ticker_change.json",
            ],
            ["match": "/v2/aggs/ticker/FB/range/1/hour/", "generate": ["step_ms": 3_600_000, "mark": true]],
            ["match": "/v2/aggs/ticker/META/range/1/hour/", "generate": ["step_ms": 3_600_000, "mark": true]],
        ])
        try h.add("META", "stock")
        let out = try h.run(["--timeframes", "1h", "--start", "2022-06-09", "--end", "2022-06-14", "--retries", "0"])
        #expect(out.stdout.contains("META: renamed (FB from 2012-05-18, META from 2022-06-11)"), "\(out.stdout)\(out.stderr)")
        let paths = try h.requests(tickerChecks: true).compactMap { $0["path"] as? String }
        #expect(paths.count == 4, "\(paths)")
        // The chain and the listing (none recorded: 404) first, then FB up to the change (its
        // last hour 06-10 23:00Z), META from it.
        #expect(paths[0] == "/vX/reference/tickers/META/events?types=ticker_change")
        #expect(paths[1] == "/v3/reference/tickers/META")
        #expect(paths[2].hasPrefix("/v2/aggs/ticker/FB/range/1/hour/1654732800000/1654905599999?"), "\(paths[2])")
        #expect(paths[3].hasPrefix("/v2/aggs/ticker/META/range/1/hour/1654905600000/"), "\(paths[3])")
        // One series, META: the FB answer's bars (trade count = its request number, 3) before the change.
        #expect(try h.sql("SELECT DISTINCT symbol FROM candles_view") == "META")
        #expect(try h.sql("SELECT min(ts), max(ts), count(*) FROM candles WHERE trades = 3") == "1654732800000|1654902000000|48")
        #expect(try h.sql("SELECT min(ts), count(*) FROM candles WHERE trades = 4") == "1654905600000|72")
        #expect(try h.sql("SELECT ticker, outcome FROM coverage ORDER BY start_ts") == "FB|fetched\n|fetched")
        #expect(try h.sql("SELECT ticker, ex_date FROM corporate_events ORDER BY ex_date") == "FB|1337299200000\nMETA|1654905600000")
        try h.expectKeyAbsent([out])
    }

    @Test(
        "verify --against polygon: AAPL bars stored from a replay folder against the recorded aggregates (stamped at New York midnight): the one planted close is the only finding"
    )
    func againstPolygon() throws {
        let h = try Harness([
            ["match": "/v2/aggs/ticker/AAPL/range/1/day/", "serve": "v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04.json"]
        ])
        try h.add("AAPL", "stock")
        // The recorded bars at 00:00 UTC of their dates; 2005-04-04's close planted at 1.47 (Polygon: 1.4675).
        try h.dir.write(
            "replay/AAPL/1d.csv",
            "ts,open,high,low,close,volume\n1112313600000,1.5032,1.5064,1.4489,1.4604,642646396\n1112572800000,1.4639,1.4754,1.4343,1.47,578172308\n"
        )
        let stored = try h.backfill([
            "run", "--replay-dir", h.dir.path + "/replay", "--timeframes", "1d", "--start", "2005-04-01", "--end", "2005-04-05",
            "--results", h.dir.path + "/stored.json",
        ])
        #expect(stored.status == 0, "\(stored.stdout)\(stored.stderr)")
        let out = try h.backfill([
            "verify", "--timeframes", "1d", "--start", "2005-04-01", "--end", "2005-04-05", "--checks", "ohlc", "--against", "polygon",
            "--against-option", "base_url=http://127.0.0.1:\(h.port)",
        ])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").filter { $0.hasPrefix("AAPL/1d ") }.map(String.init)
        #expect(lines == ["AAPL/1d 2005-04-04T00:00:00Z warning against: close 1.47 here, 1.4675 at polygon"], "\(out.stdout)")
        #expect(try h.requests().count == 1, "one aggregates request, through the engine's caller")
        try h.expectKeyAbsent([stored, out])
    }

    @Test(
        "the recorded AAPL ticker details give its listing (1980-12-12): the run asks for no bar before it, and the days before are provider_empty before_listing, no hole"
    )
    func listing() throws {
        let h = try Harness([
            ["match": "/v3/reference/tickers/AAPL", "serve": "v3/reference/tickers/AAPL.json"],
            ["match": "/v2/aggs/ticker/AAPL/range/1/day/", "generate": ["step_ms": 86_400_000]],
        ])
        try h.add("AAPL", "stock")
        let out = try h.run(["--timeframes", "1d", "--start", "1980-12-01", "--end", "1980-12-20", "--retries", "0"])
        #expect(try h.sql("SELECT kind, ex_date, provider FROM corporate_events") == "listing|345427200000|polygon", "\(out.stderr)")
        let aggs = try h.requests().compactMap { $0["path"] as? String }
        #expect(aggs.count == 1 && aggs[0].hasPrefix("/v2/aggs/ticker/AAPL/range/1/day/345427200000/"), "\(aggs)")
        let gaps = try #require(h.resultsJSON()["gaps_remaining"] as? [[String: Any]])
        #expect(gaps.count == 1, "\(gaps)")
        #expect(gaps.first?["class"] as? String == "provider_empty" && gaps.first?["reason"] as? String == "before_listing")
        #expect(gaps.first?["start"] as? String == "1980-12-01T00:00:00Z" && gaps.first?["end"] as? String == "1980-12-11T00:00:00Z")
        #expect(out.stdout.contains("\nAAPL    ~"), "\(out.stdout)")
        let chains = try #require(h.resultsJSON()["ticker_chains"] as? [[String: Any]])
        #expect(chains.first?["listed"] as? String == "1980-12-12")
    }
}

/// Split adjustment at read time, on real AAPL data with its real 2020-08-31 4:1 split.
@Suite("Adjusted export")
struct AdjustedExportTests {
    @Test("export --adjusted divides prices before a split by its ratio and multiplies volume; raw stays raw")
    func splitAdjusted() throws {
        let dir = TemporaryDirectory("backfill-adjust")
        let db = "sqlite:\(dir.path)/db.sqlite"
        _ = try Run.backfill(["symbols", "add", "AAPL", "--asset-class", "stock", "--database", db])
        let replay = Fixtures.fixturesDir + "/replay"
        #expect(
            try Run.backfill([
                "run", "--replay-dir", replay, "--database", db, "--timeframes", "1d", "--start", "2020-08-26", "--end", "2020-09-03",
                "--results", dir.path + "/r.json",
            ]).status == 0)
        #expect(
            try Run.backfill(["events", "--replay-dir", replay, "--database", db, "--start", "2000-01-01", "--end", "2030-01-01"]).status
                == 0)
        let raw = try Run.backfill(["export", "candles", "--symbol", "AAPL", "--timeframe", "1d", "--database", db]).stdout
        let adjusted = try Run.backfill(["export", "candles", "--symbol", "AAPL", "--timeframe", "1d", "--adjusted", "--database", db])
            .stdout
        func row(_ text: String, _ date: String) -> [Double] {
            let ts = String(try! UTCTimeForTests.ms(date))
            let line = text.split(separator: "\n").first { $0.hasPrefix(ts + ",") } ?? ""
            return line.split(separator: ",", omittingEmptySubsequences: false).dropFirst().prefix(5).map { Double($0) ?? .nan }
        }
        let before = row(raw, "2020-08-28"), beforeAdjusted = row(adjusted, "2020-08-28")
        #expect(before[3] == 499.23)
        #expect(beforeAdjusted[3] == 499.23 / 4)
        #expect(beforeAdjusted[4] == before[4] * 4)
        #expect(row(raw, "2020-08-31") == row(adjusted, "2020-08-31"))  // on and after the split date: unchanged
    }
}

enum UTCTimeForTests {
    static func ms(_ date: String) throws -> Int64 {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withFullDate]
        return Int64((f.date(from: date)?.timeIntervalSince1970 ?? 0) * 1000)
    }
}
