import BackfillCore
import BackfillMetrics
import BackfillOrchestrator
import BackfillPresentation
public import BackfillSettings
import BackfillSetup
import BackfillStore
import Logging

/// How the server turns a job (a `POST /api/v1/runs` body, a schedule) into work: the job's
/// fields laid over `serve`'s own flags, read through the same settings (file, environment,
/// defaults) the CLI reads, and planned by the same ``Setup`` the CLI uses.
public struct JobLauncher: Sendable {
    /// `--config` of `serve`, if given.
    public var config: String?
    /// `serve`'s flags (`--database`, plugin folders, ...).
    public var flags: Settings.Flags
    public var environment: [String: String]

    public init(config: String?, flags: Settings.Flags, environment: [String: String]) {
        self.config = config
        self.flags = flags
        self.environment = environment
    }

    /// The settings with `extra` (a job's fields, a request's query) on top.
    func settings(_ extra: Settings.Flags = Settings.Flags()) async throws(APIError) -> Settings {
        do {
            return try await Settings.load(config: config, flags: flags.merging(extra), environment: environment)
        } catch {
            throw APIError.invalid(error.message)
        }
    }

    /// A run planned from `job`: its store opened and provider started. The results document
    /// goes only into the runs row unless the job or the configuration names a file.
    func plan(_ job: JobFields, presenter: Presenter, logger: Logger) async throws(APIError) -> RunPlan {
        let settings = try await settings(job.flags)
        var plan: RunPlan
        do {
            plan = try Setup.plan(settings, job.request, logger: logger, hide: { presenter.output.hide($0) })
        } catch {
            throw APIError.setup(error)
        }
        if settings.resolved("run.results").source == .defaultValue { plan.options.resultsPath = nil }
        return plan
    }
}
