/// The commented example configuration, made from ``SettingKey/all`` so it cannot drift from
/// what Backfill reads: `backfill config init` writes it, and `docs/backfill.example.yaml` is a
/// copy a test keeps equal.
public enum ExampleFile {
    /// The example file's text: every setting with its help, its environment variable and flag,
    /// and its default. Settings with a default are written active (so the file is complete and
    /// editable in place); those without one are commented out.
    public static var text: String {
        var out = """
            # Backfill configuration (docs/configuration.md).
            #
            # Every command reads this file: --config FILE, else $BACKFILL_CONFIG, else ./backfill.yaml,
            # else $XDG_CONFIG_HOME/backfill/config.yaml. A value set here loses to the same setting
            # in the environment (BACKFILL_<SECTION>_<KEY>, e.g. BACKFILL_RUN_CONCURRENCY=8), which
            # loses to a command-line flag. `backfill config show` prints every value and where it
            # came from.
            #
            # Secrets (provider API keys, a database password) are best kept in the environment
            # (POLYGON_API_KEY, BACKFILL_PROVIDER_OPTIONS_API_KEY, DATABASE_URL). A file that holds
            # one must be private: Backfill refuses it while group or others can read it
            # (chmod 600 FILE).

            """
        for section in SettingKey.sections {
            out += "\n\(section):\n"
            if let note = notes[section] { out += note.split(separator: "\n").map { "  # \($0)\n" }.joined() }
            for spec in SettingKey.all where spec.key.hasPrefix(section + ".") {
                out += entry(spec, name: String(spec.key.dropFirst(section.count + 1)))
            }
        }
        return out
    }

    private static let notes: [String: String] = [
        "serve": "Read by `backfill serve` (the HTTP API, scheduler, dashboard and metrics; docs/server.md).",
        "worker": "Read by `backfill worker` (any number, on any machine, sharing one PostgreSQL database).",
    ]

    private static func entry(_ spec: SettingKey, name: String) -> String {
        var env = spec.environment
        if case .map = spec.kind { env += "_<NAME>" }
        if !spec.legacyEnvironment.isEmpty { env += " (or \(spec.legacyEnvironment.joined(separator: ", ")))" }
        var text = "  # \(spec.help)\n  # env \(env)"
        if let flag = spec.flag { text += ", flag \(flag)" }
        text += "\n"
        switch spec.kind {
        case .map:
            text += """
                  # options:
                  #   root: /data/replay     # replay: a folder of <SYMBOL>/<timeframe>.csv
                  #   api_key: ...           # polygon: better in POLYGON_API_KEY; here only with chmod 600

                """
        case .list:
            if let value = spec.defaultValue {
                text += "  \(name): [\(value.split(separator: ",").joined(separator: ", "))]\n"
            } else {
                text += "  # \(name): [\(placeholder(spec.key))]\n"
            }
        default:
            if let value = spec.defaultValue {
                text += "  \(name): \(value)\n"
            } else {
                text += "  # \(name): \(placeholder(spec.key))\n"
            }
        }
        return text
    }

    /// A sample value for a setting without a default.
    private static func placeholder(_ key: String) -> String {
        switch key {
        case "plugins.dirs": "/opt/backfill/plugins"
        case "run.symbols": "AAPL, SPY"
        case "run.rate": "5"
        case "features.concurrency": "2"
        case "serve.tls_cert": "/etc/backfill/cert.pem"
        case "serve.tls_key": "/etc/backfill/key.pem"
        case "worker.name": "worker-1"
        default: "..."
        }
    }
}
