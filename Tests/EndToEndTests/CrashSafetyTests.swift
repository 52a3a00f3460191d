import BackfillTestSupport
import Foundation
import Testing

/// Kill `backfill run` with SIGKILL at random moments; the database must hold whole batches only,
/// coverage must never claim a range whose candles are missing, and a re-run must converge to the
/// rows of an uninterrupted run, with no duplicates.
@Suite("Crash safety")
struct CrashSafetyTests {
    static let fixture = Fixtures.fixturesDir + "/replay/BTCPERP/1m.csv"

    static func sqlite(_ path: String, _ query: String) throws -> String {
        try Run.program("/usr/bin/env", ["sqlite3", path, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("SIGKILL at random moments, then re-run: same rows as an uninterrupted run, no duplicates")
    func killAndRerun() throws {
        let dir = TemporaryDirectory("backfill-kill")
        try dir.copy(Self.fixture, to: "replay/BTCPERP/1m.csv")
        try dir.write("replay/faults.json", #"{"faults": [{"latency_ms": 8}]}"#)
        let fileTimestamps = try String(contentsOfFile: Self.fixture, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { Int64($0.prefix { $0 != "," })! }
        let args = [
            "--replay-dir", dir.path + "/replay", "--timeframes", "1m", "--start", "2021-12-31", "--end", "2022-02-02",
            "--page-size", "500", "--results", dir.path + "/r.json",
        ]

        // The reference: one uninterrupted run.
        let reference = dir.path + "/reference.sqlite"
        _ = try Run.backfill(["symbols", "add", "BTCPERP", "--asset-class", "crypto", "--database", "sqlite:" + reference])
        #expect(try Run.backfill(["run", "--database", "sqlite:" + reference] + args).status == 0)

        let victim = dir.path + "/victim.sqlite"
        _ = try Run.backfill(["symbols", "add", "BTCPERP", "--asset-class", "crypto", "--database", "sqlite:" + victim])
        var generator = SystemRandomNumberGenerator()
        var killed = 0
        for _ in 0..<4 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Fixtures.backfillExecutable)
            p.arguments = ["run", "--database", "sqlite:" + victim, "--force"] + args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.9, using: &generator))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                killed += 1
            }
            p.waitUntilExit()

            // Invariant: every range coverage calls fetched holds exactly the file's rows.
            let coverage = try Self.sqlite(victim, "SELECT start_ts || ',' || end_ts FROM coverage WHERE outcome = 'fetched'")
            for line in coverage.split(separator: "\n") {
                let parts = line.split(separator: ",").map { Int64($0)! }
                let stored = Int(try Self.sqlite(victim, "SELECT count(*) FROM candles WHERE ts >= \(parts[0]) AND ts < \(parts[1])"))!
                let inFile = fileTimestamps.filter { $0 >= parts[0] && $0 < parts[1] }.count
                #expect(stored == inFile, "coverage [\(parts[0]), \(parts[1])) claims \(inFile) rows, \(stored) stored")
            }
            // Whole batches only: the rows stored are a multiple of the page size, or everything.
            let n = Int(try Self.sqlite(victim, "SELECT count(*) FROM candles"))!
            #expect(n % 500 == 0 || n == fileTimestamps.count, "\(n) rows is not whole pages")
        }
        #expect(killed >= 1, "no run was killed mid-way; the test proved nothing")

        // Re-run to completion: converge to the reference rows.
        #expect(try Run.backfill(["run", "--database", "sqlite:" + victim] + args).status == 0)
        let dump = "SELECT ts, open, high, low, close, volume, vwap, trades FROM candles ORDER BY ts"
        let a = try Self.sqlite(reference, dump), b = try Self.sqlite(victim, dump)
        #expect(a == b)
        #expect(a.split(separator: "\n").count == fileTimestamps.count)
        #expect(
            try Self.sqlite(victim, "SELECT count(*) FROM (SELECT series_id, ts FROM candles GROUP BY 1, 2 HAVING count(*) > 1)") == "0")
    }
}
