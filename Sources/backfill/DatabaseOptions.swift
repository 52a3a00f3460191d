import ArgumentParser
import BackfillCore
import BackfillSettings
import BackfillSetup
import BackfillStore

/// `--database`, `--db-retry-seconds` and `--partition` (settings `database.url`,
/// `database.retry_seconds`, `database.partition`).
struct DatabaseOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where candles are stored: sqlite:PATH or postgres://user@host:port/db (default: DATABASE_URL, else sqlite:backfill.sqlite).",
            valueName: "url"))
    var database: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "How long a lost PostgreSQL connection is retried (and SQLite waits for another process's write lock) before work fails (default 60).",
            valueName: "seconds"))
    var dbRetrySeconds: Double?

    @Option(
        help: ArgumentHelp(
            "When the schema is created: none (candles in one table, the default) or monthly (PostgreSQL: candles range-partitioned by month).",
            valueName: "layout"))
    var partition: String?

    func flags(_ f: inout Settings.Flags) {
        f.set("database.url", database, flag: "--database")
        f.set("database.partition", partition, flag: "--partition")
        f.set("database.retry_seconds", dbRetrySeconds.map(NumberFormat.decimal), flag: "--db-retry-seconds")
    }

    /// The settings of a command whose only settings are the database's.
    func settings(_ config: ConfigOption) async throws(CLIFailure) -> Settings {
        var f = Settings.Flags()
        flags(&f)
        return try await config.load(f)
    }

    /// Opens the store the flags, the environment or the file name.
    func open(_ config: ConfigOption) async throws(CLIFailure) -> any CandleStore { try open(try await settings(config)) }

    /// The URL the settings name.
    func url(_ settings: Settings) throws(CLIFailure) -> DatabaseURL {
        do { return try Setup.databaseURL(settings) } catch { throw .setup(error) }
    }

    /// Opens the store (creating or migrating the schema).
    func open(_ settings: Settings) throws(CLIFailure) -> any CandleStore { try open(try url(settings), settings) }

    /// Opens the store at `url`.
    func open(_ url: DatabaseURL, _ settings: Settings) throws(CLIFailure) -> any CandleStore {
        do { return try Setup.openStore(url, settings) } catch { throw .setup(error) }
    }
}

extension CLIFailure {
    /// A storage failure: configuration and connection problems are exit code 2, the rest 1.
    static func store(_ error: StoreError) -> CLIFailure { .setup(.store(error)) }

    /// A setup failure: usage and an unreachable database are exit code 2, the rest 1.
    static func setup(_ error: SetupError) -> CLIFailure {
        switch error.kind {
        case .usage, .unavailable: .usage(error.message)
        case .failed: .failed(error.message)
        }
    }
}
