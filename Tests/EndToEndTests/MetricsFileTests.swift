import BackfillTestSupport
import Foundation
import Testing

/// `backfill run --metrics-file`: the server's metrics for cron users, as a node-exporter
/// textfile written whole (atomically) after the run.
@Suite("CLI: run --metrics-file")
struct MetricsFileTests {
    @Test("the file holds the run's requests by provider and answer, candles written, gaps by class, the run and each series' newest bar")
    func textfile() throws {
        let dir = TemporaryDirectory("backfill-metrics")
        let db = "sqlite:\(dir.path)/m.sqlite"
        _ = try Run.backfill(["symbols", "add", "SPY", "--asset-class", "etf", "--database", db])
        let _ = try dir.write(
            "replay/faults.json", #"{"faults": [{"symbol": "SPY", "timeframe": "1d", "status": "transient", "requests": 1}]}"#)
        for tf in ["1d", "1w"] { _ = try dir.copy(Fixtures.sampleReplayDir + "/SPY/\(tf).csv", to: "replay/SPY/\(tf).csv") }
        let file = dir.path + "/textfile/backfill.prom"
        try FileManager.default.createDirectory(atPath: dir.path + "/textfile", withIntermediateDirectories: true)
        let run = try Run.backfill([
            "run", "--database", db, "--replay-dir", dir.path + "/replay", "--timeframes", "1d,1w", "--start", "2020-10-01", "--end",
            "2021-04-01", "--backoff-ms", "1", "--results", dir.path + "/r.json", "--metrics-file", file,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let results = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/r.json"))) as? [String: Any])
        let inserted = try #require((results["summary"] as? [String: Any])?["candles_inserted"] as? Int)
        #expect(inserted > 100)
        for line in [
            // Two pages, SPY's ticker chain and its listing (asked before the fetch).
            #"backfill_provider_requests_total{provider="replay",status="ok"} 4"#,
            #"backfill_provider_requests_total{provider="replay",status="transient"} 1"#,
            #"backfill_candles_written_total{kind="inserted"} \#(inserted)"#, #"backfill_runs_total{status="complete"} 1"#,
            #"backfill_gaps_remaining{class="fetch_failed"} 0.0"#, "backfill_run_duration_seconds_count 1",
            #"backfill_series_newest_bar_timestamp_seconds{symbol="SPY",timeframe="1d"} 1617148800.0"#,
        ] {
            #expect(text.contains(line), "missing: \(line)\n\(text)")
        }
        #expect(text.contains("# TYPE backfill_runs_total counter"))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/textfile")
        #expect(left == ["backfill.prom"], "no temporary file is left for node-exporter to read half-written")
    }
}
