import ArgumentParser
import BackfillSettings
import BackfillSetup

/// `--config FILE`: the configuration file every command reads (docs/configuration.md).
struct ConfigOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The configuration file (default: BACKFILL_CONFIG, else ./backfill.yaml, else $XDG_CONFIG_HOME/backfill/config.yaml).",
            valueName: "file"))
    var config: String?

    /// The settings: the command's `flags` over the environment over the file over the defaults.
    func load(_ flags: Settings.Flags) async throws(CLIFailure) -> Settings {
        do { return try await Settings.load(config: config, flags: flags, environment: ProcessEnvironment.all) } catch {
            throw .usage(error.message)
        }
    }
}

extension CLIFailure {
    /// A configuration mistake (always exit code 2).
    static func settings(_ error: SettingsError) -> CLIFailure { .usage(error.message) }
}
