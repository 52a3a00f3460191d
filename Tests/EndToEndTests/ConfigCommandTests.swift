import BackfillTestSupport
import Foundation
import Testing

/// The configuration file as a nightly user has it: every command reads it, the environment and
/// flags override it, `config show` says where each value came from, secrets stay hidden.
@Suite("CLI: configuration file")
struct ConfigCommandTests {
    /// A folder with a replay root of daily crypto bars for the last two weeks (so a run's
    /// default `days` window has data), and a configuration file.
    final class Workspace: @unchecked Sendable {
        let dir = TemporaryDirectory("backfill-config")
        var config: String { dir.path + "/backfill.yaml" }

        init() throws {
            let today = Int64(Date().timeIntervalSince1970 * 1000) / 86_400_000 * 86_400_000
            var csv = "ts,open,high,low,close,volume\n"
            for d in stride(from: 14, through: 1, by: -1) {
                let price = 100 + Double(d)
                csv += "\(today - Int64(d) * 86_400_000),\(price),\(price + 2),\(price - 1),\(price + 1),\(1000 + d)\n"
            }
            try dir.write("replay/BTC/1d.csv", csv)
        }

        /// Writes the configuration file with permission bits `mode`.
        func write(_ text: String, mode: Int = 0o600) throws {
            try dir.write("backfill.yaml", text)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: config)
        }

        /// Runs backfill in the folder, with no flags but `args`.
        func backfill(_ args: [String], env: [String: String] = [:]) throws -> ProcessOutput {
            try Run.backfill(args, environment: env, directory: dir.path)
        }

        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: dir.path + "/" + name) }
    }

    static let nightly = """
        # the nightly job's settings
        database:
          url: sqlite:candles.sqlite
        plugins:
          isolation: none
        provider:
          name: replay
          options:
            root: replay
        run:
          timeframes: [1d]
          days: 10
          concurrency: 2
          results: nightly.json
        features:
          concurrency: 1
        """

    @Test("a nightly setup in a file: `backfill run` alone does the job, and every command reads the same file")
    func nightlyRun() throws {
        let w = try Workspace()
        try w.write(Self.nightly)
        let add = try w.backfill(["symbols", "add", "BTC", "--asset-class", "crypto"])
        #expect(add.status == 0 && w.exists("candles.sqlite"), "\(add.stderr)")

        let run = try w.backfill(["run"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("BTC/1d: 10 candles (inserted 10, updated 0)"), "\(run.stdout)")
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: w.dir.path + "/nightly.json")))
        let options = (results as? [String: Any])?["options"] as? [String: Any]
        #expect(options?["concurrency"] as? String == "2" && options?["database"] as? String == "sqlite:candles.sqlite")
        #expect(!w.exists("backfill-results.json") && !w.exists("backfill.sqlite"))

        #expect(try w.backfill(["symbols", "list"]).stdout.contains("BTC,crypto,true"))
        #expect(try w.backfill(["runs"]).stdout.contains("complete"))
        #expect(try w.backfill(["matrix"]).stdout.contains("BTC     ✓"))
        #expect(try w.backfill(["export", "candles", "--symbol", "BTC", "--timeframe", "1d"]).stdout.split(separator: "\n").count == 11)
        let features = try w.backfill(["features", "--log-format", "json"])
        #expect(features.status == 0, "\(features.stderr)")
        #expect(
            features.stderr.contains(#""event":"features_started""#) && features.stderr.contains(#""concurrency":1"#), "\(features.stderr)")
        #expect(try w.backfill(["providers"]).stdout.hasPrefix("isolation: none"))

        // The environment overrides the file, a flag overrides both.
        let env = try w.backfill(["run", "--quiet"], env: ["BACKFILL_RUN_RESULTS": "env.json"])
        #expect(env.status == 0 && w.exists("env.json"), "\(env.stderr)")
        let flag = try w.backfill(["run", "--quiet", "--results", "flag.json"], env: ["BACKFILL_RUN_RESULTS": "env.json"])
        #expect(flag.status == 0 && w.exists("flag.json"), "\(flag.stderr)")
    }

    @Test("config show: every value with its source (flag, env, file:line, default); secrets masked")
    func show() throws {
        let w = try Workspace()
        try w.write(
            """
            provider:
              name: polygon
              options:
                base_url: http://127.0.0.1:9
            run:
              concurrency: 3
              days: 30
            """)
        let env = [
            "BACKFILL_RUN_DAYS": "20", "POLYGON_API_KEY": "sekrit-key-1", "DATABASE_URL": "postgres://ops:hunter22@db.example/candles",
        ]
        let out = try w.backfill(["config", "show", "--days", "5", "--retries", "1"], env: env)
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
        #expect(lines.first == "configuration file: backfill.yaml (mode 0600)")
        #expect(lines.contains("run.days 5 flag --days"))
        #expect(lines.contains("run.retries 1 flag --retries"))
        #expect(lines.contains("run.concurrency 3 file backfill.yaml:6"))
        #expect(lines.contains("provider.name polygon file backfill.yaml:2"))
        #expect(lines.contains("provider.options.base_url http://127.0.0.1:9 file backfill.yaml:4"))
        #expect(lines.contains("provider.options.api_key *** env POLYGON_API_KEY"))
        #expect(lines.contains("database.url postgres://ops:***@db.example/candles env DATABASE_URL"))
        #expect(lines.contains("run.page_size 10000 default"))
        #expect(!out.stdout.contains("sekrit") && !out.stdout.contains("hunter22"))

        let json = try w.backfill(["config", "show", "--json"], env: env)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let rows = doc["settings"] as? [[String: String]] ?? []
        #expect(rows.first { $0["key"] == "run.days" } == ["key": "run.days", "value": "20", "source": "env BACKFILL_RUN_DAYS"])
        #expect(!json.stdout.contains("sekrit") && !json.stdout.contains("hunter22"))
    }

    @Test("config init writes the example (0600), will not overwrite without --force, and the file reads back")
    func initFile() throws {
        let w = try Workspace()
        let first = try w.backfill(["config", "init"])
        #expect(first.status == 0, "\(first.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: w.config)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let written = try String(contentsOfFile: w.config, encoding: .utf8)
        #expect(written.contains("\nrun:\n") && written.contains("BACKFILL_RUN_CONCURRENCY"))

        try w.write(written + "\n# edited\n")
        let again = try w.backfill(["config", "init"])
        #expect(again.status == 2 && again.stderr == "backfill: error: cannot write 'backfill.yaml': it exists (--force replaces it)\n")
        #expect(try String(contentsOfFile: w.config, encoding: .utf8).hasSuffix("# edited\n"))
        #expect(try w.backfill(["config", "init", "--force"]).status == 0)
        #expect(try String(contentsOfFile: w.config, encoding: .utf8) == written)

        let show = try w.backfill(["config", "show"])
        #expect(show.status == 0 && show.stdout.contains("file backfill.yaml:"), "\(show.stderr)")
    }

    @Test("a secret in a private file reaches the provider and nothing else: not the output, the results, the runs table")
    func secretFromFile() throws {
        let w = try Workspace()
        try w.write(
            """
            database:
              url: sqlite:candles.sqlite
            provider:
              name: polygon
              options:
                api_key: sekrit-key-3
                base_url: http://127.0.0.1:9
            run:
              timeframes: [1d]
              days: 3
              retries: 0
              rate: 1000
            """)
        #expect(try w.backfill(["symbols", "add", "AAPL", "--asset-class", "stock"]).status == 0)
        let run = try w.backfill(["run", "--backoff-ms", "1", "--verbose"])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        let results = try String(contentsOfFile: w.dir.path + "/backfill-results.json", encoding: .utf8)
        #expect(results.contains("api_key=***"))
        let table = try Run.program("/usr/bin/env", ["sqlite3", w.dir.path + "/candles.sqlite", "SELECT * FROM runs"]).stdout
        for text in [run.stdout, run.stderr, results, table] { #expect(!text.contains("sekrit"), "\(text)") }
    }

    @Test("a bad file stops any command before it does anything: one line, exit 2")
    func mistakes() throws {
        let w = try Workspace()
        try w.write("database:\n  url: sqlite:x.sqlite\nprovider:\n  name: polygon\n  options:\n    api_key: sekrit-key-2\n", mode: 0o644)
        let readable = try w.backfill(["run"])
        #expect(readable.status == 2)
        #expect(
            readable.stderr
                == "backfill: error: backfill.yaml:6: provider.options.api_key is a secret, and backfill.yaml can be read by others (mode 0644); run: chmod 600 backfill.yaml\n"
        )
        #expect(!w.exists("x.sqlite") && !readable.stderr.contains("sekrit"))

        try w.write("run:\n  concurency: 8\n")
        for command in [["run"], ["symbols", "list"], ["matrix"], ["providers"], ["config", "show"]] {
            let out = try w.backfill(command)
            #expect(out.status == 2, "\(command)")
            #expect(
                out.stderr == "backfill: error: backfill.yaml:2: unknown key 'run.concurency' (did you mean 'run.concurrency'?)\n",
                "\(command)")
        }
        let missing = try w.backfill(["run", "--config", "nightly.yaml"])
        #expect(missing.status == 2 && missing.stderr == "backfill: error: --config 'nightly.yaml': no such file\n")
        // In the JSON log format, the mistake is one JSON error event.
        let json = try w.backfill(["run", "--log-format", "json"])
        #expect(json.status == 2 && json.stderr.hasPrefix("{") && json.stderr.contains("unknown key 'run.concurency'"), "\(json.stderr)")
    }
}
