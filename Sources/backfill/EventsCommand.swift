import ArgumentParser
import BackfillCore
import BackfillOrchestrator
import BackfillPluginHost
import BackfillPresentation
import BackfillSettings
import BackfillStore

/// `backfill events`: splits, dividends, earnings and ticker changes from the provider into the
/// corporate-events table (the same fetcher as the run's events stage and ticker step).
struct Events: AsyncParsableCommand, PresentingCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Fetch splits, dividends, earnings and ticker changes and store them (export candles --adjusted applies splits and dividends).",
        discussion: "Default range: ex dates from 1990-01-01 to a year from today (declared future dividends).")

    @OptionGroup var plugins: PluginOptions
    @OptionGroup var provider: ProviderOptions
    @Option(help: "Comma-separated symbols (default: the active symbols in the store).") var symbols: String?
    @Option(help: "First ex date (UTC, inclusive).") var start: String = "1990-01-01"
    @Option(help: "Last ex date (UTC, exclusive; default a year from today).") var end: String?
    @Option(help: "Requests per second (default: the provider's declared rate).") var rate: Double?
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var config: ConfigOption

    func run() async throws {
        var f = Settings.Flags()
        plugins.flags(&f)
        provider.flags(&f)
        db.flags(&f)
        output.flags(&f, section: "run")
        f.set("run.symbols", symbols, flag: "--symbols")
        f.set("run.rate", rate, flag: "--rate")
        let settings = try await config.load(f)
        let presenter = try output.presenter(settings, section: "run")
        let (a, b) = try Self.range(start, end)
        let configuredRate: Double?
        do { configuredRate = try settings.double("run.rate") } catch { throw CLIFailure.settings(error) }
        let url = try db.url(settings)
        presenter.output.hide([url.password].compactMap { $0 })
        let store = try db.open(url, settings)
        store.connectionEvents = { presenter.emit(.database($0)) }
        let records = try PairSelection.resolveSymbols(store, settings)
        let (instance, _) = try provider.instance(plugins: plugins, settings: settings, presenter: presenter)
        let caller = ProviderCaller(
            limiter: RateLimiter(rate: configuredRate ?? instance.provider.defaultRate), policy: RetryPolicy(), emit: presenter.emit)
        let fetcher = EventFetcher(instance: instance, store: StoreQueue(store), caller: caller)
        let outcomes = await fetcher.fetch(records, start: a, end: b, standalone: true)
        // Ticker changes, whatever the range: the whole chain of each stock and ETF, asked now.
        let checks = await fetcher.checkTickers(records, maxAge: 0)
        if outcomes.contains(where: { $0.error != nil }) || checks.contains(where: { $0.error != nil }) {
            throw CLIFailure(message: "", exitCode: 1)
        }
    }

    static func range(_ start: String, _ end: String?) throws(CLIFailure) -> (Int64, Int64) {
        do throws(InputError) {
            let a = try UTCTime.parse(start)
            let b = try end.map { t throws(InputError) in try UTCTime.parse(t) } ?? (UTCTime.now() + 366 * UTCTime.msPerDay)
            guard a < b else { throw InputError.invalid("--start must be before --end") }
            return (a, b)
        } catch {
            throw .usage(error.message)
        }
    }
}
