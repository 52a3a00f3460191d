import BackfillTestSupport
import Foundation
import Testing

/// The dashboard in a real browser (Debian's chromium, headless): served by `backfill serve`
/// over a store with known gaps, loaded with a read key from the link, it must show the
/// matrix's known cells and, for the series the link opens, exactly the gaps `backfill gaps`
/// lists. A screenshot is kept in `.build/test-artifacts/dashboard.png`.
@Suite("Server: the dashboard in a browser", .serialized)
struct DashboardBrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let range = ["--start", "2020-10-01", "--end", "2021-04-01"]

    func browse(_ url: String, _ extra: [String]) throws -> ProcessOutput {
        let profile = TemporaryDirectory("backfill-chromium")
        return try Run.program(
            try #require(Self.chromium, "chromium is not installed (apt-get install chromium)"),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=\(profile.path)",
                "--virtual-time-budget=20000", "--window-size=1280,2000",
            ] + extra + [url])
    }

    @Test(
        "the heatmap shows the known cells; the link's series lists exactly the store's gaps",
        .enabled(if: chromium != nil || ProcessInfo.processInfo.environment["CI"] != nil))
    func heatmapAndDrillDown() throws {
        let f = try ServerFixture()
        // The sample data, with two days of SPY's hourly bars withheld by the provider on every
        // request: a hole the refills cannot fill.
        for file in ["SPY/1h.csv", "SPY/1d.csv", "AAPL/1d.csv"] {
            _ = try f.dir.copy(Fixtures.sampleReplayDir + "/" + file, to: "replay/" + file)
        }
        _ = try f.dir.write(
            "replay/faults.json",
            #"{"faults": [{"symbol": "SPY", "timeframe": "1h", "hide": {"start": "2020-11-03", "end": "2020-11-05"}}]}"#)
        _ = try f.backfill(["symbols", "add", "SPY", "--asset-class", "etf"])
        _ = try f.backfill(["symbols", "add", "AAPL", "--asset-class", "stock"])
        let run = try f.backfill(
            [
                "run", "--replay-dir", f.dir.path + "/replay", "--timeframes", "1h,1d", "--backoff-ms", "1", "--results",
                f.dir.path + "/r.json",
            ]
                + Self.range)
        #expect(run.status == 1, "holes remain: SPY's withheld days, AAPL's missing hourly file")
        try f.start()
        let link = "\(f.url)/#key=\(f.keys["read"]!)&series=SPY/1h&start=2020-10-01&end=2021-04-01&timeframes=1h,1d"
        let dom = try browse(link, ["--dump-dom"]).stdout
        #expect(dom.contains("data-loaded=\"true\""), "the page did not finish loading: \(dom.suffix(2000))")
        for (symbol, tf, mark) in [("SPY", "1h", "✗"), ("SPY", "1d", "✓"), ("AAPL", "1d", "✓"), ("AAPL", "1h", "✗")] {
            #expect(
                dom.contains("data-symbol=\"\(symbol)\" data-timeframe=\"\(tf)\" data-mark=\"\(mark)\""),
                "\(symbol) \(tf) should be \(mark)")
        }
        // The calendar: the withheld sessions are empty, their neighbours whole.
        #expect(dom.contains("data-date=\"2020-11-03\" data-expected=\"7\" data-present=\"0\""))
        #expect(dom.contains("data-date=\"2020-11-04\" data-expected=\"7\" data-present=\"0\""))
        #expect(dom.contains("data-date=\"2020-11-05\" data-expected=\"7\" data-present=\"7\""))
        // The drill-down's gap rows are the store's gaps of the series, in order.
        let cli = try f.backfill(["gaps", "--symbols", "SPY", "--timeframes", "1h"] + Self.range)
        let expected = cli.stdout.split(separator: "\n").dropFirst().map { line -> String in
            let c = line.split(separator: ",", omittingEmptySubsequences: false)
            return "<tr class=\"gap\" data-class=\"\(c[2])\"><td>\(c[2])</td><td>\(c[3])</td><td>\(c[4])</td><td>\(c[5])</td></tr>"
        }
        #expect(!expected.isEmpty)
        let shown = dom.components(separatedBy: "<tr class=\"gap\"").dropFirst().map {
            "<tr class=\"gap\"" + $0.components(separatedBy: "</tr>")[0] + "</tr>"
        }
        #expect(shown == expected, "the drill-down lists the gaps backfill gaps lists")
        #expect(dom.contains("class=\"session\""), "the calendar heatmap is drawn")
        #expect(dom.contains("SPY 1h by session (✗)"))
        #expect(!dom.contains(f.keys["read"]!), "the key is not left in the page")
        // The screenshot, for people.
        let artifacts = Fixtures.packageRoot + "/.build/test-artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let shot = artifacts + "/dashboard.png"
        try? FileManager.default.removeItem(atPath: shot)
        _ = try browse(link, ["--screenshot=\(shot)"])
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "a screenshot was taken")
        #expect(f.stop() == 0)
    }
}
