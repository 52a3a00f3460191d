import ArgumentParser
import BackfillPresentation
import BackfillServer
import BackfillSettings
import BackfillSetup

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTTP API, the dashboard at /, /metrics, and fire the store's schedules.",
        discussion: """
            The API is under /api/v1 (docs/server.md; OpenAPI at /api/v1/openapi.json). Every route but /, \
            /api/v1/health and /api/v1/openapi.json needs a key (backfill keys create) in X-API-Key or \
            Authorization: Bearer. Runs started over the API or by schedules use this command's flags and \
            configuration, with the job's fields on top; one job runs at a time. \
            SIGTERM or SIGINT: stop accepting, let a running job reach its clean stop, exit 0.
            """)

    @Option(help: ArgumentHelp("HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks a free one).", valueName: "address"))
    var listen: String?
    @Option(help: ArgumentHelp("A PEM certificate (chain): serve HTTPS with it and --tls-key.", valueName: "file")) var tlsCert: String?
    @Option(help: ArgumentHelp("The certificate's PEM private key.", valueName: "file")) var tlsKey: String?
    @Option(help: ArgumentHelp("text (default) or json lines on stderr.", valueName: "format")) var logFormat: String?
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var provider: ProviderOptions
    @OptionGroup var config: ConfigOption

    func run() async throws {
        var f = Settings.Flags()
        db.flags(&f)
        plugins.flags(&f)
        provider.flags(&f)
        var own = f
        own.set("serve.listen", listen, flag: "--listen")
        own.set("serve.tls_cert", tlsCert, flag: "--tls-cert")
        own.set("serve.tls_key", tlsKey, flag: "--tls-key")
        own.set("serve.log_format", logFormat, flag: "--log-format")
        let settings = try await config.load(own)
        let listenAt: String, cert: String?, key: String?, format: LogFormat
        do {
            listenAt = try settings.string("serve.listen") ?? "127.0.0.1:8080"
            cert = try settings.string("serve.tls_cert")
            key = try settings.string("serve.tls_key")
            format = LogFormat(rawValue: try settings.string("serve.log_format") ?? "text") ?? .text
        } catch {
            throw CLIFailure.settings(error)
        }
        // No progress line: a server's stderr is a log.
        let presenter = Presenter(format: format, quiet: false, secrets: ProcessEnvironment.secretValues, progress: false)
        let options = Server.Options(
            launcher: JobLauncher(config: config.config, flags: f, environment: ProcessEnvironment.all), listen: listenAt, tlsCert: cert,
            tlsKey: key)
        do {
            try await Server.run(options, settings: settings, presenter: presenter) { address in
                presenter.output.out("backfill serve: listening on \(address)")
            }
        } catch {
            throw CLIFailure(message: error.message, exitCode: error.exitCode)
        }
    }
}
