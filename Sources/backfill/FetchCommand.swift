import ArgumentParser
import BackfillCore
import BackfillPluginHost

/// `backfill fetch`: ask one provider for one range and print the candles as CSV, storing nothing.
/// The tool for trying and debugging a plugin.
struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch candles from a provider and print them as CSV (stores nothing).",
        discussion: "For trying a provider or debugging a plugin. Output is the replay format.")

    @OptionGroup var plugins: PluginOptions
    @OptionGroup var provider: ProviderOptions

    @Option(help: "The symbol.") var symbol: String
    @Option(help: "The timeframe: 1m 5m 15m 30m 1h 4h 1d 1w.") var timeframe: String
    @Option(help: "Asset class: stock, etf, crypto, forex, index.") var assetClass: String = "stock"
    @Option(help: "Start (UTC, inclusive): YYYY-MM-DD[THH:MM[:SS]] or epoch ms.") var start: String
    @Option(help: "End (UTC, exclusive).") var end: String
    @Option(help: "Rows per page asked of the provider.") var pageSize: Int = 10_000

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
        guard pageSize > 0 else { throw CLIFailure.usage("--page-size must be at least 1") }
        let instance = try provider.instance(registry: plugins.registry())
        let batch = CandleBatch(capacity: min(pageSize, instance.provider.maxPageRows))
        var cursor: String?
        var out = CSVWriter()
        out.header()
        var total = 0, rejected = 0
        repeat {
            let page: PageInfo
            do {
                page = try await instance.fetchPage(request, cursor: cursor, into: batch)
            } catch {
                if error.kind == .noData { break }
                out.flush()
                throw CLIFailure.failed("\(request.symbol) \(request.timeframe): \(error)")
            }
            let report = batch.validate(start: request.start, end: request.end, after: nil)
            rejected += page.rejected + report.rejected
            for i in 0..<batch.count { out.row(batch, i) }
            total += batch.count
            cursor = page.nextCursor
        } while cursor != nil
        out.flush()
        Terminal.printError("\(total) candles\(rejected > 0 ? ", \(rejected) bad rows rejected" : "")")
    }
}

/// Options that pick and configure a provider.
struct ProviderOptions: ParsableArguments {
    @Option(help: "The provider plugin to use (see `backfill providers`).")
    var provider: String = "replay"

    @Option(
        name: .customLong("provider-option"),
        help: ArgumentHelp("A provider setting as key=value (repeatable).", valueName: "key=value"))
    var providerOptions: [String] = []

    @Option(help: "The replay provider's data folder (default: the sample data bundled with Backfill).")
    var replayDir: String?

    /// The sample folder in the source tree this binary was built from.
    static let bundledSamples: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path + "/Plugins/Replay/Samples"
    }()

    /// The provider configuration from the flags.
    func configuration() throws(CLIFailure) -> [String: String] {
        var config: [String: String] = [:]
        for item in providerOptions {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw .usage("--provider-option '\(item)' must be key=value")
            }
            config[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        if let replayDir {
            guard provider == "replay" else {
                throw .usage("--replay-dir is for the replay provider; use --provider-option for '\(provider)'")
            }
            config["root"] = replayDir
        }
        if provider == "replay", config["root"] == nil {
            config["root"] = Environment.all["BACKFILL_REPLAY_DIR"] ?? Self.bundledSamples
        }
        return config
    }

    /// Loads the chosen provider and starts an instance.
    func instance(registry: PluginRegistry) throws(CLIFailure) -> ProviderInstance {
        let loaded: LoadedProvider
        do { loaded = try registry.provider(named: provider) } catch { throw .usage(error.description) }
        do {
            return try loaded.makeInstance(configuration: try configuration())
        } catch let error as ProviderError {
            throw .usage("provider '\(provider)': \(error.message)")
        } catch let error as CLIFailure {
            throw error
        } catch {
            throw .usage("provider '\(provider)': \(error)")
        }
    }
}
