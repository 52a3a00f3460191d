import ArgumentParser
import BackfillStore

/// `--database`, with `DATABASE_URL` and the embedded SQLite default behind it.
struct DatabaseOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where candles are stored: sqlite:PATH or postgres://user@host:port/db (default: DATABASE_URL, else sqlite:backfill.sqlite).",
            valueName: "url"))
    var database: String?

    /// The URL the user chose.
    func url() throws(CLIFailure) -> DatabaseURL {
        let text = database ?? Environment.all["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? DatabaseURL.defaultURL
        do { return try DatabaseURL.parse(text) } catch { throw .usage(error.message) }
    }

    /// Opens the store (creating or migrating the schema).
    func open() throws(CLIFailure) -> any CandleStore {
        let url = try url()
        do { return try Stores.open(url) } catch { throw CLIFailure.store(error) }
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
