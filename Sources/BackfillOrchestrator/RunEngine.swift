internal import BackfillCalendar
internal import BackfillCore
internal import BackfillPluginHost
internal import BackfillStore
import Synchronization

/// Why a run could not start: another run holds the database, or the store failed before any
/// work. Nothing was fetched or written.
public struct RunError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// What a command-line front end exits with: 1, 2 for configuration and connection errors,
    /// 130/143 for a stop that came while waiting for the lock.
    public let exitCode: Int32

    public var description: String { message }

    static func store(_ error: StoreError) -> RunError {
        switch error.kind {
        case .configuration, .connection, .schema: RunError(message: error.message, exitCode: 2)
        default: RunError(message: error.message, exitCode: 1)
        }
    }
}

/// The one engine every front end starts runs through (`backfill run`, the server's scheduler
/// and API, workers): plan, fetch, gap detection, refills, the events and features stages,
/// `--record`, the results document, the runs row and the exit status.
///
/// Policy lives here, the same for every provider: one rate limiter shared by all pairs, one
/// retrying provider call (``ProviderCaller``), validation before storage, coverage recorded with
/// each batch. The engine reports what it does as typed ``RunEvent``s to its observers and
/// formats no text. ``requestStop(_:)`` ends a run cleanly (docs/operations.md).
public final class RunEngine: Sendable {
    public let plan: RunPlan
    let observers: [any RunObserver]
    let stop = RunStop()
    let limiter: any RequestLimiter
    let detector: GapDetector
    let caller: ProviderCaller
    /// Requests and candles of the whole run so far, for the page events' totals.
    private let totals = Mutex(Totals())
    /// The ticker chain of each symbol the run fetched (``tickerChain(_:)``).
    let chains = Mutex<[Symbol: TickerChain]>([:])
    /// The listing of each symbol the run fetched (``listing(_:)``).
    let listings = Mutex<[Symbol: Listing]>([:])
    /// The run the engine's writes belong to (the runs row; a worker's, its job's run): recorded
    /// with the coverage and the revisions they make.
    let runId = Mutex<Int64?>(nil)
    var currentRunId: Int64? { runId.withLock { $0 } }
    struct Totals {
        var requests = 0
        var candles = 0
        var planned = 0
    }

    /// - Parameters:
    ///   - observers: receive every event, in the order the engine emits them (from several
    ///     tasks at once during the fetch stage).
    ///   - limiter: the request budget (default: this process's own, at `--rate` or the
    ///     provider's rate); workers pass the one they share through the database.
    public init(plan: RunPlan, observers: [any RunObserver], limiter: (any RequestLimiter)? = nil) {
        self.plan = plan
        self.observers = observers
        let provider = plan.instance.provider
        self.limiter = limiter ?? RateLimiter(rate: plan.options.rate ?? provider.defaultRate)
        var detector = GapDetector(
            stamping: BarStamping(fourHourFromNewYorkMidnight: provider.fourHourAnchorNewYork), provider: provider.name,
            settleFrom: plan.options.settleFrom)
        detector.keepSessions = false  // a run reports gaps and counts, never the heatmap
        self.detector = detector
        let fanOut = observers
        caller = ProviderCaller(limiter: self.limiter, policy: plan.options.retryPolicy) { event in
            for o in fanOut { o.handle(event) }
        }
    }

    var options: RunOptions { plan.options }
    var store: StoreQueue { plan.store }
    var providerName: String { plan.instance.provider.name }
    var pageLimit: Int { max(1, min(options.pageSize, plan.instance.provider.maxPageRows)) }

    func emit(_ event: RunEvent) {
        for o in observers { o.handle(event) }
    }

    /// Asks the run to stop cleanly: no new request, the page in flight commits, gap detection
    /// and refills are skipped, the report is written with status `interrupted`.
    ///
    /// - Returns: false when a stop was already asked for (the caller may then end the process).
    @discardableResult
    public func requestStop(_ reason: RunStop.Reason) -> Bool {
        guard stop.request(reason) else { return false }
        emit(.stopRequested(reason))
        return true
    }

    /// The state of a run between its stages.
    struct RunState {
        var report = RunReport()
        let pairs: [(record: SymbolRecord, timeframe: Timeframe)]
        /// What coverage did not hold at planning time, per pair (what the fetch stage asks for).
        var todo: [PairKey: [(Int64, Int64)]] = [:]
        var completeness: [PairKey: PairCompleteness] = [:]
    }

    /// Runs every stage and returns the report; the results document and the runs row are
    /// written before it returns.
    ///
    /// - Throws: ``RunError`` when the run could not start (the lock, the store); nothing was done.
    public func run() async throws(RunError) -> RunReport {
        if options.distributed && !(store.store is any WorkQueue) {
            throw RunError(
                message:
                    "--distributed needs a PostgreSQL database (workers share its job queue); \(plan.database) is \(store.store.backend)",
                exitCode: 2)
        }
        try await takeLock()
        var state = RunState(pairs: options.pairs)
        await begin(&state)
        if !stop.isRequested { await tickerStage(&state) }
        if options.distributed { await distributedFetchStage(&state) } else { await fetchStage(&state) }
        if !stop.isRequested { await gapStage(&state) }
        if !stop.isRequested { await refillStage(&state) }
        await recordKnownEmpty(state)
        settlePairs(&state)
        await revisionStage(&state)
        if !stop.isRequested && options.verify { await verifyStage(&state) }
        if !stop.isRequested && options.events { await eventsStage(&state) }
        if !stop.isRequested && options.features { await featuresStage(&state) }
        if !stop.isRequested, let dir = options.record { await recordStage(&state, dir) }
        await finish(&state)
        _ = try? await store.run { try $0.unlockRun() }
        return state.report
    }

    // MARK: Start

    private func takeLock() async throws(RunError) {
        let deadline = UTCTime.now() + Int64(options.waitLockSeconds) * 1000
        while true {
            let locked: Bool
            do { locked = try await store.run { try $0.tryLockRun() } } catch { throw .store(error) }
            if locked { return }
            if let reason = stop.reason {
                throw RunError(message: "stopped (\(reason.rawValue)) while waiting for the run lock", exitCode: reason.exitCode)
            }
            if UTCTime.now() >= deadline {
                throw RunError(
                    message: "another backfill run is using \(plan.database); exiting (use --wait-lock SECONDS to wait for it)",
                    exitCode: 1)
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Marks runs a dead process left running, opens this run's row, plans the fetch stage and
    /// announces the run.
    private func begin(_ state: inout RunState) async {
        _ = try? await store.run { [self] in $0.connectionEvents = { self.emit(.database($0)) } }
        let now = UTCTime.now()
        let abandoned = (try? await store.run { try $0.markAbandonedRuns(finishedAt: now) }) ?? 0
        if abandoned > 0 { emit(.abandonedRuns(abandoned)) }
        if options.distributed {
            // Jobs of coordinators that died wait for nobody now.
            _ = try? await store.run { try ($0 as? any WorkQueue)?.cancelOrphanedJobs() }
        }
        let recorded = plan.recorded
        let recordedText = JSON.object(recorded.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).text()
        var r = RunReport()
        let trigger = plan.trigger
        r.runId = try? await store.run { try $0.beginRun(startedAt: now, options: recordedText, trigger: trigger) }
        runId.withLock { [id = r.runId] in $0 = id }
        r.summary.startedAt = now
        r.symbols = options.symbols.map(\.symbol)
        r.timeframes = options.timeframes
        r.rangeStart = options.start
        r.rangeEnd = options.end
        r.provider = providerName
        r.options = recorded
        r.summary.pairs = state.pairs.count
        state.report = r

        var ranges = 0, requests = 0
        for (record, tf) in state.pairs {
            let todo = await pendingRanges(record.symbol, tf)
            state.todo[PairKey(record.symbol, tf)] = todo
            ranges += todo.count
            for (a, b) in todo {
                let bars = max(1, Int((b - a) / tf.milliseconds))
                requests += max(1, (bars + pageLimit - 1) / pageLimit)
            }
        }
        totals.withLock { $0.planned = requests }
        let provider = plan.instance.provider
        emit(
            .runStarted(
                RunEvent.Started(
                    runId: r.runId, provider: provider.name, providerVersion: provider.version, database: plan.database,
                    symbols: options.symbols.count, timeframes: options.timeframes, start: options.start, end: options.end,
                    pairs: state.pairs.count, ranges: ranges, plannedRequests: requests, rate: limiter.rate)))
    }

    /// The parts of the run's range the provider has not answered for yet (all of it with --force).
    func pendingRanges(_ symbol: Symbol, _ tf: Timeframe) async -> [(Int64, Int64)] {
        let (a, b) = (options.start, options.end)
        if options.force { return [(a, b)] }
        let detector = self.detector
        guard let covered = try? await store.run({ try detector.coverage($0, symbol, tf, a, b) }) else { return [(a, b)] }
        return covered.missing(a, b)
    }

    // MARK: Progress

    /// Counts requests made; returns the run's totals.
    func count(requests: Int, candles: Int) -> Totals {
        totals.withLock {
            $0.requests += requests
            $0.candles += candles
            return $0
        }
    }
}
