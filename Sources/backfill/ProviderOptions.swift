import ArgumentParser
import BackfillPluginHost
import BackfillPresentation
import BackfillSettings

/// Options that pick and configure a provider (settings `provider.name`, `provider.options`).
struct ProviderOptions: ParsableArguments {
    @Option(help: "The provider plugin to use (see `backfill providers`; default replay).")
    var provider: String?

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

    func validate() throws {
        for item in providerOptions {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw CLIFailure.usage("--provider-option '\(item)' must be key=value")
            }
        }
    }

    func flags(_ f: inout Settings.Flags) {
        f.set("provider.name", provider, flag: "--provider")
        var options: [String: String] = [:]
        for item in providerOptions {
            guard let eq = item.firstIndex(of: "=") else { continue }
            options[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        if let replayDir { options["root"] = replayDir }
        f.setOptions(options)
    }

    /// The chosen provider's name.
    func name(_ settings: Settings) throws(CLIFailure) -> String {
        do { return try settings.string("provider.name") ?? "replay" } catch { throw .settings(error) }
    }

    /// The provider configuration: every option the flags, the environment and the file set;
    /// for replay, the bundled samples when nothing names a folder.
    func configuration(_ settings: Settings) throws(CLIFailure) -> [String: String] {
        let provider = try name(settings)
        if replayDir != nil && provider != "replay" {
            throw .usage("--replay-dir is for the replay provider; use --provider-option for '\(provider)'")
        }
        var config = settings.providerOptions()
        if provider == "replay", config["root"] == nil { config["root"] = Self.bundledSamples }
        return config
    }

    /// Loads the plugins (logging through `presenter`), starts an instance of the chosen provider,
    /// and masks its secret options' values in everything the command writes from then on. A
    /// configuration file that holds an option the provider declares secret must be private.
    ///
    /// - Returns: the instance and the configuration it was made with.
    func instance(plugins: PluginOptions, settings: Settings, presenter: Presenter) throws(CLIFailure) -> (
        ProviderInstance, [String: String]
    ) {
        let registry = try plugins.registry(settings, logger: presenter.logger(verbose: plugins.verbose))
        if plugins.verbose { for failure in registry.failures { presenter.output.err("warning: plugin \(failure)") } }
        let provider = try name(settings)
        let loaded: LoadedProvider
        do { loaded = try registry.provider(named: provider) } catch { throw .usage(error.description) }
        let secret = Set(loaded.options.filter(\.secret).map(\.name))
        do { try settings.file?.checkPrivate(secrets: secret.sorted().map { "provider.options.\($0)" }) } catch { throw .settings(error) }
        let config = try configuration(settings)
        presenter.output.hide(config.filter { secret.contains($0.key) }.map(\.value))
        do {
            return (try loaded.makeInstance(configuration: config), config)
        } catch {
            throw .usage("provider '\(provider)': \(error.message)")
        }
    }
}
