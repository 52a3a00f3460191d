import BackfillSettings
import BackfillTestSupport
import Foundation
import Testing

/// The configuration's rules: where the file is, flag > environment > file > default for every
/// kind of setting, the older variables, secrets in files, and one line per mistake.
@Suite("Settings")
struct SettingsTests {
    /// A folder with a configuration file in it.
    final class Folder: Sendable {
        let dir = TemporaryDirectory("backfill-settings")

        /// Writes `text` as `name` with permission bits `mode`; returns its path.
        func file(_ text: String, name: String = "backfill.yaml", mode: Int = 0o600) throws -> String {
            let path = try dir.write(name, text)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            return path
        }
    }

    static func load(
        _ path: String?, flags: Settings.Flags = Settings.Flags(), env: [String: String] = [:]
    ) async throws -> Settings {
        try await Settings.load(config: path, flags: flags, environment: env)
    }

    /// The message a load fails with.
    static func failure(_ path: String?, flags: Settings.Flags = Settings.Flags(), env: [String: String] = [:]) async -> String? {
        do {
            _ = try await load(path, flags: flags, env: env)
            return nil
        } catch {
            return (error as? SettingsError)?.message ?? "\(error)"
        }
    }

    /// One setting of each kind: its key, the flag that sets it, a file value (YAML), an
    /// environment value and a flag value, each different.
    static let kinds: [(key: String, flag: String, file: String, env: String, given: String)] = [
        ("run.concurrency", "--concurrency", "3", "5", "7"),
        ("run.settle_hours", "--settle-hours", "12", "6", "1.5"),
        ("plugins.isolation", "--isolation", "none", "process", "none"),
        ("run.timeframes", "--timeframes", "[1d, 1h]", "1w", "5m,15m"),
        ("database.url", "--database", "sqlite:file.sqlite", "sqlite:env.sqlite", "sqlite:flag.sqlite"),
    ]

    @Test("flag > environment > file > default, for an int, a number, a choice, a list and a string", arguments: kinds)
    func precedence(_ kind: (key: String, flag: String, file: String, env: String, given: String)) async throws {
        let folder = Folder()
        defer { withExtendedLifetime(folder) {} }
        let parts = kind.key.split(separator: ".")
        let path = try folder.file("# a comment\n\(parts[0]):\n  \(parts[1]): \(kind.file)\n")
        let envName = "BACKFILL_" + kind.key.uppercased().replacingOccurrences(of: ".", with: "_")
        var flags = Settings.Flags()
        flags.set(kind.key, kind.given, flag: kind.flag)
        let defaultValue = SettingKey.named(kind.key)?.defaultValue
        let plain = { (s: String) in s.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).replacingOccurrences(of: " ", with: "") }

        let none = try await Self.load(nil).resolved(kind.key)
        #expect(none.text == defaultValue && none.source == .defaultValue)

        let file = try await Self.load(path).resolved(kind.key)
        #expect(file.text == plain(kind.file) && file.source == .file("\(path):3"))

        let env = try await Self.load(path, env: [envName: kind.env]).resolved(kind.key)
        #expect(env.text == kind.env && env.source == .environment(envName))

        let flag = try await Self.load(path, flags: flags, env: [envName: kind.env]).resolved(kind.key)
        #expect(flag.text == kind.given && flag.source == .flag(kind.flag))
        // A flag wins without the other layers too.
        #expect(try await Self.load(nil, flags: flags).resolved(kind.key).text == kind.given)
    }

    @Test("the older variables: DATABASE_URL, POLYGON_API_KEY (for polygon only), BACKFILL_REPLAY_DIR, below BACKFILL_...")
    func legacyVariables() async throws {
        let folder = Folder()
        defer { withExtendedLifetime(folder) {} }
        let path = try folder.file("database:\n  url: sqlite:file.sqlite\nprovider:\n  name: polygon\n")
        let s = try await Self.load(path, env: ["DATABASE_URL": "sqlite:legacy.sqlite", "POLYGON_API_KEY": "k1"])
        #expect(s.resolved("database.url").text == "sqlite:legacy.sqlite")
        #expect(s.resolved("database.url").source == .environment("DATABASE_URL"))
        #expect(s.providerOptions() == ["api_key": "k1"])
        #expect(s.providerOptionSource("api_key") == .environment("POLYGON_API_KEY"))

        let newer = try await Self.load(
            path,
            env: [
                "DATABASE_URL": "sqlite:legacy.sqlite", "BACKFILL_DATABASE_URL": "sqlite:new.sqlite", "POLYGON_API_KEY": "k1",
                "BACKFILL_PROVIDER_OPTIONS_API_KEY": "k2",
            ])
        #expect(newer.resolved("database.url").text == "sqlite:new.sqlite")
        #expect(newer.providerOptions() == ["api_key": "k2"])

        // POLYGON_API_KEY is not the replay provider's business; BACKFILL_REPLAY_DIR is.
        let replay = try await Self.load(nil, env: ["POLYGON_API_KEY": "k1", "BACKFILL_REPLAY_DIR": "/data/r"])
        #expect(replay.providerOptions() == ["root": "/data/r"])
        #expect(replay.providerOptionSource("root") == .environment("BACKFILL_REPLAY_DIR"))
    }

    @Test("provider options: the file's, the environment's and --provider-option's, each from its highest layer")
    func providerOptions() async throws {
        let folder = Folder()
        defer { withExtendedLifetime(folder) {} }
        let path = try folder.file(
            """
            provider:
              name: polygon
              options:
                base_url: http://file
                timeout_ms: 5000
            """)
        var flags = Settings.Flags()
        flags.setOptions(["timeout_ms": "9000"])
        let s = try await Self.load(path, flags: flags, env: ["BACKFILL_PROVIDER_OPTIONS_ADJUSTED": "true"])
        #expect(s.providerOptions() == ["base_url": "http://file", "timeout_ms": "9000", "adjusted": "true"])
        #expect(s.providerOptionSource("base_url") == .file("\(path):4"))
        #expect(s.providerOptionSource("timeout_ms") == .flag("--provider-option"))
        #expect(s.providerOptionSource("adjusted") == .environment("BACKFILL_PROVIDER_OPTIONS_ADJUSTED"))
    }

    @Test("a file holding a secret must be private: refused at 0644 and 0640 with how to fix it, read at 0600")
    func secretsInFiles() async throws {
        let folder = Folder()
        defer { withExtendedLifetime(folder) {} }
        let key = "provider:\n  name: polygon\n  options:\n    api_key: abc123\n"
        for mode in [0o644, 0o640] {
            let path = try folder.file(key, mode: mode)
            let message = await Self.failure(path)
            #expect(
                message
                    == "\(path):4: provider.options.api_key is a secret, and \(path) can be read by others (mode 0\(String(mode, radix: 8))); run: chmod 600 \(path)"
            )
            #expect(message?.contains("abc123") == false)
        }
        let path = try folder.file(key, mode: 0o600)
        #expect(try await Self.load(path).providerOptions()["api_key"] == "abc123")

        // A database URL with a password is a secret too; one without is not.
        let withPassword = try folder.file("database:\n  url: postgres://u:pw@db/candles\n", name: "a.yaml", mode: 0o644)
        #expect(await Self.failure(withPassword)?.hasPrefix("\(withPassword):2: database.url is a secret") == true)
        let withoutPassword = try folder.file("database:\n  url: postgres://u@db/candles\n", name: "b.yaml", mode: 0o644)
        #expect(await Self.failure(withoutPassword) == nil)
        // A readable file without secrets is fine; the secret in the environment is not the file's.
        let plain = try folder.file("provider:\n  name: polygon\n", name: "c.yaml", mode: 0o644)
        #expect(await Self.failure(plain, env: ["POLYGON_API_KEY": "abc123"]) == nil)
    }

    @Test(
        "mistakes are one line naming the file, line and key",
        arguments: [
            ("run:\n  concurency: 3\n", ":2: unknown key 'run.concurency' (did you mean 'run.concurrency'?)"),
            ("rn:\n  days: 3\n", ":1: unknown section 'rn' (did you mean 'run'?)"),
            ("run:\n  colour: red\n", ":2: unknown key 'run.colour'"),
            ("run:\n  days: lots\n", ":2: run.days must be a whole number (got 'lots')"),
            ("run:\n  days: 0\n", ":2: run.days must be 1 to 36500 (got 0)"),
            ("run:\n\n  concurrency: [1, 2]\n", ":3: run.concurrency must be a single value"),
            ("run:\n  timeframes: {a: 1}\n", ":2: run.timeframes must be a list"),
            ("run:\n  timeframes: [1d, 2h]\n", ":2: run.timeframes: unknown timeframe '2h'; valid: 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w"),
            ("run:\n  events: maybe\n", ":2: run.events must be true or false (got 'maybe')"),
            ("plugins:\n  isolation: thread\n", ":2: plugins.isolation must be one of process, none (got 'thread')"),
            ("run:\n  rate: 0\n", ":2: run.rate must be above 0 (got 0)"),
            ("provider:\n  options: fast\n", ":2: provider.options must be a mapping of option names to values"),
            ("- just\n- a list\n", ":1: the file must be a mapping of sections"),
            ("run:\n  days: [unclosed\n", ": not valid YAML or JSON: "),
        ])
    func fileMistakes(_ text: String, _ expected: String) async throws {
        let folder = Folder()
        defer { withExtendedLifetime(folder) {} }
        let path = try folder.file(text)
        let message = try #require(await Self.failure(path))
        #expect(message.hasPrefix(path + expected), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test("a bad value from the environment or a flag names the variable or the flag")
    func environmentAndFlagMistakes() async throws {
        #expect(await Self.failure(nil, env: ["BACKFILL_RUN_CONCURRENCY": "0"]) == "BACKFILL_RUN_CONCURRENCY must be 1 to 64 (got 0)")
        #expect(
            await Self.failure(nil, env: ["BACKFILL_RUN_QUIET": "perhaps"]) == "BACKFILL_RUN_QUIET must be true or false (got 'perhaps')")
        var flags = Settings.Flags()
        flags.set("run.retries", 99, flag: "--retries")
        #expect(await Self.failure(nil, flags: flags) == "--retries must be 0 to 20 (got 99)")
        #expect(
            await Self.failure(nil, env: ["BACKFILL_RUN_SYMBOLS": "AAPL,../x"])
                == "BACKFILL_RUN_SYMBOLS: symbol '../x' must not start with '.'")
    }

    @Test("where the file is: --config, else BACKFILL_CONFIG, else $XDG_CONFIG_HOME/backfill/config.yaml; a named file must exist")
    func locate() async throws {
        let folder = Folder()
        defer { withExtendedLifetime(folder) {} }
        let named = try folder.file("run:\n  days: 1\n", name: "named.yaml")
        let fromEnv = try folder.file("run:\n  days: 2\n", name: "env.yaml")
        try FileManager.default.createDirectory(atPath: folder.dir.path + "/xdg/backfill", withIntermediateDirectories: true)
        _ = try folder.file("run:\n  days: 3\n", name: "xdg/backfill/config.yaml")
        let xdg = ["XDG_CONFIG_HOME": folder.dir.path + "/xdg"]
        #expect(try await Self.load(named, env: xdg.merging(["BACKFILL_CONFIG": fromEnv]) { a, _ in a }).int("run.days") == 1)
        #expect(try await Self.load(nil, env: xdg.merging(["BACKFILL_CONFIG": fromEnv]) { a, _ in a }).int("run.days") == 2)
        #expect(try await Self.load(nil, env: xdg).int("run.days") == 3)
        #expect(try await Self.load(nil, env: ["XDG_CONFIG_HOME": folder.dir.path + "/none"]).file == nil)
        #expect(await Self.failure(folder.dir.path + "/missing.yaml") == "--config '\(folder.dir.path)/missing.yaml': no such file")
        #expect(await Self.failure(nil, env: ["BACKFILL_CONFIG": "/nope.yaml"]) == "BACKFILL_CONFIG '/nope.yaml': no such file")
    }

    @Test("a JSON file is read the same way")
    func jsonFile() async throws {
        let folder = Folder()
        defer { withExtendedLifetime(folder) {} }
        let path = try folder.file(
            #"{"run": {"concurrency": 6, "settle_hours": 1.5, "events": true, "timeframes": ["1d", "1w"]}, "provider": {"options": {"root": "/r", "timeout_ms": 5000}}}"#,
            name: "c.json")
        let s = try await Self.load(path)
        #expect(try s.int("run.concurrency") == 6)
        #expect(try s.double("run.settle_hours") == 1.5)
        #expect(try s.bool("run.events"))
        #expect(s.resolved("run.concurrency").source == .file("\(path):1"))
        #expect(try s.list("run.timeframes") == ["1d", "1w"])
        #expect(s.providerOptions() == ["root": "/r", "timeout_ms": "5000"])
    }

    @Test("an empty list, or nothing after the colon, means none given (symbols: the registry's)")
    func emptyValues() async throws {
        for text in ["run:\n  symbols:\n", "run:\n  symbols: []\n", "run:\n"] {
            let folder = Folder()
            let s = try await Self.load(try folder.file(text))
            withExtendedLifetime(folder) {}
            #expect(try s.list("run.symbols") == nil, "\(text)")
        }
    }

    @Test("the example file is what config init writes, names every setting, and reads back as the defaults")
    func exampleFile() async throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/backfill.example.yaml")
        let committed = try String(contentsOf: docs, encoding: .utf8)
        #expect(
            committed == ExampleFile.text,
            "docs/backfill.example.yaml is stale: run backfill config init --path docs/backfill.example.yaml --force")
        let folder = Folder()
        defer { withExtendedLifetime(folder) {} }
        let path = try folder.file(ExampleFile.text)
        let s = try await Self.load(path)
        for spec in SettingKey.all {
            let name = String(spec.key.split(separator: ".")[1])
            #expect(ExampleFile.text.contains("\n  \(name):") || ExampleFile.text.contains("\n  # \(name):"), "\(spec.key)")
            #expect(ExampleFile.text.contains(spec.environment), "\(spec.key)")
            let r = s.resolved(spec.key)
            #expect(r.text == spec.defaultValue, "\(spec.key)")
            if spec.defaultValue != nil, case .file = r.source {
            } else if spec.defaultValue != nil {
                Issue.record("\(spec.key) not from the file")
            }
        }
    }
}
