import ArgumentParser
import BackfillCore
import BackfillPluginHost
import BackfillPresentation
import BackfillSettings

/// `backfill providers`: what plugins were found, and which files failed to load and why.
struct Providers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the provider plugins found, and the files that failed to load.",
        discussion: """
            Plugins are searched in every --plugin-dir, then in BACKFILL_PLUGIN_PATH (colon-separated), \
            then next to the backfill executable. The first plugin with a given name wins.
            """)

    @OptionGroup var plugins: PluginOptions
    @OptionGroup var config: ConfigOption

    @Flag(help: "Print the folders searched too.")
    var searched = false

    func run() async throws {
        var f = Settings.Flags()
        plugins.flags(&f)
        let registry = try plugins.registry(try await config.load(f))
        switch registry.isolation {
        case .none:
            print("isolation: none (plugins run in this process)\n")
        case .process(let p):
            let memory = p.memoryLimitMB == 0 ? "no memory limit" : "memory limit \(p.memoryLimitMB) MiB"
            print(
                "isolation: process (a child process per provider instance; requests time out after \(Format.seconds(p.requestTimeout)), \(memory))\n"
            )
        }
        if registry.providers.isEmpty {
            print("No provider plugins found.")
        }
        for p in registry.providers {
            print("\(p.name) \(p.version)  (ABI \(p.abiVersion))")
            if !p.summary.isEmpty { print("  \(p.summary)") }
            print("  capabilities: \(p.capabilities)")
            print("  timeframes:   \(p.timeframes.map(\.rawValue).joined(separator: " "))")
            print("  default rate: \(p.defaultRate == 0 ? "unlimited" : "\(Format.rate(p.defaultRate)) requests/s")")
            print(
                "  bars:         daily at \(p.dailyStampsNewYorkMidnight ? "00:00 New York" : "00:00 UTC"), 4h from \(p.fourHourAnchorNewYork ? "00:00 New York" : "00:00 UTC")"
            )
            if !p.options.isEmpty {
                print("  options:")
                let width = p.options.map(\.name.count).max() ?? 0
                for o in p.options {
                    let value = o.secret ? " (secret)" : o.defaultValue.map { " = \($0)" } ?? ""
                    let head = o.name + value
                    print("    \(head)\(String(repeating: " ", count: max(0, width + 10 - head.count)))  \(o.help)")
                }
            }
            print("  path:         \(p.path)")
        }
        if !registry.failures.isEmpty {
            print("\nFailed to load:")
            for f in registry.failures { print("  \(f)") }
        }
        if searched {
            print("\nSearched:")
            for dir in registry.searched { print("  \(dir)") }
        }
    }
}
