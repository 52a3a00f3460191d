import BackfillTestSupport
import Foundation
import Testing

/// `backfill features` and `backfill export features`, run as a user runs them.
@Suite("CLI: features")
struct FeaturesCommandTests {
    static let replay = Fixtures.fixturesDir + "/replay"

    func backfill(_ args: [String], _ db: String, env: [String: String] = [:]) throws -> ProcessOutput {
        try Run.backfill(args + ["--database", db], environment: env)
    }

    @Test("an incremental run (more candles arrive later) gives the same features as one full computation")
    func incrementalEqualsFull() throws {
        let dir = TemporaryDirectory("backfill-features")
        let a = "sqlite:\(dir.path)/a.sqlite", b = "sqlite:\(dir.path)/b.sqlite"
        for db in [a, b] { _ = try backfill(["symbols", "add", "SPY", "--asset-class", "etf"], db) }
        let common = ["run", "--replay-dir", Self.replay, "--timeframes", "1d", "--results", dir.path + "/r.json"]
        // A: backfill 2015-2017, compute, then backfill 2018-2019 and compute again.
        #expect(try backfill(common + ["--start", "2015-01-01", "--end", "2018-01-01"], a).status == 0)
        let first = try backfill(["features"], a)
        #expect(first.status == 0)
        #expect(first.stdout.contains("SPY/1d: ✓ processed=755, inserted=755, updated=0"))
        #expect(try backfill(common + ["--start", "2018-01-01", "--end", "2020-01-01"], a).status == 0)
        // Only the new bars are read and computed: the job resumes after the last computed one.
        let second = try backfill(["features"], a)
        #expect(second.stdout.contains("SPY/1d: ✓ processed=503 (after 755 already computed), inserted=503, updated=0"), "\(second.stdout)")
        #expect(!(try backfill(["features"], a).stdout.contains("processed=")))  // nothing new: nothing computed
        // B: everything at once.
        #expect(try backfill(common + ["--start", "2015-01-01", "--end", "2020-01-01"], b).status == 0)
        #expect(try backfill(["features"], b).status == 0)
        let ea = try backfill(["export", "features", "--symbol", "SPY", "--timeframe", "1d"], a).stdout
        let eb = try backfill(["export", "features", "--symbol", "SPY", "--timeframe", "1d"], b).stdout
        #expect(ea == eb)
        let lines = ea.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "ts,ret_1,logret_1,vol_20,atr_14,natr_14,sma_20,ema_20,rsi_14,slope_20")
        #expect(lines[1] == "1420156800000,,,,,,,,,")  // the first bar: every feature undefined
        #expect(lines.count == 1 + 1258 + 1)
    }

    @Test(
        "a revised candle is recomputed from the checkpoint before it, to the values of a full computation on the revised data; --force starts over"
    )
    func revisionRecomputed() throws {
        let dir = TemporaryDirectory("backfill-features")
        // The fixture with one close revised (2019-06-14, bar 1121 of 2015-2019).
        let revisedDir = dir.path + "/revised"
        try FileManager.default.createDirectory(atPath: revisedDir + "/SPY", withIntermediateDirectories: true)
        let original = try String(contentsOfFile: Self.replay + "/SPY/1d.csv", encoding: .utf8)
        var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let day = String(1_560_470_400_000)  // 2019-06-14
        let i = try #require(lines.firstIndex { $0.hasPrefix(day + ",") })
        var f = lines[i].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        f[4] = String(((try #require(Double(f[3]))) + (try #require(Double(f[2])))) / 2)  // close between low and high
        lines[i] = f.joined(separator: ",")
        try lines.joined(separator: "\n").write(toFile: revisedDir + "/SPY/1d.csv", atomically: true, encoding: .utf8)
        let a = "sqlite:\(dir.path)/a.sqlite", b = "sqlite:\(dir.path)/b.sqlite"
        for db in [a, b] { _ = try backfill(["symbols", "add", "SPY", "--asset-class", "etf"], db) }
        let common = ["run", "--timeframes", "1d", "--results", dir.path + "/r.json", "--start", "2015-01-01", "--end", "2020-01-01"]
        // A: the original, features in chunks of 100 bars (a checkpoint each), then the revision.
        #expect(try backfill(common + ["--replay-dir", Self.replay], a).status == 0)
        #expect(try backfill(["features", "--chunk", "100"], a).stdout.contains("processed=1258,"))
        let refetch = try backfill(
            [
                "run", "--timeframes", "1d", "--results", dir.path + "/r.json", "--replay-dir", revisedDir, "--force",
                "--start", "2019-06-01", "--end", "2019-07-01",
            ], a)
        #expect(refetch.status == 0, "\(refetch.stderr)")
        let again = try backfill(["features", "--chunk", "100"], a)
        // Resumed from the checkpoint after bar 1100, the last one before the revised bar.
        #expect(again.stdout.contains("SPY/1d: ✓ processed=158 (after 1100 already computed)"), "\(again.stdout)")
        // B: the revised data from the start.
        #expect(try backfill(common + ["--replay-dir", revisedDir], b).status == 0)
        #expect(try backfill(["features"], b).status == 0)
        let ea = try backfill(["export", "features", "--symbol", "SPY", "--timeframe", "1d"], a).stdout
        let eb = try backfill(["export", "features", "--symbol", "SPY", "--timeframe", "1d"], b).stdout
        #expect(ea == eb)
        #expect(ea.split(separator: "\n").count == 1 + 1258)
        let forced = try backfill(["features", "--force"], a)
        #expect(forced.stdout.contains("SPY/1d: ✓ processed=1258, inserted=0, updated="), "\(forced.stdout)")
        #expect(try backfill(["export", "features", "--symbol", "SPY", "--timeframe", "1d"], a).stdout == eb)
    }

    @Test("BACKFILL_KERNELS forces a path; a wrong value is a one-line error, exit 2")
    func kernelsEnvironment() throws {
        let dir = TemporaryDirectory("backfill-features")
        let db = "sqlite:\(dir.path)/a.sqlite"
        _ = try backfill(["symbols", "add", "SPY", "--asset-class", "etf"], db)
        let bad = try backfill(["features"], db, env: ["BACKFILL_KERNELS": "sse9"])
        #expect(bad.status == 2)
        #expect(bad.stderr == "backfill: error: BACKFILL_KERNELS='sse9' is not a kernel path; valid: scalar, avx2, avx512, neon\n")
        let scalar = try backfill(["features"], db, env: ["BACKFILL_KERNELS": "scalar"])
        #expect(scalar.status == 0)
        #expect(scalar.stdout.contains("kernels: scalar"))
    }

    @Test("bench kernels --json: every available path's fused set and kernels, against the trivial pass")
    func benchKernelsJSON() throws {
        let out = try Run.backfill(["bench", "kernels", "--candles", "20000", "--runs", "3", "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(doc["candles"] as? Int == 20_000)
        let rows = try #require(doc["results"] as? [[String: Any]])
        let fusedPaths = Set(rows.filter { $0["measure"] as? String == "fused_v1" }.compactMap { $0["path"] as? String })
        // The paths the CPU has, from the kernel's view of it (/proc/cpuinfo): detection must find them all.
        let flags = Set(
            ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
                .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        var expected: Set<String> = ["scalar"]
        if flags.isSuperset(of: ["avx2", "fma"]) { expected.insert("avx2") }
        if flags.isSuperset(of: ["avx2", "fma", "avx512f", "avx512dq", "avx512vl"]) { expected.insert("avx512") }
        #expect(fusedPaths == expected)
        #expect(doc["active_path"] as? String == (expected.contains("avx512") ? "avx512" : expected.contains("avx2") ? "avx2" : "scalar"))
        // The CPU is named, so figures from different machines are never confused.
        let model = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").split(separator: "\n")
            .first { $0.hasPrefix("model name") }?.split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces)
        #expect(doc["cpu"] as? String == model ?? "unknown")
        let text = try Run.backfill(["bench", "kernels", "--candles", "1000", "--runs", "1"])
        #expect(
            text.stdout.hasPrefix("CPU: \(model ?? "unknown"); kernels' active path: \(doc["active_path"] as? String ?? "")\n"),
            "\(text.stdout)")
        for row in rows {
            #expect((row["candles_per_second"] as? Double ?? 0) > 0, "\(row)")
        }
        let bad = try Run.backfill(["bench", "kernels", "--candles", "10"])
        #expect(bad.status == 2 && bad.stderr.contains("--candles must be >= 100"))
    }
}
