import ArgumentParser
import BackfillPluginHost
import BackfillPresentation

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

    /// Loads the plugins (logging through `presenter`), starts an instance of the chosen provider,
    /// and masks its secret options' values in everything the command writes from then on.
    ///
    /// - Returns: the instance and the configuration it was made with.
    func instance(plugins: PluginOptions, presenter: Presenter) throws(CLIFailure) -> (ProviderInstance, [String: String]) {
        let registry = plugins.registry(logger: presenter.logger(verbose: plugins.verbose))
        if plugins.verbose { for failure in registry.failures { presenter.output.err("warning: plugin \(failure)") } }
        let instance = try instance(registry: registry)
        let config = try configuration()
        let secret = Set(instance.provider.options.filter(\.secret).map(\.name))
        presenter.output.hide(config.filter { secret.contains($0.key) }.map(\.value))
        return (instance, config)
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
