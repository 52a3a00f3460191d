import BackfillTestSupport
import Foundation
import Testing

/// `backfill export ... --format parquet`, read back with pyarrow, polars and DuckDB (PyPI,
/// pinned in .ci/run) and compared value for value with the CSV export of the same rows
/// (Tests/Fixtures/parquet/check.py).
@Suite("CLI: Parquet export")
struct ParquetExportTests {
    /// `BACKFILL_PYTHON` (a Python with pyarrow, polars and duckdb), else the venv `.ci/run` makes.
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["BACKFILL_PYTHON"], Fixtures.packageRoot + "/.venv-ci/bin/python"]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
    static let enabled = python != nil || ProcessInfo.processInfo.environment["CI"] != nil
    static let check = Fixtures.fixturesDir + "/parquet/check.py"

    /// A database with SPY (1d, 1h) and AAPL (1d) from the replay fixtures, 2015-2019, their
    /// features, and QQQ registered without candles.
    static func store(_ dir: TemporaryDirectory) throws -> String {
        let db = "sqlite:\(dir.path)/a.sqlite"
        _ = try Run.backfill(["symbols", "add", "SPY", "AAPL", "QQQ", "--asset-class", "stock", "--database", db])
        let run = try Run.backfill([
            "run", "--database", db, "--replay-dir", Fixtures.fixturesDir + "/replay", "--symbols", "SPY,AAPL", "--timeframes", "1d,1h",
            "--start", "2015-01-01", "--end", "2020-01-01", "--results", dir.path + "/r.json", "--quiet",
        ])
        #expect(run.status <= 1, "\(run.stderr)")
        #expect(try Run.backfill(["features", "--database", db, "--quiet"]).status == 0)
        return db
    }

    func read(_ kind: String, _ file: String, _ csvDir: String, groupRows: Int? = nil) throws {
        let python = try #require(
            Self.python, "pyarrow, polars and duckdb are not installed: .ci/run makes .venv-ci (or set BACKFILL_PYTHON)")
        let out = try Run.program(python, [Self.check, kind, file, csvDir] + (groupRows.map { ["--rows-per-group", String($0)] } ?? []))
        #expect(out.status == 0, "\(file): \(out.stdout)\(out.stderr.suffix(3000))")
        for reader in ["pyarrow", "polars", "duckdb"] { #expect(out.stdout.contains("\(reader): "), "\(out.stdout)") }
    }

    func export(_ args: [String], _ db: String) throws -> ProcessOutput {
        let out = try Run.backfill(["export"] + args + ["--database", db])
        #expect(out.status == 0, "\(args): \(out.stderr)")
        return out
    }

    @Test(
        "candles and features of several series in one file, row groups of at most N rows, ZSTD or none: every value equal to the CSV's in pyarrow, polars and DuckDB",
        .enabled(if: enabled))
    func severalSeries() throws {
        let dir = TemporaryDirectory("backfill-parquet")
        let db = try Self.store(dir)
        let pairs = ["--symbols", "SPY,AAPL,QQQ", "--timeframes", "1d,1h"]
        for table in ["candles", "features"] {
            _ = try export([table] + pairs + ["--output-dir", dir.path + "/\(table)-csv"], db)
            for (compression, rows) in [("zstd", 1000), ("none", 4096)] {
                let file = dir.path + "/\(table)-\(compression).parquet"
                _ = try export(
                    [table] + pairs + [
                        "--format", "parquet", "--output", file, "--row-group-rows", String(rows), "--compression", compression,
                    ], db)
                try read(table, file, dir.path + "/\(table)-csv", groupRows: rows)
            }
        }
        // One file per series: DIR/SYMBOL/TIMEFRAME.parquet, an empty series an empty file.
        _ = try export(["candles"] + pairs + ["--format", "parquet", "--output-dir", dir.path + "/per-series"], db)
        _ = try export(["candles", "--symbol", "SPY", "--timeframe", "1h", "--output-dir", dir.path + "/spy-1h"], db)
        try read("candles", dir.path + "/per-series/SPY/1h.parquet", dir.path + "/spy-1h")
        _ = try export(["candles", "--symbol", "QQQ", "--timeframe", "1d", "--output-dir", dir.path + "/qqq"], db)
        try read("candles", dir.path + "/per-series/QQQ/1d.parquet", dir.path + "/qqq")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/per-series/QQQ/1d.parquet.tmp-\(getpid())"))
    }

    @Test(
        "export candles --provenance: each bar with the run that last fetched it (a later --force run of 2019 owns 2019), unknown for a bar no run stored; CSV, JSON lines and Parquet agree",
        .enabled(if: enabled))
    func provenance() throws {
        let dir = TemporaryDirectory("backfill-provenance")
        let db = try Self.store(dir)
        let again = try Run.backfill([
            "run", "--database", db, "--replay-dir", Fixtures.fixturesDir + "/replay", "--symbols", "SPY", "--timeframes", "1d",
            "--start", "2019-01-01", "--end", "2020-01-01", "--force", "--results", dir.path + "/r2.json", "--quiet",
        ])
        #expect(again.status == 0, "\(again.stderr)")
        // A bar written by hand (no run, no coverage): 2021-01-04.
        _ = try Run.program(
            "/usr/bin/env",
            [
                "sqlite3", dir.path + "/a.sqlite",
                "INSERT INTO candles SELECT id, 1609718400000, 1, 2, 0.5, 1.5, 10, NULL, NULL FROM series WHERE symbol = 'SPY' AND timeframe = '1d'",
            ])
        let args = ["candles", "--symbol", "SPY", "--timeframe", "1d", "--start", "2018-12-20", "--end", "2022-01-01", "--provenance"]
        let csv = try export(args, db).stdout.split(separator: "\n").map(String.init)
        #expect(csv[0] == "ts,open,high,low,close,volume,vwap,trades,provider,run_id,request_id,fetched_at")
        let rows = csv.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.allSatisfy { $0.count == 12 })
        let dec2018 = rows.filter { $0[0] < "1546300800000" }, y2019 = rows.filter { $0[0] >= "1546300800000" && $0[0] < "1577836800000" }
        #expect(!dec2018.isEmpty && dec2018.allSatisfy { $0[8] == "replay" && $0[9] == "1" && $0[10] == "" && $0[11].hasSuffix("Z") })
        #expect(y2019.count == 252 && y2019.allSatisfy { $0[8] == "replay" && $0[9] == "2" })
        #expect(rows.last == ["1609718400000", "1", "2", "0.5", "1.5", "10", "", "", "", "", "", ""])
        // The same in JSON lines and in Parquet (pyarrow).
        let jsonl = try export(args + ["--format", "jsonl"], db).stdout.split(separator: "\n")
        let objects = try jsonl.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.map { ($0["run_id"] as? Int).map(String.init) ?? "" } == rows.map { $0[9] })
        #expect(objects.last?["provider"] is NSNull && objects.first?["fetched_at"] as? String == rows.first?[11])
        let file = dir.path + "/p.parquet"
        _ = try export(args + ["--format", "parquet", "--output", file], db)
        let python = try #require(Self.python)
        let read = try Run.program(
            python,
            [
                "-c",
                "import pyarrow.parquet as pq, sys; t = pq.read_table(sys.argv[1]); print(','.join('' if v is None else str(v) for v in t.column('run_id').to_pylist())); print(t.column('provider').to_pylist()[-1], t.column('fetched_at').type)",
                file,
            ])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout == rows.map { $0[9] }.joined(separator: ",") + "\nNone timestamp[ms, tz=UTC]\n", "\(read.stdout)")
    }

    @Test("an empty export, one row, NaN features, and a single row group", .enabled(if: enabled))
    func edges() throws {
        let dir = TemporaryDirectory("backfill-parquet")
        let db = try Self.store(dir)
        let cases: [(String, [String])] = [
            ("candles", ["--symbol", "QQQ", "--timeframe", "1d"]),  // no rows at all
            ("candles", ["--symbol", "SPY", "--timeframe", "1d", "--start", "2019-12-31", "--end", "2020-01-01"]),  // one row
            ("features", ["--symbol", "AAPL", "--timeframe", "1d", "--end", "2015-02-15"]),  // the leading NaNs
            ("features", ["--symbols", "SPY,AAPL", "--timeframe", "1d", "--start", "2015-01-02", "--end", "2015-01-03"]),
        ]
        for (n, (table, args)) in cases.enumerated() {
            _ = try export([table] + args + ["--output-dir", dir.path + "/csv\(n)"], db)
            let file = dir.path + "/case\(n).parquet"
            _ = try export([table] + args + ["--format", "parquet", "--output", file], db)
            try read(table, file, dir.path + "/csv\(n)", groupRows: 131_072)
        }
    }

    @Test("10 million rows: every value equal in the three readers, 77 row groups", .enabled(if: enabled))
    func tenMillionRows() throws {
        let dir = TemporaryDirectory("backfill-parquet")
        let db = "sqlite:\(dir.path)/big.sqlite"
        #expect(try Run.backfill(["bench", "series", "--candles", "10000000", "--database", db]).status == 0)
        _ = try export(["candles", "--symbol", "BENCH", "--timeframe", "1m", "--output-dir", dir.path + "/csv"], db)
        _ = try export(
            ["candles", "--symbol", "BENCH", "--timeframe", "1m", "--format", "parquet", "--output", dir.path + "/big.parquet"], db)
        try read("candles", dir.path + "/big.parquet", dir.path + "/csv", groupRows: 131_072)
    }

    @Test("export events: CSV, JSON lines and Parquet hold the same splits, dividends and earnings reports", .enabled(if: enabled))
    func events() throws {
        let dir = TemporaryDirectory("backfill-parquet")
        let db = "sqlite:\(dir.path)/a.sqlite"
        try dir.copy(Fixtures.fixturesDir + "/replay/AAPL/splits.csv", to: "replay/AAPL/splits.csv")
        try dir.write("replay/AAPL/dividends.csv", "ex_dividend_date,cash_amount,currency,pay_date\n2020-08-07,0.82,USD,2020-08-13\n")
        try dir.write(
            "replay/AAPL/earnings.csv",
            """
            date,time,fiscal_year,fiscal_period,eps_estimate,eps_actual,revenue_estimate,revenue_actual,currency
            2024-02-01,after_close,2024,Q1,2.1,2.18,117910000000,119575000000,USD
            2024-10-31,,2024,Q4,1.6,,94360000000,,USD

            """)
        try dir.write("replay/AAPL/ticker_changes.csv", "date,ticker\n1980-12-12,AAPL\n")
        _ = try Run.backfill(["symbols", "add", "AAPL", "--asset-class", "stock", "--database", db])
        #expect(
            try Run.backfill([
                "events", "--replay-dir", dir.path + "/replay", "--start", "2000-01-01", "--end", "2030-01-01", "--database", db,
            ]).status == 0)
        let csv = try export(["events", "--symbol", "AAPL"], db).stdout
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.count == 1 + 8)  // the listing's ticker (all time), four splits, a dividend, two reports
        #expect(lines[1] == "AAPL,ticker_change,1980-12-12,,,,,,,replay,,,,,,,,,AAPL")
        #expect(lines[4] == "AAPL,split,2014-06-09,1,7,,,,,replay,,,,,,,,,")
        #expect(lines[5] == "AAPL,dividend,2020-08-07,,,0.82,2020-08-13,,,replay,,,,,,,,USD,")
        #expect(lines[8] == "AAPL,earnings,2024-10-31,,,,,,,replay,unknown,2024,Q4,1.6,,94360000000,,USD,")
        let jsonl = try export(["events", "--symbol", "AAPL", "--format", "jsonl", "--kinds", "earnings"], db).stdout
        #expect(jsonl.split(separator: "\n").count == 2 && jsonl.contains("\"eps_actual\":2.18") && jsonl.contains("\"eps_actual\":null"))
        _ = try export(["events", "--symbol", "AAPL", "--format", "parquet", "--output", dir.path + "/events.parquet"], db)
        try dir.write("events.csv", csv)
        let python = try #require(Self.python)
        let out = try Run.program(python, [Self.check, "events", dir.path + "/events.parquet", dir.path + "/events.csv"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr.suffix(3000))")
    }

    @Test("Parquet is not written to stdout; wrong options are one-line errors; a file that cannot be written leaves nothing")
    func refusals() throws {
        let dir = TemporaryDirectory("backfill-parquet")
        let db = "sqlite:\(dir.path)/a.sqlite"
        _ = try Run.backfill(["symbols", "add", "SPY", "--asset-class", "etf", "--database", db])
        func refused(_ args: [String], _ message: String, status: Int32 = 2) throws {
            let out = try Run.backfill(["export"] + args + ["--database", db])
            #expect(out.status == status, "\(args): \(out.stderr)")
            #expect(out.stderr == "backfill: error: \(message)\n", "\(args)")
            #expect(out.stdout.isEmpty)
        }
        try refused(
            ["candles", "--symbol", "SPY", "--timeframe", "1d", "--format", "parquet"],
            "--format parquet is written to a file: give --output FILE (or --output-dir DIR); stdout is refused")
        try refused(
            ["candles", "--symbols", "SPY,QQQ", "--timeframe", "1d"],
            "CSV holds one series (the replay format has no symbol column): use --output-dir DIR, or --format jsonl or parquet")
        try refused(
            ["features", "--symbol", "SPY", "--timeframe", "1d", "--format", "parquet", "--output", "x", "--compression", "lz4"],
            "unknown --compression 'lz4'; valid: zstd, none")
        try refused(
            ["candles", "--symbol", "SPY", "--timeframe", "1d", "--format", "xml"], "unknown --format 'xml'; valid: csv, jsonl, parquet")
        try refused(["candles", "--timeframe", "1d"], "name the series: --symbol (or --symbols with a comma-separated list)")
        try refused(["candles", "--symbol", "SPY", "--symbols", "SPY", "--timeframe", "1d"], "give --symbol or --symbols, not both")
        try refused(
            ["candles", "--symbol", "SPY", "--timeframe", "1d", "--format", "parquet", "--output", dir.path + "/no/such/x.parquet"],
            "cannot write '\(dir.path)/no/such/x.parquet': No such file or directory", status: 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }.isEmpty)
        // JSON lines of two series to one file carry their symbol and timeframe.
        let jsonl = try Run.backfill([
            "export", "features", "--symbols", "SPY,QQQ", "--timeframe", "1d", "--format", "jsonl", "--database", db,
        ])
        #expect(jsonl.status == 0 && jsonl.stdout.isEmpty)
    }
}
