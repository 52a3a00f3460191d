import ArgumentParser
import BackfillPluginHost
import BackfillPresentation
import BackfillSettings
import BackfillSetup
import Logging

/// Options every command that talks to providers shares: where plugins are, and how they are
/// isolated from this process (settings `plugins.*`).
struct PluginOptions: ParsableArguments {
    @Option(
        name: .customLong("plugin-dir"),
        help: ArgumentHelp("A folder of provider plugins to load (repeatable).", valueName: "dir"))
    var pluginDirs: [String] = []

    @Flag(name: .shortAndLong, help: "Log more (plugin messages, each request).")
    var verbose = false

    @Option(
        help: ArgumentHelp(
            "process (default): each provider runs in a child process (a crash or hang costs one request); none: loaded into this process (for a debugger, or to measure the cost).",
            valueName: "process|none"))
    var isolation: String?

    @Option(
        help: ArgumentHelp("A provider call not answered after this many seconds is ended and retried (default 300).", valueName: "seconds")
    )
    var requestTimeout: Double?

    @Option(
        help: ArgumentHelp(
            "The provider child process's address-space limit (RLIMIT_AS), in MiB: a runaway allocation fails there (default 0: none).",
            valueName: "MiB"))
    var providerMemoryLimit: Int?

    @Option(
        help: ArgumentHelp(
            "After this many crashes or timeouts of a provider in a row, it is not called again in the run.", valueName: "n",
            visibility: .hidden))
    var maxProviderFaults: Int = 3

    func validate() throws {
        guard maxProviderFaults >= 1 else { throw CLIFailure.usage("--max-provider-faults must be at least 1") }
    }

    func flags(_ f: inout Settings.Flags) {
        f.set("plugins.dirs", list: pluginDirs, flag: "--plugin-dir")
        f.set("plugins.isolation", isolation, flag: "--isolation")
        f.set("plugins.request_timeout", requestTimeout, flag: "--request-timeout")
        f.set("plugins.memory_limit_mb", providerMemoryLimit, flag: "--provider-memory-limit")
    }

    /// Loads the plugins from the settings' folders, the environment and the executable's folder;
    /// plugins log through `logger`.
    func registry(_ settings: Settings, logger: Logger) throws(CLIFailure) -> PluginRegistry {
        do {
            return try Setup.registry(settings, environment: settings.environment, logger: logger, maxConsecutiveFaults: maxProviderFaults)
        } catch {
            throw .setup(error)
        }
    }

    /// The registry, logging as plain text on stderr.
    func registry(_ settings: Settings) throws(CLIFailure) -> PluginRegistry {
        try registry(settings, logger: Presenter(format: .text, quiet: false).logger(verbose: verbose))
    }
}

/// `backfill plugin-child`: the process a provider plugin runs in (started by the host; not for
/// people).
struct PluginChildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin-child", abstract: "Run a provider plugin for a backfill process (internal).", shouldDisplay: false)

    @Option var plugin: String?
    @Option var memoryLimitMb: Int = 0
    @Flag var scan = false
    @Argument var files: [String] = []

    func run() throws {
        if scan { PluginChild.scan(paths: files) }
        guard let plugin else { throw CLIFailure.usage("plugin-child needs --plugin PATH or --scan FILE...") }
        PluginChild.serve(path: plugin, memoryLimitMB: memoryLimitMb)
    }
}
