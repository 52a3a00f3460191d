import BackfillTestSupport
import Foundation
import Testing

/// `backfill serve` as a real process on loopback: the seed's curl command, keys and scopes,
/// errors in one shape with a request id, runs started and stopped over the API, the audit log,
/// TLS, and keys kept out of logs and the database.
@Suite("Server: the HTTP API", .serialized)
struct ServerAPITests {
    @Test("the seed's curl command adds a symbol: 201 with the stored symbol, 200 the second time, and the CLI sees it")
    func seedCurl() throws {
        let f = try ServerFixture()
        try f.start()
        // Exactly the Python service's documented request, with the host and key filled in.
        let seed = [
            "-s", "-w", "\n%{http_code}", "-X", "POST", "\(f.url)/api/v1/symbols", "-H", "Content-Type: application/json", "-H",
            "X-API-Key: \(f.keys["write"]!)", "-d", #"{"symbol": "AAPL", "asset_class": "stock"}"#,
        ]
        let first = try Run.program("/usr/bin/env", ["curl"] + seed).stdout
        #expect(first.hasSuffix("\n201"), "\(first)")
        let stored = try #require(try JSONSerialization.jsonObject(with: Data(first.dropLast(4).utf8)) as? [String: Any])
        #expect(stored["symbol"] as? String == "AAPL")
        #expect(stored["asset_class"] as? String == "stock")
        #expect(stored["active"] as? Bool == true)
        let again = try Run.program("/usr/bin/env", ["curl"] + seed).stdout
        #expect(again.hasSuffix("\n200"), "\(again)")
        let listed = try f.backfill(["symbols", "list"])
        #expect(listed.stdout.contains("AAPL"), "\(listed.stdout)")
        let withTicker = try f.request(
            "POST", "/api/v1/symbols", key: "write", body: #"{"symbol":"BTCUSD","asset_class":"crypto","ticker":"X:BTCUSD"}"#)
        #expect(withTicker.status == 201)
        #expect(withTicker.json["ticker"] as? String == "X:BTCUSD")
        #expect(f.stop() == 0)
    }

    @Test("symbols: list with ?active=, DELETE deactivates and keeps history, PATCH reactivates; unknown is 404")
    func symbolLifecycle() throws {
        let f = try ServerFixture()
        try f.start()
        for s in ["SPY", "QQQ"] {
            #expect(try f.request("POST", "/api/v1/symbols", key: "write", body: #"{"symbol":"\#(s)","asset_class":"etf"}"#).status == 201)
        }
        let gone = try f.request("DELETE", "/api/v1/symbols/QQQ", key: "write")
        #expect(gone.status == 200)
        #expect(gone.json["active"] as? Bool == false)
        func names(_ query: String) throws -> [String] {
            let list = try f.request("GET", "/api/v1/symbols\(query)", key: "read").json["symbols"] as? [[String: Any]] ?? []
            return list.compactMap { $0["symbol"] as? String }
        }
        #expect(try names("?active=true") == ["SPY"])
        #expect(try names("?active=false") == ["QQQ"])
        #expect(try names("") == ["QQQ", "SPY"])
        let back = try f.request("PATCH", "/api/v1/symbols/QQQ", key: "write", body: #"{"active":true,"ticker":"QQQ.O"}"#)
        #expect(back.status == 200)
        #expect(back.json["active"] as? Bool == true && back.json["ticker"] as? String == "QQQ.O")
        #expect(try f.request("DELETE", "/api/v1/symbols/NOPE", key: "write").status == 404)
        #expect(f.stop() == 0)
    }

    @Test("401 without or with a wrong key, 403 for a small scope, Bearer accepted, 413, 422, 400; one error shape with the request id")
    func errors() throws {
        let f = try ServerFixture()
        try f.start()
        let cases: [(ServerFixture.Answer, Int, String)] = [
            (try f.request("GET", "/api/v1/symbols"), 401, "unauthorized"),
            (try f.request("GET", "/api/v1/symbols", key: "bfk_1_wrongwrongwrongwrongwrongwrongwrongwrong00"), 401, "unauthorized"),
            (try f.request("POST", "/api/v1/symbols", key: "read", body: #"{"symbol":"A","asset_class":"stock"}"#), 403, "forbidden"),
            (try f.request("POST", "/api/v1/schedules", key: "write", body: #"{"name":"n","cron":"0 2 * * *"}"#), 403, "forbidden"),
            (try f.request("POST", "/api/v1/symbols", key: "write", body: #"{"symbol":"AAPL","asset_class":"bond"}"#), 422, "invalid"),
            (try f.request("POST", "/api/v1/symbols", key: "write", body: #"{"symbol":"AA PL","asset_class":"stock"}"#), 422, "invalid"),
            (try f.request("POST", "/api/v1/symbols", key: "write", body: #"{"asset_class":"stock"}"#), 422, "invalid"),
            (
                try f.request("POST", "/api/v1/symbols", key: "write", body: #"{"symbol":"A","asset_class":"stock","sector":"x"}"#), 422,
                "invalid"
            ),
            (try f.request("POST", "/api/v1/symbols", key: "write", body: "{not json"), 400, "bad_request"),
            (try f.request("POST", "/api/v1/symbols", key: "write", body: String(repeating: " ", count: 70_000) + "{}"), 413, "too_large"),
            (try f.request("POST", "/api/v1/runs", key: "write", body: #"{"timeframes":["2m"]}"#), 422, "invalid"),
            (try f.request("POST", "/api/v1/runs", key: "write", body: #"{"concurency":2}"#), 422, "invalid"),
            (try f.request("GET", "/api/v1/runs/999", key: "read"), 404, "not_found"),
            (try f.request("GET", "/api/v1/gaps?class=holes", key: "read"), 422, "invalid"),
        ]
        for (answer, status, code) in cases {
            #expect(answer.status == status, "\(answer.body)")
            let error = answer.json["error"] as? [String: Any]
            #expect(error?["code"] as? String == code, "\(answer.body)")
            #expect((error?["message"] as? String)?.isEmpty == false)
            let id = try #require(answer.headers["x-request-id"])
            #expect(error?["request_id"] as? String == id)
        }
        #expect(cases[4].0.errorMessage.contains("asset_class"), "the 422 names the field: \(cases[4].0.body)")
        #expect(cases[11].0.errorMessage.contains("did you mean 'concurrency'"), "\(cases[11].0.body)")
        let bearer = try f.request("GET", "/api/v1/symbols", headers: ["Authorization: Bearer \(f.keys["read"]!)"])
        #expect(bearer.status == 200)
        let health = try f.request("GET", "/api/v1/health")
        #expect(health.status == 200 && health.headers["x-request-id"] != nil)
        #expect(f.stop() == 0)
        // Every request was one log line with its request id and the key's name, never a key.
        let log = f.server!.stderr
        #expect(log.contains("key=write-key"))
        for (_, key) in f.keys {
            // The secret is base64url and may itself hold "_": it is everything after the id.
            let secret = String(key.split(separator: "_", maxSplits: 2)[2])
            #expect(secret.count == 43, "\(key)")
            #expect(!log.contains(secret) && !f.server!.stdout.contains(secret), "a key reached the log")
        }
        let stored = try Data(contentsOf: URL(fileURLWithPath: f.dir.path + "/store.sqlite"))
        for (_, key) in f.keys { #expect(stored.range(of: Data(key.utf8)) == nil, "a key is in the database in clear") }
    }

    @Test("repeated failed authentications from one address get 429 with Retry-After; others are unaffected until then")
    func throttle() throws {
        let f = try ServerFixture()
        try f.start()
        var statuses: [Int] = []
        for _ in 0..<11 { statuses.append(try f.request("GET", "/api/v1/symbols", key: "bfk_9_nope").status) }
        #expect(statuses.prefix(10).allSatisfy { $0 == 401 }, "\(statuses)")
        let blocked = try f.request("GET", "/api/v1/symbols", key: "read")
        #expect(blocked.status == 429, "even a right key waits out the window: \(blocked.body)")
        #expect(Int(blocked.headers["retry-after"] ?? "") ?? 0 > 0)
        #expect(try f.request("GET", "/api/v1/health").status == 200)
        #expect(f.stop() == 0)
    }

    @Test(
        "runs: POST starts one (202, id), a second is 409, stop is the clean stop, the row and results document, pages of history, the audit log"
    )
    func runs() throws {
        let f = try ServerFixture()
        _ = try f.backfill(["symbols", "add", "BTCPERP", "--asset-class", "crypto"])
        try f.start(["--replay-dir", try f.slowReplay(latencyMs: 40)])
        let started = try f.request("POST", "/api/v1/runs", key: "write", body: ServerFixture.slowRun)
        #expect(started.status == 202, "\(started.body)")
        let id = try #require(started.json["id"] as? Int)
        #expect(started.headers["location"] == "/api/v1/runs/\(id)")
        let second = try f.request("POST", "/api/v1/runs", key: "write", body: ServerFixture.slowRun)
        #expect(second.status == 409, "\(second.body)")
        #expect(second.errorMessage.contains("run \(id) is running"))
        let running = try f.request("GET", "/api/v1/runs/\(id)", key: "read")
        #expect((running.json["run"] as? [String: Any])?["status"] as? String == "running")
        #expect((running.json["run"] as? [String: Any])?["trigger"] as? String == "api:write-key")
        #expect(try f.request("POST", "/api/v1/runs/\(id)/stop", key: "read").status == 403)
        let stop = try f.request("POST", "/api/v1/runs/\(id)/stop", key: "write")
        #expect(stop.status == 202, "\(stop.body)")
        #expect(
            try f.eventually {
                ((try f.request("GET", "/api/v1/runs/\(id)", key: "read").json["run"] as? [String: Any])?["status"] as? String)
                    == "interrupted"
            })
        let done = try f.request("GET", "/api/v1/runs/\(id)", key: "read").json
        let results = try #require(done["results"] as? [String: Any])
        let summary = try #require(results["summary"] as? [String: Any])
        #expect(summary["status"] as? String == "interrupted")
        #expect(summary["stopped_by"] as? String == "requested")
        #expect(try f.request("POST", "/api/v1/runs/\(id)/stop", key: "write").status == 409)
        // A stopped run is followed by a new one at once, which completes.
        let next = try f.request(
            "POST", "/api/v1/runs", key: "write", body: #"{"symbols":"BTCPERP","timeframes":"1m","start":"2021-12-31","end":"2022-01-01"}"#)
        #expect(next.status == 202, "\(next.body)")
        let nextId = try #require(next.json["id"] as? Int)
        #expect(
            try f.eventually {
                ((try f.request("GET", "/api/v1/runs/\(nextId)", key: "read").json["run"] as? [String: Any])?["status"] as? String)
                    == "complete"
            })
        let page = try f.request("GET", "/api/v1/runs?limit=1", key: "read").json
        #expect((page["runs"] as? [[String: Any]])?.first?["id"] as? Int == nextId)
        let nextPage = try #require(page["next"] as? String)
        let older = try f.request("GET", nextPage, key: "read").json
        #expect((older["runs"] as? [[String: Any]])?.map { $0["id"] as? Int } == [id])
        #expect(older["next"] is NSNull)
        let audit = try f.request("GET", "/api/v1/audit", key: "admin").json["entries"] as? [[String: Any]] ?? []
        let actions = audit.map { "\($0["key"] ?? "") \($0["action"] ?? "") \($0["detail"] ?? "")" }
        #expect(actions.contains("write-key run.start run \(id)") && actions.contains("write-key run.stop run \(id)"), "\(actions)")
        #expect(f.stop() == 0)
    }

    @Test("series candles stream in bounded pages as JSON (with next) and CSV equal to export; matrix and gaps from the store")
    func storeReads() throws {
        let f = try ServerFixture()
        _ = try f.backfill(["symbols", "add", "SPY", "--asset-class", "etf"])
        let run = try f.backfill([
            "run", "--timeframes", "1h,1d", "--start", "2020-10-01", "--end", "2021-04-01", "--results", f.dir.path + "/r.json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        try f.start()
        let csv = try f.request("GET", "/api/v1/series/SPY/1d/candles?format=csv&limit=100000", key: "read")
        #expect(csv.headers["content-type"]?.hasPrefix("text/csv") == true)
        let export = try f.backfill(["export", "candles", "--symbol", "SPY", "--timeframe", "1d"])
        #expect(csv.body == export.stdout, "the API's CSV is the export's")
        var pages = 0, rows = 0
        var path: String? = "/api/v1/series/SPY/1d/candles?limit=50"
        while let p = path {
            let page = try f.request("GET", p, key: "read").json
            rows += (page["candles"] as? [[String: Any]])?.count ?? 0
            pages += 1
            path = page["next"] as? String
        }
        #expect(rows == export.stdout.split(separator: "\n").count - 1)
        #expect(pages == (rows + 49) / 50)
        let matrix = try f.request("GET", "/api/v1/matrix?timeframes=1h,1d&start=2020-10-01&end=2021-04-01&percent=true", key: "read").json
        let cells = (matrix["symbols"] as? [[String: Any]])?.first?["cells"] as? [String: [String: Any]]
        #expect(cells?["1d"]?["mark"] as? String == "✓")
        #expect(cells?["1d"]?["percent"] as? Double == 100)
        let text = try f.request("GET", "/api/v1/matrix?timeframes=1h,1d&start=2020-10-01&end=2021-04-01&format=text", key: "read").body
        let cliMatrix = try f.backfill(["matrix", "--timeframes", "1h,1d", "--start", "2020-10-01", "--end", "2021-04-01"])
        #expect(text == cliMatrix.stdout, "the API's text matrix is the CLI's")
        #expect(try f.request("GET", "/api/v1/series/NOPE/1d/candles", key: "read").status == 404)
        #expect(try f.request("GET", "/api/v1/series/SPY/2d/candles", key: "read").status == 422)
        let ready = try f.request("GET", "/api/v1/ready", key: "read")
        #expect(ready.status == 200 && ready.json["status"] as? String == "ready")
        let metrics = try f.request("GET", "/metrics", key: "read").body
        #expect(metrics.contains(#"backfill_series_newest_bar_timestamp_seconds{symbol="SPY",timeframe="1d"} 1617148800.0"#), "\(metrics)")
        #expect(f.stop() == 0)
    }

    @Test("a long series streams in several chunks per response: JSON stays one document, pages join to every row, CSV equals export")
    func longSeries() throws {
        let f = try ServerFixture()
        _ = try f.dir.copy(Fixtures.fixturesDir + "/replay/BTCPERP/1m.csv", to: "replay/BTCPERP/1m.csv")
        _ = try f.backfill(["symbols", "add", "BTCPERP", "--asset-class", "crypto"])
        let run = try f.backfill([
            "run", "--replay-dir", f.dir.path + "/replay", "--timeframes", "1m", "--start", "2021-12-31", "--end", "2022-02-02",
            "--results", f.dir.path + "/r.json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        try f.start()
        let whole = try f.request("GET", "/api/v1/series/BTCPERP/1m/candles?limit=100000", key: "read").json
        let rows = try #require(whole["candles"] as? [[String: Any]])
        #expect(rows.count == 45_031)
        #expect(whole["next"] is NSNull)
        let ts = rows.compactMap { $0["ts"] as? Int }
        #expect(ts == ts.sorted() && Set(ts).count == ts.count, "in time order, no row twice")
        var paged: [Int] = []
        var path: String? = "/api/v1/series/BTCPERP/1m/candles?limit=20000"
        while let p = path {
            let page = try f.request("GET", p, key: "read").json
            paged += (page["candles"] as? [[String: Any]] ?? []).compactMap { $0["ts"] as? Int }
            path = page["next"] as? String
        }
        #expect(paged == ts, "three pages of 20,000 join to the whole series")
        let csv = try f.request("GET", "/api/v1/series/BTCPERP/1m/candles?format=csv&limit=100000", key: "read").body
        #expect(csv == (try f.backfill(["export", "candles", "--symbol", "BTCPERP", "--timeframe", "1m"])).stdout)
        #expect(f.stop() == 0)
    }

    @Test(
        "a symbol's events: splits and earnings reports with their fields, ?kinds= filters, 404 for an unknown symbol, 422 for a bad kind")
    func events() throws {
        let f = try ServerFixture()
        try f.dir.copy(Fixtures.fixturesDir + "/replay/AAPL/splits.csv", to: "replay/AAPL/splits.csv")
        try f.dir.write(
            "replay/AAPL/earnings.csv",
            "date,time,fiscal_year,fiscal_period,eps_estimate,eps_actual,currency\n2024-02-01,after_close,2024,Q1,2.1,2.18,USD\n")
        _ = try f.backfill(["symbols", "add", "AAPL", "--asset-class", "stock"])
        let fetched = try f.backfill(["events", "--replay-dir", f.dir.path + "/replay", "--start", "2000-01-01", "--end", "2030-01-01"])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        try f.start()
        let all = try f.request("GET", "/api/v1/symbols/AAPL/events", key: "read")
        #expect(all.status == 200, "\(all.body)")
        let events = try #require(all.json["events"] as? [[String: Any]])
        #expect(events.map { $0["kind"] as? String } == ["split", "split", "split", "split", "earnings"])
        #expect(events[2]["date"] as? String == "2014-06-09" && events[2]["split_to"] as? Double == 7)
        #expect(events[2]["report_time"] is NSNull && events[2]["cash_amount"] is NSNull)
        let q1 = events[4]
        #expect(
            q1["report_time"] as? String == "after_close" && q1["fiscal_year"] as? Int == 2024 && q1["fiscal_period"] as? String == "Q1")
        #expect(q1["eps_actual"] as? Double == 2.18 && q1["revenue_actual"] is NSNull && q1["currency"] as? String == "USD")
        let earnings = try f.request("GET", "/api/v1/symbols/AAPL/events?kinds=earnings", key: "read").json
        #expect((earnings["events"] as? [[String: Any]])?.count == 1)
        #expect(try f.request("GET", "/api/v1/symbols/NOPE/events", key: "read").status == 404)
        let bad = try f.request("GET", "/api/v1/symbols/AAPL/events?kinds=ipo", key: "read")
        #expect(
            bad.status == 422
                && bad.errorMessage
                    == "query 'kinds': unknown kind 'ipo'; valid: split, dividend, earnings, ticker_change, listing, delisting"
        )
        #expect(f.stop() == 0)
    }

    @Test("TLS with a self-signed certificate: HTTPS answers with it, plain HTTP does not")
    func tls() throws {
        let f = try ServerFixture()
        let (cert, key) = (f.dir.path + "/cert.pem", f.dir.path + "/key.pem")
        let made = try Run.program(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj",
                "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            ])
        try #require(made.status == 0, "\(made.stderr)")
        try f.start(["--tls-cert", cert, "--tls-key", key], scheme: "https")
        #expect(f.url.hasPrefix("https://"))
        let secure = try f.request("GET", "/api/v1/symbols", key: "read", curlArguments: ["--cacert", cert])
        #expect(secure.status == 200, "\(secure.body)")
        let unverified = try Run.program("/usr/bin/env", ["curl", "-s", f.url + "/api/v1/health"])
        #expect(unverified.status != 0, "curl must refuse a certificate it was not given")
        let plain = try Run.program(
            "/usr/bin/env",
            ["curl", "-s", "--max-time", "5", f.url.replacingOccurrences(of: "https://", with: "http://") + "/api/v1/health"])
        #expect(!plain.stdout.contains("\"ok\""))
        #expect(f.stop() == 0)
        let bad = try Run.backfill(["serve", "--listen", "127.0.0.1:0", "--tls-cert", cert, "--database", f.database])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("give --tls-cert and --tls-key together"), "\(bad.stderr)")
    }
}
