import ArgumentParser
import BackfillCore
import BackfillOrchestrator
import BackfillPluginHost
import BackfillPresentation
import BackfillSettings

/// `backfill fetch`: ask one provider for one range and print the candles as CSV, storing nothing.
/// The tool for trying and debugging a plugin; requests go through the same rate limit and retries
/// as a run's.
struct Fetch: AsyncParsableCommand, PresentingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch candles from a provider and print them as CSV (stores nothing).",
        discussion:
            "For trying a provider or debugging a plugin. Output is the replay format. Rate-limited and retried like a run (--rate).")

    @OptionGroup var plugins: PluginOptions
    @OptionGroup var provider: ProviderOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "The symbol.") var symbol: String
    @Option(help: "The timeframe: 1m 5m 15m 30m 1h 4h 1d 1w.") var timeframe: String
    @Option(help: "Asset class: stock, etf, crypto, forex, index.") var assetClass: String = "stock"
    @Option(help: "Start (UTC, inclusive): YYYY-MM-DD[THH:MM[:SS]] or epoch ms.") var start: String
    @Option(help: "End (UTC, exclusive).") var end: String
    @Option(help: "Rows per page asked of the provider.") var pageSize: Int = 10_000
    @Option(help: "Requests per second (default: the provider's declared rate).") var rate: Double?
    @OptionGroup var config: ConfigOption

    func validate() throws {
        guard pageSize > 0 else { throw CLIFailure.usage("--page-size must be at least 1") }
    }

    func run() async throws {
        let request: CandleRequest
        do {
            let s = try UTCTime.parse(start), e = try UTCTime.parse(end)
            guard s < e else { throw InputError.invalid("--start must be before --end") }
            request = CandleRequest(
                symbol: try Symbol(symbol), assetClass: try AssetClass.parse(assetClass),
                timeframe: try Timeframe.parse(timeframe), start: s, end: e)
        } catch let error as InputError {
            throw CLIFailure.usage(error.message)
        }
        var f = Settings.Flags()
        plugins.flags(&f)
        provider.flags(&f)
        output.flags(&f, section: "run")
        f.set("run.rate", rate, flag: "--rate")
        let settings = try await config.load(f)
        let presenter = try output.presenter(settings, section: "run")
        let configuredRate: Double?
        do { configuredRate = try settings.double("run.rate") } catch { throw CLIFailure.settings(error) }
        let (instance, _) = try provider.instance(plugins: plugins, settings: settings, presenter: presenter)
        let caller = ProviderCaller(
            limiter: RateLimiter(rate: configuredRate ?? instance.provider.defaultRate), policy: RetryPolicy(), emit: presenter.emit)
        let batch = instance.makeBatch(capacity: min(pageSize, instance.provider.maxPageRows))
        var out = CSVWriter()
        out.header()
        var total = 0, rejected = 0, requests = 0
        do {
            requests = try await caller.eachPage(of: request, from: instance, into: batch) { page in
                let report = batch.validate(start: request.start, end: request.end, after: nil)
                rejected += page.rejected + report.rejected
                for i in 0..<batch.count { out.row(batch, i) }
                total += batch.count
            }
        } catch {
            out.flush()
            throw CLIFailure.failed("\(request.symbol) \(request.timeframe): \(error)")
        }
        out.flush()
        presenter.note(
            "fetch_finished", text: "\(total) candles\(rejected > 0 ? ", \(rejected) bad rows rejected" : "")",
            fields: [("candles", .int(Int64(total))), ("rejected", .int(Int64(rejected))), ("requests", .int(Int64(requests)))])
    }
}
