import ArgumentParser
import BackfillPluginHost
import BackfillPresentation
import BackfillSettings
import BackfillSetup

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

    func validate() throws {
        _ = try Self.keyValues(providerOptions, flag: "--provider-option")
    }

    /// `key=value` items as a dictionary (a later key wins), or the usage error naming `flag`.
    static func keyValues(_ items: [String], flag: String) throws(CLIFailure) -> [String: String] {
        var options: [String: String] = [:]
        for item in items {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else { throw .usage("\(flag) '\(item)' must be key=value") }
            options[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        return options
    }

    func flags(_ f: inout Settings.Flags) {
        f.set("provider.name", provider, flag: "--provider")
        var options = (try? Self.keyValues(providerOptions, flag: "--provider-option")) ?? [:]
        if let replayDir { options["root"] = replayDir }
        f.setOptions(options)
    }

    /// The chosen provider's name.
    func name(_ settings: Settings) throws(CLIFailure) -> String {
        do { return try Setup.providerName(settings) } catch { throw .setup(error) }
    }

    /// `--replay-dir` names a replay folder: refused for another provider.
    func vet(_ provider: String) throws(SetupError) {
        if replayDir != nil && provider != "replay" {
            throw .usage("--replay-dir is for the replay provider; use --provider-option for '\(provider)'")
        }
    }

    /// Loads the plugins (logging through `presenter`), starts an instance of the chosen provider,
    /// and masks its secret options' values in everything the command writes from then on.
    ///
    /// - Returns: the instance and the configuration it was made with.
    func instance(plugins: PluginOptions, settings: Settings, presenter: Presenter) throws(CLIFailure) -> (
        ProviderInstance, [String: String]
    ) {
        let registry = try plugins.registry(settings, logger: presenter.logger(verbose: plugins.verbose))
        if plugins.verbose { for failure in registry.failures { presenter.output.err("warning: plugin \(failure)") } }
        do {
            let started = try Setup.provider(settings, registry: registry, hide: { presenter.output.hide($0) }, vet: vet)
            return (started.instance, started.configuration)
        } catch {
            throw .setup(error)
        }
    }
}
