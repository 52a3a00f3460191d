import BackfillMetrics
import BackfillPluginHost
import BackfillPresentation
import BackfillSettings
import BackfillSetup
import Logging

/// What the routes share for the server's life: the settings it was started with, a few store
/// connections, the metrics, the one running job, the scheduler, the plugins found at start.
final class ServerState: Sendable {
    let launcher: JobLauncher
    let pool: StorePool
    let metrics: Metrics
    let runs: RunManager
    let scheduler: Scheduler
    let presenter: Presenter
    let logger: Logger
    let registry: PluginRegistry
    /// `provider.name` at start (what `ready` checks is loaded).
    let providerName: String

    init(
        launcher: JobLauncher, pool: StorePool, metrics: Metrics, presenter: Presenter, logger: Logger, registry: PluginRegistry,
        providerName: String
    ) {
        self.launcher = launcher
        self.pool = pool
        self.metrics = metrics
        self.presenter = presenter
        self.logger = logger
        self.registry = registry
        self.providerName = providerName
        runs = RunManager(launcher: launcher, presenter: presenter, metrics: metrics, logger: logger)
        scheduler = Scheduler(pool: pool, runs: runs, metrics: metrics, logger: logger)
    }
}
