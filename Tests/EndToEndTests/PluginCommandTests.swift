import BackfillTestSupport
import Foundation
import Testing

/// `backfill providers` and `backfill fetch`, run as a user runs them.
@Suite("CLI: providers and fetch")
struct PluginCommandTests {
    @Test("providers lists the bundled replay plugin and, with a bad file in a plugin dir, why it failed")
    func providers() throws {
        let dir = TemporaryDirectory()
        try dir.write("libbroken.so", "not a plugin")
        let out = try Run.backfill(["providers", "--plugin-dir", dir.path])
        #expect(out.status == 0)
        #expect(out.stdout.contains("replay 1.0.0  (ABI 1.4)"))
        #expect(out.stdout.contains("  options:\n    root"))
        #expect(out.stdout.contains("page_size") && out.stdout.contains("rows per page, 1 to 1000000"))
        #expect(out.stdout.contains("capabilities: candles,splits,dividends,earnings,ticker-changes,listings,thread-safe"))
        #expect(out.stdout.contains("timeframes:   1m 5m 15m 30m 1h 4h 1d 1w"))
        #expect(out.stdout.contains("path:         \(Fixtures.productsDir)/libReplayProvider.so"))
        #expect(out.stdout.contains("Failed to load:\n  \(dir.path)/libbroken.so: not a loadable shared object"))
    }

    @Test("fetch prints the replay format; export → replay round-trips the values")
    func fetch() throws {
        let out = try Run.backfill([
            "fetch", "--replay-dir", Fixtures.fixturesDir + "/replay", "--symbol", "SPY", "--timeframe", "1d",
            "--start", "2020-01-01", "--end", "2020-01-08",
        ])
        #expect(out.status == 0)
        #expect(
            out.stdout == """
                ts,open,high,low,close,volume,vwap,trades
                1577923200000,323.58,324.87,322.535,324.87,48912531,,
                1578009600000,321.19,323.64,321.11,322.41,60780998,,
                1578268800000,320.44,323.73,320.36,323.64,43759922,,
                1578355200000,323.02,323.535,322.24,322.73,35212108,,

                """)
        #expect(out.stderr == "4 candles\n")
    }

    @Test(
        "user mistakes get one line naming the problem and exit code 2",
        arguments: [
            (
                ["fetch", "--symbol", "SPY", "--timeframe", "2h", "--start", "2020-01-01", "--end", "2020-02-01"],
                "unknown timeframe '2h'; valid: 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w"
            ),
            (
                ["fetch", "--symbol", "SPY", "--timeframe", "1d", "--start", "2020-13-01", "--end", "2020-02-01"],
                "invalid time '2020-13-01'"
            ),
            (
                ["fetch", "--symbol", "../x", "--timeframe", "1d", "--start", "2020-01-01", "--end", "2020-02-01"],
                "symbol '../x' must not start with '.'"
            ),
            (
                ["fetch", "--provider", "nope", "--symbol", "SPY", "--timeframe", "1d", "--start", "2020-01-01", "--end", "2020-02-01"],
                "unknown provider 'nope'; available: "
            ),
            (
                [
                    "fetch", "--replay-dir", "/no/such/dir", "--symbol", "SPY", "--timeframe", "1d", "--start", "2020-01-01", "--end",
                    "2020-02-01",
                ], "replay root '/no/such/dir' is not a folder"
            ),
            (
                ["fetch", "--symbol", "S", "--timeframe", "1d", "--start", "2020-01-01", "--end", "2020-02-01", "--bogus"],
                "Unknown option '--bogus'"
            ),
        ])
    func mistakes(arguments: [String], message: String) throws {
        let out = try Run.backfill(arguments)
        #expect(out.status == 2)
        #expect(out.stderr.hasPrefix("backfill: error: "))
        #expect(out.stderr.contains(message))
        #expect(out.stderr.split(separator: "\n").count == 1)
        #expect(!out.stderr.contains("Fatal error") && !out.stderr.contains("Stack"))
    }
}

/// A database the user may not write: one line, non-zero exit, the file untouched.
@Suite("CLI: read-only database")
struct ReadOnlyDatabaseTests {
    @Test("writing to a read-only SQLite file fails with one line naming it, and changes nothing")
    func readOnly() throws {
        let dir = TemporaryDirectory("backfill-ro")
        let path = dir.path + "/ro.sqlite"
        #expect(try Run.backfill(["symbols", "add", "SPY", "--asset-class", "etf", "--database", "sqlite:" + path]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        // Root ignores file modes: run the command as an unprivileged user then.
        let asRoot = getuid() == 0
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path) }
        let args = ["symbols", "add", "QQQ", "--asset-class", "etf", "--database", "sqlite:" + path]
        let out =
            asRoot
            ? try Run.program("/usr/sbin/runuser", ["-u", "nobody", "--", Fixtures.backfillExecutable] + args)
            : try Run.backfill(args)
        #expect(out.status != 0)
        #expect(out.stderr.hasPrefix("backfill: error: "))
        #expect(out.stderr.contains(path))
        #expect(out.stderr.contains("read-only") || out.stderr.contains("cannot") || out.stderr.contains("unable to open"), "\(out.stderr)")
        #expect(out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }
}
