/// One setting Backfill reads: its key in the file (`section.name`), what values it takes, its
/// default, the flag that sets it and whether it is secret. Its environment variable is the key
/// uppercased with `BACKFILL_` in front (`run.concurrency` → `BACKFILL_RUN_CONCURRENCY`), plus the
/// older names some keys also answer to (`DATABASE_URL`).
public struct SettingKey: Sendable {
    /// The kinds of value a setting takes; bounds are inclusive.
    public enum Kind: Sendable {
        case string
        case int(ClosedRange<Int>)
        case double(ClosedRange<Double>)
        case bool
        /// One of these words.
        case choice([String])
        /// A list: a YAML sequence, or a comma-separated string.
        case list
        /// `provider.options`: a mapping of the provider's own option names to values.
        case map
    }

    public let key: String
    public let kind: Kind
    /// The value when nothing sets it (nil: none, or computed by the command).
    public let defaultValue: String?
    /// The command-line flag that sets it (for messages and `config show`).
    public let flag: String?
    /// Older environment variables that also set it, after `BACKFILL_...`.
    public let legacyEnvironment: [String]
    public let help: String

    init(
        _ key: String, _ kind: Kind, default defaultValue: String? = nil, flag: String? = nil, legacy: [String] = [], _ help: String
    ) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.flag = flag
        legacyEnvironment = legacy
        self.help = help
    }

    /// `BACKFILL_RUN_CONCURRENCY` for `run.concurrency`.
    public var environment: String { Self.environmentName(key) }

    static func environmentName(_ key: String) -> String {
        "BACKFILL_" + key.uppercased().replacing(".", with: "_")
    }

    /// The file's sections, in the order the example file has them.
    public static let sections = ["database", "plugins", "provider", "run", "features", "serve", "worker"]
}

extension SettingKey {
    /// Every setting, in the example file's order.
    public static let all: [SettingKey] = [
        SettingKey(
            "database.url", .string, default: "sqlite:backfill.sqlite", flag: "--database", legacy: ["DATABASE_URL"],
            "where candles are stored: sqlite:PATH or postgres://user:password@host:port/db"),
        SettingKey(
            "database.retry_seconds", .double(0...86_400), default: "60", flag: "--db-retry-seconds",
            "how long a lost PostgreSQL connection is retried (SQLite: a busy database waited for)"),
        SettingKey(
            "database.partition", .choice(["none", "monthly"]), default: "none", flag: "--partition",
            "when the schema is created: candles in one table, or (PostgreSQL) range-partitioned by month"),
        SettingKey("plugins.dirs", .list, flag: "--plugin-dir", "folders of provider plugins, searched first"),
        SettingKey(
            "plugins.isolation", .choice(["process", "none"]), default: "process", flag: "--isolation",
            "process: each provider in a child process; none: loaded into backfill"),
        SettingKey(
            "plugins.request_timeout", .double(0.001...86_400), default: "300", flag: "--request-timeout",
            "seconds before an unanswered provider call is ended and retried"),
        SettingKey(
            "plugins.memory_limit_mb", .int(0...1_048_576), default: "0", flag: "--provider-memory-limit",
            "the provider child's address-space limit in MiB (0: none; else at least 256)"),
        SettingKey("provider.name", .string, default: "replay", flag: "--provider", "the provider plugin to use (backfill providers)"),
        SettingKey(
            "provider.options", .map, flag: "--provider-option",
            "the provider's options (backfill providers lists them); secret ones belong in the environment or a 0600 file"),
        SettingKey("run.symbols", .list, flag: "--symbols", "the symbols to backfill (default: the active symbols in the database)"),
        SettingKey(
            "run.timeframes", .list, default: "1m,5m,15m,30m,1h,4h,1d,1w", flag: "--timeframes", "the timeframes to backfill"),
        SettingKey("run.days", .int(1...36_500), default: "365", flag: "--days", "days back from today 00:00 UTC"),
        SettingKey("run.concurrency", .int(1...64), default: "4", flag: "--concurrency", "symbol/timeframe pairs fetched at once"),
        SettingKey("run.rate", .double(0.000_001...1_000_000), flag: "--rate", "requests per second (default: the provider's own rate)"),
        SettingKey("run.retries", .int(0...20), default: "2", flag: "--retries", "refill attempts for fetch_failed and suspect gaps"),
        SettingKey(
            "run.settle_hours", .double(0...8_784), default: "24", flag: "--settle-hours",
            "hours before now whose missing bars are pending, asked for again by the next run"),
        SettingKey("run.page_size", .int(1...10_000_000), default: "10000", flag: "--page-size", "rows asked per request"),
        SettingKey(
            "run.results", .string, default: "backfill-results.json", flag: "--results", "where the results document is written"),
        SettingKey(
            "run.wait_lock", .int(0...86_400), default: "0", flag: "--wait-lock", "seconds to wait for another run on the database"),
        SettingKey("run.events", .bool, default: "false", flag: "--events", "also fetch splits and dividends"),
        SettingKey(
            "run.verify", .bool, default: "false", flag: "--verify",
            "also check the stored bars after the refills (backfill verify's checks; an error finding is exit code 1)"),
        SettingKey(
            "run.distributed", .bool, default: "false", flag: "--distributed",
            "fetch through backfill workers sharing the PostgreSQL database's job queue"),
        SettingKey("run.features", .bool, default: "false", flag: "--features", "also compute the features of the pairs that changed"),
        SettingKey(
            "run.metrics_file", .string, flag: "--metrics-file",
            "also write the run's metrics there, in the Prometheus text format (a node-exporter textfile)"),
        SettingKey("run.log_format", .choice(["text", "json"]), default: "text", flag: "--log-format", "text, or JSON lines on stderr"),
        SettingKey("run.quiet", .bool, default: "false", flag: "--quiet", "only errors and a one-line summary"),
        SettingKey(
            "features.concurrency", .int(1...64), flag: "--concurrency", "pairs computed at once (default: the number of cores)"),
        SettingKey(
            "features.log_format", .choice(["text", "json"]), default: "text", flag: "--log-format", "text, or JSON lines on stderr"),
        SettingKey(
            "serve.listen", .string, default: "127.0.0.1:8080", flag: "--listen",
            "the address backfill serve listens on (HOST:PORT; port 0 picks a free one)"),
        SettingKey("serve.tls_cert", .string, flag: "--tls-cert", "a PEM certificate: serve speaks HTTPS with it"),
        SettingKey("serve.tls_key", .string, flag: "--tls-key", "the certificate's PEM private key"),
        SettingKey(
            "serve.log_format", .choice(["text", "json"]), default: "text", flag: "--log-format", "text, or JSON lines on stderr"),
        SettingKey("worker.name", .string, flag: "--name", "the name a worker registers under (default HOST:PID)"),
        SettingKey(
            "worker.lease_seconds", .double(0.5...86_400), default: "30", flag: "--lease-seconds",
            "how long a worker's claim on a job lasts without a heartbeat before another worker may take it over"),
    ]

    /// The setting with this key.
    public static func named(_ key: String) -> SettingKey? { all.first { $0.key == key } }
}
