import BackfillMetrics
import BackfillPluginHost
public import BackfillPresentation
public import BackfillSettings
import BackfillSetup
import BackfillStore
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `backfill serve`: the API, the dashboard, the metrics and the scheduler in one process.
public enum Server {
    /// What `serve` was started with.
    public struct Options: Sendable {
        public var launcher: JobLauncher
        /// `HOST:PORT` (port 0: any free port).
        public var listen: String
        public var tlsCert: String?
        public var tlsKey: String?

        public init(launcher: JobLauncher, listen: String, tlsCert: String?, tlsKey: String?) {
            self.launcher = launcher
            self.listen = listen
            self.tlsCert = tlsCert
            self.tlsKey = tlsKey
        }
    }

    /// A mistake in the options or the setup, for the command's one-line error.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let message: String
        public let exitCode: Int32
        public var description: String { message }
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, lets the job in progress reach its
    /// clean stop, and returns.
    ///
    /// - Parameter announce: told the address once the server listens (`http://127.0.0.1:8080`).
    public static func run(_ options: Options, settings: Settings, presenter: Presenter, announce: @escaping @Sendable (String) -> Void)
        async throws(Failure)
    {
        let (host, port) = try address(options.listen)
        var logger = presenter.logger(verbose: false)
        logger.logLevel = .info
        let url: DatabaseURL
        let pool: StorePool
        let registry: PluginRegistry
        let providerName: String
        do throws(SetupError) {
            url = try Setup.databaseURL(settings)
            presenter.output.hide([url.password].compactMap { $0 })
            // Two connections answer the API; a run opens its own.
            pool = StorePool([try Setup.openStore(url, settings), try Setup.openStore(url, settings)])
            registry = try Setup.registry(settings, environment: settings.environment, logger: logger)
            providerName = try Setup.providerName(settings)
        } catch {
            throw Failure(message: error.message, exitCode: error.kind == .usage ? 2 : 1)
        }
        let state = ServerState(
            launcher: options.launcher, pool: pool, metrics: Metrics(), presenter: presenter, logger: logger, registry: registry,
            providerName: providerName)
        let server: HTTPServerBuilder
        let scheme: String
        switch (options.tlsCert, options.tlsKey) {
        case (nil, nil):
            server = .http1()
            scheme = "http"
        case (let cert?, let key?):
            server = try tls(cert: cert, key: key)
            scheme = "https"
        default:
            throw Failure(message: "give --tls-cert and --tls-key together (serve.tls_cert, serve.tls_key)", exitCode: 2)
        }
        let app = Application(
            router: API(state: state).router(), server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "backfill"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                let shown = host.contains(":") ? "[\(host)]" : host
                announce("\(scheme)://\(shown):\(bound)")
            }, logger: logger)
        // Shut down in reverse order: stop accepting first, then the scheduler, then the job.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: state.runs, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: state.scheduler, successTerminationBehavior: .gracefullyShutdownGroup), .init(service: app),
                ], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do { try await group.run() } catch let e as IOError {
            let reason =
                e.errnoCode == EADDRINUSE ? "the address is in use (another process listens there)" : String(cString: strerror(e.errnoCode))
            throw Failure(message: "cannot listen on \(options.listen): \(reason)", exitCode: 1)
        } catch {
            throw Failure(message: "the server stopped: \(error)", exitCode: 1)
        }
    }

    /// `HOST:PORT`, `[v6]:PORT` or `:PORT` (all interfaces).
    static func address(_ text: String) throws(Failure) -> (String, Int) {
        let bad = Failure(message: "--listen '\(text)' is not HOST:PORT (e.g. 127.0.0.1:8080; port 0 picks a free one)", exitCode: 2)
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw bad
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }

    /// HTTPS from a PEM certificate (chain) and private key.
    static func tls(cert: String, key: String) throws(Failure) -> HTTPServerBuilder {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(cert).map { NIOSSLCertificateSource.certificate($0) }
            guard !chain.isEmpty else { throw Failure(message: "--tls-cert \(cert): no certificate in the file", exitCode: 2) }
            let privateKey: NIOSSLPrivateKey
            do { privateKey = try NIOSSLPrivateKey(file: key, format: .pem) } catch {
                throw Failure(message: "--tls-key \(key): not a PEM private key (\(error))", exitCode: 2)
            }
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey))
            return try .tls(.http1(), tlsConfiguration: configuration)
        } catch let f as Failure {
            throw f
        } catch {
            throw Failure(message: "--tls-cert \(cert): not a readable PEM certificate (\(error))", exitCode: 2)
        }
    }
}
