import ArgumentParser
import BackfillCore
import BackfillPluginHost
import BackfillSettings
import BackfillSetup
import BackfillStore
import Logging

/// `backfill config`: write the example configuration file, and show what a run would use.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Write a configuration file, or show the configuration in effect and where each value comes from.",
        discussion: "docs/configuration.md: the file, its sections, the environment variables, precedence (flag > env > file > default).",
        subcommands: [Init.self, Show.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the commented example configuration (every setting, its default, its variable and flag), mode 0600.")

        @Option(help: ArgumentHelp("Where to write it.", valueName: "file")) var path = "backfill.yaml"
        @Flag(help: "Replace the file if it exists.") var force = false

        func run() throws {
            do {
                try AtomicFile.write(ExampleFile.text, to: path, mode: 0o600, replace: force)
            } catch {
                throw CLIFailure.usage(error.message + (force ? "" : " (--force replaces it)"))
            }
            print(
                "wrote \(path) (mode 0600); edit it, then check it with: backfill config show\(path == "backfill.yaml" ? "" : " --config \(path)")"
            )
        }
    }

    /// Takes every flag `run` takes, so `config show` answers "what would this run use?".
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every setting's effective value and where it came from: flag, env, file:line, default.",
            discussion: """
                Takes run's flags, so `backfill config show --concurrency 8` shows what `backfill run --concurrency 8` \
                would use. Secrets (the provider's secret options, a database password) are masked.
                """)

        @Flag(help: "Print JSON: an array of {key, value, source}.") var json = false
        @OptionGroup var arguments: RunArguments

        func run() async throws {
            let settings = try await arguments.settings()
            let secret = declaredSecrets(settings)
            var rows: [(key: String, value: String, source: String)] = []
            for e in settings.entries() {
                var value = e.value ?? "-"
                if e.key == "database.url", let text = e.value { value = (try? DatabaseURL.parse(text).description) ?? "***" }
                if let name = e.key.optionName, e.value != nil, secret.contains(name) || SecretName.looksSecret(name) { value = "***" }
                rows.append((e.key, value, e.source.description))
            }
            if try arguments.provider.name(settings) == "replay", !rows.contains(where: { $0.key == "provider.options.root" }) {
                let at = (rows.firstIndex { $0.key == "provider.name" } ?? rows.count - 1) + 1
                rows.insert(("provider.options.root", Setup.bundledSamples, "default (the bundled samples)"), at: at)
            }
            let file = settings.file.map { "\($0.path) (mode 0\(String($0.mode, radix: 8)))" }
            if json {
                let items = rows.map {
                    JSON.object([("key", .string($0.key)), ("value", .string($0.value)), ("source", .string($0.source))])
                }
                print(JSON.object([("file", file.map { .string($0) } ?? .null), ("settings", .array(items))]).text(indent: 2))
                return
            }
            print(
                "configuration file: \(file ?? "none (--config, BACKFILL_CONFIG, ./backfill.yaml, $XDG_CONFIG_HOME/backfill/config.yaml)")")
            print("")
            let keyWidth = rows.map(\.key.count).max() ?? 0
            let valueWidth = rows.map(\.value.count).max() ?? 0
            for r in rows {
                let k = r.key.padding(keyWidth), v = r.value.padding(valueWidth)
                print("\(k)  \(v)  \(r.source)")
            }
        }

        /// The options the chosen provider declares secret (none when it cannot be loaded: the
        /// names that look secret are masked whatever the provider says).
        private func declaredSecrets(_ settings: Settings) -> Set<String> {
            let logger = Logger(label: "backfill.config") { _ in SwiftLogNoOpLogHandler() }
            guard let registry = try? arguments.plugins.registry(settings, logger: logger),
                let name = try? arguments.provider.name(settings), let loaded = try? registry.provider(named: name)
            else { return [] }
            return Set(loaded.options.filter(\.secret).map(\.name))
        }
    }
}

extension String {
    /// `api_key` for `provider.options.api_key`.
    fileprivate var optionName: String? {
        hasPrefix("provider.options.") ? String(dropFirst("provider.options.".count)) : nil
    }

    fileprivate func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
