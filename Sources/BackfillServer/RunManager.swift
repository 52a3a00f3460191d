import BackfillCore
import BackfillMetrics
import BackfillOrchestrator
import BackfillPresentation
import BackfillSetup
import BackfillStore
import Logging
import ServiceLifecycle
import Synchronization

/// The one job the server runs at a time: a run started over the API or by a schedule, or a
/// schedule's features job. Runs go through the same ``RunEngine`` as `backfill run`, with the
/// server's console lines, its metrics and (for the API) the run's id as observers.
///
/// As a service it waits for shutdown, then asks the job in progress for its clean stop
/// (a run reaches `interrupted` with its results and runs row) and returns when it has ended.
actor RunManager: Service {
    /// What is going.
    struct Current: Sendable {
        var job: JobFields.Job
        var runId: Int64?
        var schedule: String?
        var engine: RunEngine?
        var task: Task<Void, Never>?
    }

    /// How a job ended, for its schedule.
    struct Ending: Sendable {
        var runId: Int64?
        var status: String
        var startedAt: Int64
    }

    let launcher: JobLauncher
    let presenter: Presenter
    let metrics: Metrics
    let logger: Logger
    private var current: Current?
    private var closing = false

    init(launcher: JobLauncher, presenter: Presenter, metrics: Metrics, logger: Logger) {
        self.launcher = launcher
        self.presenter = presenter
        self.metrics = metrics
        self.logger = logger
    }

    /// The schedule whose job is going, and whether anything is.
    var busy: (any: Bool, schedule: String?) { (current != nil, current?.schedule) }

    /// Starts `job`; returns the run's id (nil for a features job) once its runs row exists.
    ///
    /// - Parameters:
    ///   - trigger: what started it (`api:KEYNAME`, `schedule:NAME`), kept in the runs row.
    ///   - finished: told how it ended.
    /// - Throws: 409 while a job is going (or another process holds the database's run lock),
    ///   503 while shutting down, 422 for fields the settings refuse.
    func start(
        _ job: JobFields, trigger: String, schedule: String? = nil, finished: @escaping @Sendable (Ending) async -> Void = { _ in }
    ) async throws(APIError) -> Int64? {
        if closing { throw APIError.unavailable("the server is shutting down") }
        if let c = current {
            let what = c.runId.map { "run \($0)" } ?? "a \(c.job.rawValue) job"
            throw APIError.conflict("\(what) is running\(c.schedule.map { " (schedule \($0))" } ?? ""); one job runs at a time")
        }
        current = Current(job: job.job, schedule: schedule)
        do {
            switch job.job {
            case .run: return try await startRun(job, trigger: trigger, finished: finished)
            case .features:
                try await startFeatures(job, finished: finished)
                return nil
            }
        } catch {
            current = nil
            throw error
        }
    }

    private func startRun(_ job: JobFields, trigger: String, finished: @escaping @Sendable (Ending) async -> Void) async throws(APIError)
        -> Int64?
    {
        var plan = try await launcher.plan(job, presenter: presenter, logger: logger)
        plan.trigger = trigger
        let held: Bool
        do { held = try await plan.store.run { try $0.runLockHeldElsewhere() } } catch { throw APIError.store(error) }
        if held { throw APIError.conflict("another backfill run is using \(plan.database); one run per database at a time") }
        let (ids, idSink) = AsyncStream.makeStream(of: Int64?.self)
        let engine = RunEngine(plan: plan, observers: presenter.observers + [metrics.observer(), RunIdObserver(sink: idSink)])
        let task = Task {
            var ending = Ending(runId: nil, status: "failed", startedAt: UTCTime.now())
            do {
                let report = try await engine.run()
                ending = Ending(runId: report.runId, status: report.summary.status.rawValue, startedAt: report.summary.startedAt)
            } catch {
                self.logger.error("run failed to start", metadata: ["error": "\(error)"])
                idSink.yield(nil)
            }
            idSink.finish()
            await self.ended(ending, finished)
        }
        current?.engine = engine
        current?.task = task
        var id: Int64?
        for await announced in ids {
            id = announced
            break
        }
        guard let id else {
            await task.value
            throw APIError.conflict("the run could not start: another backfill run holds the database's run lock, or the store failed")
        }
        current?.runId = id
        return id
    }

    private func startFeatures(_ job: JobFields, finished: @escaping @Sendable (Ending) async -> Void) async throws(APIError) {
        let settings = try await launcher.settings(job.flags)
        let work: Setup.FeatureWork
        do { work = try Setup.features(settings, hide: { presenter.output.hide($0) }) } catch { throw APIError.setup(error) }
        let featureJob = FeatureJob(
            store: StoreQueue(work.store), reader: StoreQueue(work.reader), concurrency: work.concurrency, emit: presenter.emit)
        let (pairs, started) = (work.pairs, UTCTime.now())
        current?.task = Task {
            let summary = await featureJob.run(pairs, standalone: true)
            let status = Task.isCancelled ? "interrupted" : (summary.failedSymbols.isEmpty ? "complete" : "failed")
            await self.ended(Ending(runId: nil, status: status, startedAt: started), finished)
        }
    }

    private func ended(_ ending: Ending, _ finished: @Sendable (Ending) async -> Void) async {
        current = nil
        await finished(ending)
    }

    /// Asks run `id` for its clean stop.
    ///
    /// - Returns: false when `id` is not the running run.
    func stop(_ id: Int64) -> Bool {
        guard let c = current, c.runId == id, let engine = c.engine else { return false }
        _ = engine.requestStop(.requested)
        return true
    }

    /// Stops whatever is going and waits for it to end.
    func stopAll() async {
        closing = true
        guard let c = current else { return }
        logger.info("stopping the job in progress for shutdown", metadata: ["run": "\(c.runId.map(String.init) ?? "-")"])
        if let engine = c.engine { _ = engine.requestStop(.terminate) } else { c.task?.cancel() }
        await c.task?.value
    }

    func run() async throws {
        try? await gracefulShutdown()
        await stopAll()
    }
}

/// Passes the run's id on once its runs row exists.
struct RunIdObserver: RunObserver {
    let sink: AsyncStream<Int64?>.Continuation

    func handle(_ event: RunEvent) {
        if case .runStarted(let s) = event { sink.yield(s.runId) }
    }
}
