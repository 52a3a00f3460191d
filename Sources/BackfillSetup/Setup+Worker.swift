public import BackfillCore
public import BackfillOrchestrator
import BackfillPluginHost
public import BackfillSettings
public import BackfillStore
public import Logging

extension Setup {
    /// What a worker needs: the provider, the queue's database (two connections: one for its
    /// writes, one for the shared request budget), its lease and the rate to keep.
    public struct WorkerWork: Sendable {
        public let provider: Provider
        public let store: StoreQueue
        public let budget: StoreQueue
        public let database: String
        public let rate: Double
        public let leaseSeconds: Double
        public let name: String?
        /// The provider's secret option values by name (for the credential's fingerprint only).
        public let secrets: [String: String]
    }

    /// The worker's setup from the settings: a PostgreSQL database (workers share its job queue),
    /// the provider started, secrets hidden before anything prints.
    public static func worker(_ settings: Settings, logger: Logger, hide: ([String]) -> Void) throws(SetupError) -> WorkerWork {
        let url = try databaseURL(settings)
        hide([url.password].compactMap { $0 })
        guard case .postgres = url else {
            throw .usage("backfill worker needs a PostgreSQL database (workers share its job queue); --database is \(url.description)")
        }
        let rate: Double?
        let lease: Double
        let name: String?
        do {
            rate = try settings.double("run.rate")
            lease = try settings.double("worker.lease_seconds") ?? 30
            name = try settings.string("worker.name")
        } catch {
            throw .settings(error)
        }
        let store = try openStore(url, settings)
        let budget = try openStore(url, settings)
        let registry = try registry(settings, environment: settings.environment, logger: logger)
        let provider = try provider(settings, registry: registry, hide: hide)
        let secret = Set(provider.instance.provider.options.filter(\.secret).map(\.name))
        return WorkerWork(
            provider: provider, store: StoreQueue(store), budget: StoreQueue(budget), database: url.description,
            rate: rate ?? provider.instance.provider.defaultRate, leaseSeconds: lease, name: name,
            secrets: provider.configuration.filter { secret.contains($0.key) })
    }
}
