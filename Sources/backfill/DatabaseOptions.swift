import ArgumentParser
import BackfillCore
import BackfillStore

/// `--database` (with `DATABASE_URL` and the embedded SQLite default behind it) and
/// `--db-retry-seconds`.
struct DatabaseOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where candles are stored: sqlite:PATH or postgres://user@host:port/db (default: DATABASE_URL, else sqlite:backfill.sqlite).",
            valueName: "url"))
    var database: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "How long a lost PostgreSQL connection is retried (and SQLite waits for another process's write lock) before work fails.",
            valueName: "seconds"))
    var dbRetrySeconds: Double = Stores.defaultRetrySeconds

    func validate() throws {
        guard dbRetrySeconds >= 0, dbRetrySeconds <= 86_400, dbRetrySeconds.isFinite else {
            throw CLIFailure.usage("--db-retry-seconds must be 0 to 86400 (got \(NumberFormat.decimal(dbRetrySeconds)))")
        }
    }

    /// The URL the user chose.
    func url() throws(CLIFailure) -> DatabaseURL {
        let text = database ?? Environment.all["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? DatabaseURL.defaultURL
        do { return try DatabaseURL.parse(text) } catch { throw .usage(error.message) }
    }

    /// Opens the store (creating or migrating the schema).
    func open() throws(CLIFailure) -> any CandleStore { try open(try url()) }

    /// Opens the store at `url`.
    func open(_ url: DatabaseURL) throws(CLIFailure) -> any CandleStore {
        do { return try Stores.open(url, retrySeconds: dbRetrySeconds) } catch { throw CLIFailure.store(error) }
    }
}

extension CLIFailure {
    /// A storage failure: configuration and connection problems are exit code 2, the rest 1.
    static func store(_ error: StoreError) -> CLIFailure {
        switch error.kind {
        case .configuration, .connection, .schema: .usage(error.message)
        default: .failed(error.message)
        }
    }
}
