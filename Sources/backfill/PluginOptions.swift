import ArgumentParser
import BackfillPluginHost
import BackfillPresentation
import Logging

/// Options every command that talks to providers shares: where plugins are, and how they are
/// isolated from this process.
struct PluginOptions: ParsableArguments {
    @Option(
        name: .customLong("plugin-dir"),
        help: ArgumentHelp("A folder of provider plugins to load (repeatable).", valueName: "dir"))
    var pluginDirs: [String] = []

    @Flag(name: .shortAndLong, help: "Log more (plugin messages, each request).")
    var verbose = false

    @Option(
        help: ArgumentHelp(
            "process: each provider runs in a child process (a crash or hang costs one request); none: loaded into this process (for a debugger, or to measure the cost).",
            valueName: "process|none"))
    var isolation: String = "process"

    @Option(help: ArgumentHelp("A provider call not answered after this many seconds is ended and retried.", valueName: "seconds"))
    var requestTimeout: Double = 300

    @Option(
        help: ArgumentHelp(
            "The provider child process's address-space limit (RLIMIT_AS), in MiB: a runaway allocation fails there (default 0: none).",
            valueName: "MiB"))
    var providerMemoryLimit: Int = 0

    @Option(
        help: ArgumentHelp(
            "After this many crashes or timeouts of a provider in a row, it is not called again in the run.", valueName: "n",
            visibility: .hidden))
    var maxProviderFaults: Int = 3

    func validate() throws {
        guard isolation == "process" || isolation == "none" else {
            throw CLIFailure.usage("unknown --isolation '\(isolation)'; valid: process, none")
        }
        guard requestTimeout > 0, requestTimeout <= 86_400, requestTimeout.isFinite else {
            throw CLIFailure.usage("--request-timeout must be above 0 and at most 86400 seconds")
        }
        guard providerMemoryLimit >= 0 else { throw CLIFailure.usage("--provider-memory-limit must be 0 (none) or more MiB") }
        if providerMemoryLimit > 0 && providerMemoryLimit < 256 {
            throw CLIFailure.usage("--provider-memory-limit must be at least 256 MiB (a child needs that much to start) or 0")
        }
        guard maxProviderFaults >= 1 else { throw CLIFailure.usage("--max-provider-faults must be at least 1") }
    }

    /// Where plugins run, from the flags: the `backfill` executable itself starts the children.
    var pluginIsolation: PluginIsolation {
        guard isolation == "process", let helper = PluginRegistry.executablePath() else { return .none }
        return .process(
            ProcessIsolation(
                helper: helper, requestTimeout: requestTimeout, memoryLimitMB: providerMemoryLimit, maxConsecutiveFaults: maxProviderFaults)
        )
    }

    /// Loads the plugins from the flags, the environment and the executable's folder; plugins
    /// log through `logger`.
    func registry(logger: Logger) -> PluginRegistry {
        PluginRegistry(
            pluginDirs: pluginDirs, environment: Environment.all, executableDir: PluginRegistry.executableDirectory(),
            logger: logger, isolation: pluginIsolation)
    }

    /// The registry, logging as plain text on stderr.
    func registry() -> PluginRegistry { registry(logger: Presenter(format: .text, quiet: false).logger(verbose: verbose)) }
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
