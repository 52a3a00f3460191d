import BackfillCore
import BackfillMetrics
import BackfillSchedule
import BackfillSetup
import BackfillStore
import HTTPTypes
import Logging
import ServiceLifecycle

/// Fires the store's schedules while `serve` runs.
///
/// Each look (at the next fire time, at most `interval` apart, so schedules added or removed
/// over the API or the CLI are seen) takes every schedule's owed fire: the latest fire time
/// after the one it last handled (or after its creation), at or before now. So after downtime
/// a missed fire runs once at start-up, not once per missed fire. An owed fire
/// - whose own previous job is still going is **skipped**: logged, counted
///   (`backfill_schedule_skipped_total`, the schedule's `skipped`), and marked handled, so one
///   schedule never runs twice at once;
/// - while another job is going (another schedule's, one started over the API, or a `backfill
///   run` elsewhere holding the database's run lock) **waits** for it, then runs;
/// - otherwise starts a normal run (its runs row says `schedule:NAME`) or features job.
struct Scheduler: Service {
    let pool: StorePool
    let runs: RunManager
    let metrics: Metrics
    let logger: Logger
    /// The longest pause between looks.
    var interval: Duration = .seconds(15)

    /// What became of an owed fire.
    enum Outcome: Equatable {
        case started(runId: Int64?)
        case skipped(reason: String)
        case waiting(reason: String)
        case failed(String)
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    let pause = await look()
                    try await Task.sleep(for: pause)
                }
            }
        } catch is CancellationError {
            return
        }
    }

    /// Fires what is owed; returns how long to sleep before the next look.
    func look() async -> Duration {
        let now = UTCTime.now()
        let schedules: [ScheduleRecord]
        do { schedules = try await pool.run { try $0.schedules() } } catch {
            logger.warning("schedules could not be read", metadata: ["error": "\(error.message)"])
            return interval
        }
        var pause = interval
        for s in schedules {
            if let owed = owedFire(s, now: now), case .waiting = await fire(s, at: owed, manual: false) {
                pause = min(pause, .seconds(2))
            }
            if let next = Setup.nextFires(s, after: now, count: 1).first {
                pause = min(pause, .milliseconds(max(50, next - UTCTime.now() + 20)))
            }
        }
        return pause
    }

    /// The schedule's owed fire at `now`, if any.
    func owedFire(_ s: ScheduleRecord, now: Int64) -> Int64? {
        guard let cron = try? CronExpression(s.cron), let zone = try? ScheduleZone.named(s.timezone) else { return nil }
        return cron.latestFire(after: s.lastFireAt ?? s.createdAt, upTo: now, in: zone)
    }

    /// Fires `s` for the fire time `at` (now, for a fire asked over the API).
    func fire(_ s: ScheduleRecord, at: Int64, manual: Bool) async -> Outcome {
        let busy = await runs.busy
        var state = s
        if busy.schedule == s.name {
            state.lastFireAt = at
            state.skipped += 1
            metrics.scheduleSkipped(s.name)
            logger.warning(
                "schedule fire skipped: its previous job is still going",
                metadata: ["schedule": "\(s.name)", "fire": "\(UTCTime.iso(at))", "skipped": "\(state.skipped)"])
            await save(state)
            return .skipped(reason: "schedule '\(s.name)' is still running its previous job; this fire is skipped")
        }
        if busy.any { return .waiting(reason: "another job is running; the fire waits for it") }
        let job: JobFields
        do { job = try Setup.job(of: s) } catch {
            return await failed(state, at: at, error.message)
        }
        let name = s.name
        let (pool, metrics) = (self.pool, self.metrics)
        do {
            let id = try await runs.start(job, trigger: "schedule:\(name)", schedule: name) { ending in
                await Self.recordEnding(name, ending, pool: pool, metrics: metrics)
            }
            state.lastFireAt = at
            state.lastRunId = id ?? state.lastRunId
            state.lastStatus = "running"
            await save(state)
            logger.info(
                "schedule fired",
                metadata: [
                    "schedule": "\(name)", "fire": "\(UTCTime.iso(at))", "run": "\(id.map(String.init) ?? "-")", "manual": "\(manual)",
                ])
            return .started(runId: id)
        } catch {
            if error.status == .conflict { return .waiting(reason: error.message) }
            return await failed(state, at: at, error.message)
        }
    }

    private func failed(_ s: ScheduleRecord, at: Int64, _ message: String) async -> Outcome {
        var state = s
        state.lastFireAt = at
        state.lastStatus = "failed"
        logger.error("schedule fire failed", metadata: ["schedule": "\(s.name)", "error": "\(message)"])
        await save(state)
        return .failed(message)
    }

    private func save(_ s: ScheduleRecord) async {
        do { try await pool.run { try $0.updateScheduleState(s) } } catch {
            logger.error("schedule state not saved", metadata: ["schedule": "\(s.name)", "error": "\(error.message)"])
        }
    }

    /// A fired job ended: the schedule's last status (and last success), and the metrics.
    static func recordEnding(_ name: String, _ ending: RunManager.Ending, pool: StorePool, metrics: Metrics) async {
        let complete = ending.status == "complete"
        metrics.scheduleFired(name, startedAt: ending.startedAt, complete: complete)
        _ = try? await pool.run { store in
            guard var s = try store.schedules().first(where: { $0.name == name }) else { return }
            s.lastStatus = ending.status
            if let id = ending.runId { s.lastRunId = id }
            if complete { s.lastSuccessAt = ending.startedAt }
            try store.updateScheduleState(s)
        }
    }
}
