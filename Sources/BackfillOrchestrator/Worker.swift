internal import BackfillCore
public import BackfillPluginHost
public import BackfillStore
import Synchronization

/// `backfill worker`: claims jobs of distributed runs from the PostgreSQL queue and fetches them
/// through the same engine path as a single-process run (rate limit, retries, validation, candles
/// and coverage in one transaction), one job at a time.
///
/// The job's lease is renewed every third of its length; a worker that cannot renew it (cut
/// off, stopped) loses it, and every write it still tries is refused by the fence (the job's
/// token, checked in the write's transaction), so a worker that comes back late never writes
/// over the worker that took its job over. A first stop lets the job in hand finish and exits;
/// a second one stops the job after its page in flight and gives it back to the queue.
public final class Worker: Sendable {
    public struct Options: Sendable {
        public var leaseSeconds = 30.0
        /// Claims of one job (lost leases) before it is marked failed.
        public var maxAttempts = 3
        /// How often an idle worker looks for a job.
        public var pollSeconds = 0.5
        /// Exit after this long without a job (nil: never; tests and batch use).
        public var idleExitSeconds: Double?
        public var retryPolicy = RetryPolicy()
        public init() {}
    }

    let instance: ProviderInstance
    let providerConfiguration: [String: String]
    let store: StoreQueue
    let limiter: any RequestLimiter
    let options: Options
    let observers: [any RunObserver]
    let identity: WorkerRecord
    let database: String
    private let state = Mutex(State())
    private struct State {
        var stops = 0
        var current: RunEngine?
    }

    public init(
        instance: ProviderInstance, providerConfiguration: [String: String], store: StoreQueue, database: String,
        limiter: any RequestLimiter, options: Options, observers: [any RunObserver], identity: WorkerRecord
    ) {
        (self.instance, self.providerConfiguration, self.store, self.database) = (instance, providerConfiguration, store, database)
        (self.limiter, self.options, self.observers, self.identity) = (limiter, options, observers, identity)
    }

    /// Asks the worker to stop: the first time after the job in hand, the second time at once
    /// (the job's page in flight commits, the job goes back to the queue).
    ///
    /// - Returns: false from the third time on (the caller may then end the process).
    @discardableResult
    public func requestStop(_ reason: RunStop.Reason) -> Bool {
        let (engine, stops): (RunEngine?, Int) = state.withLock { s in
            s.stops += 1
            return (s.stops >= 2 ? s.current : nil, s.stops)
        }
        engine?.requestStop(reason)
        return stops <= 2
    }

    private var stopping: Bool { state.withLock { $0.stops > 0 } }

    /// The lease a claim or a renewal asks for, in ms.
    private var leaseMs: Int64 { Int64(options.leaseSeconds * 1000) }

    /// Writes the worker's row (its heartbeat, the job it holds).
    private func announce(_ me: WorkerRecord) async throws(StoreError) {
        try await store.run { try Self.queue($0).heartbeat(me) }
    }

    /// Sets (or clears) the fence every write of the worker's connection is checked against.
    private func fence(_ fence: JobFence?) async {
        _ = try? await store.run { store in
            let q = try Self.queue(store)
            q.fence = fence
        }
    }

    /// Claims and runs jobs until stopped (or idle for `idleExitSeconds`); returns how many it did.
    public func run() async throws(StoreError) -> Int {
        var me = identity
        try await announce(me)
        var idleSince = ContinuousClock.now
        while !stopping {
            let (id, provider, attempts, lease) = (me.id, instance.provider.name, options.maxAttempts, leaseMs)
            guard
                let job = try await store.run({
                    try Self.queue($0).claimJob(worker: id, provider: provider, leaseMs: lease, maxAttempts: attempts)
                })
            else {
                if let idle = options.idleExitSeconds, ContinuousClock.now - idleSince >= .seconds(idle) { break }
                try await announce(me)
                try? await Task.sleep(for: .seconds(options.pollSeconds))
                continue
            }
            me.job = job.id
            try await announce(me)
            await run(job, me)
            me.job = nil
            me.jobsDone += 1
            try await announce(me)
            idleSince = ContinuousClock.now
        }
        try await store.run { [me] in try Self.queue($0).removeWorker(id: me.id) }
        return me.jobsDone
    }

    /// One job: fetched under its fence while a heartbeat keeps its lease (and the worker's row
    /// fresh in `workers`).
    private func run(_ job: Job, _ me: WorkerRecord) async {
        var runOptions = RunOptions(
            symbols: [SymbolRecord(symbol: job.spec.symbol, assetClass: job.spec.assetClass, ticker: job.spec.ticker)],
            timeframes: [job.spec.timeframe], start: job.spec.start, end: job.spec.end)
        runOptions.pageSize = job.spec.pageSize
        runOptions.retryPolicy = options.retryPolicy
        if let settleFrom = job.spec.settleFrom {
            runOptions.now = settleFrom + runOptions.settleMs
        } else {
            runOptions.settleMs = 0
        }
        let plan = RunPlan(
            options: runOptions, instance: instance, providerConfiguration: providerConfiguration, store: store, database: database)
        let engine = RunEngine(plan: plan, observers: observers, limiter: limiter)
        engine.runId.withLock { $0 = job.runId }
        state.withLock { $0.current = engine }
        defer { state.withLock { $0.current = nil } }
        if state.withLock({ $0.stops >= 2 }) { engine.requestStop(.terminate) }

        let fence = job.fence
        await self.fence(fence)
        let lost = Mutex(false)
        let leaseMs = self.leaseMs
        let renewEvery = Duration.seconds(options.leaseSeconds / 3)
        let heartbeat = Task { [store] in
            while !Task.isCancelled {
                try? await Task.sleep(for: renewEvery)
                guard !Task.isCancelled else { return }
                let kept =
                    (try? await store.run {
                        let queue = try Self.queue($0)
                        try queue.heartbeat(me)
                        return try queue.renewLease(fence, leaseMs: leaseMs)
                    }) ?? false
                if !kept {
                    lost.withLock { $0 = true }
                    engine.requestStop(.requested)
                    return
                }
            }
        }
        let report = await engine.fetchJob(job.spec)
        heartbeat.cancel()
        await heartbeat.value
        await self.fence(nil)
        let lostLease = {
            engine.emit(
                .warning(
                    "job \(job.id) (\(job.spec.symbol) \(job.spec.timeframe)): this worker's lease was lost and another worker took the job over; its writes since were refused"
                ))
        }
        if lost.withLock({ $0 }) { return lostLease() }
        if report.stopped {
            _ = try? await store.run { try Self.queue($0).releaseJob(fence) }
            return
        }
        let result = JobResult(report).text
        // The token is checked once more: a lease lost after the last heartbeat shows here.
        if (try? await store.run { try Self.queue($0).finishJob(fence, result: result) }) == false { lostLease() }
    }

    static func queue(_ store: any CandleStore) throws(StoreError) -> any WorkQueue {
        guard let q = store as? any WorkQueue else {
            throw StoreError.other("workers need a PostgreSQL database; this one is \(store.backend)")
        }
        return q
    }
}

/// The request budget of one provider credential shared by every worker through the database:
/// each request reserves the next slot, `1/rate` after the previous one whoever took it, on the
/// database's clock; a rate-limited answer's retry-after pauses every worker on the credential.
public final class SharedRateLimiter: RequestLimiter {
    public let rate: Double
    let store: StoreQueue
    let provider: String
    let credential: String
    private let counts = Mutex((throttled: 0, pauses: 0))

    /// - Parameters:
    ///   - store: a connection of its own (requests are not held behind the worker's writes).
    ///   - credential: a fingerprint of the provider's secret, never the secret.
    public init(store: StoreQueue, provider: String, credential: String, rate: Double) {
        (self.store, self.provider, self.credential, self.rate) = (store, provider, credential, rate)
    }

    public func acquire() async throws {
        let (provider, credential) = (self.provider, self.credential)
        let interval = rate > 0 ? 1000 / rate : 0
        while true {
            let wait = try await store.run {
                try Worker.queue($0).reserveRequest(provider: provider, credential: credential, intervalMs: interval)
            }
            guard wait > 0 else { return }
            counts.withLock { $0.throttled += 1 }
            try await Task.sleep(for: .milliseconds(wait))
            // A retry-after another worker met while this one slept: wait it out, then take a
            // slot after it.
            let paused = try await store.run { try Worker.queue($0).requestPause(provider: provider, credential: credential) }
            guard paused > 0 else { return }
            try await Task.sleep(for: .milliseconds(paused))
        }
    }

    public func pause(for delay: Duration) async {
        counts.withLock { $0.pauses += 1 }
        let (provider, credential) = (self.provider, self.credential)
        let ms = Double(delay.components.seconds) * 1000 + Double(delay.components.attoseconds) / 1e15
        _ = try? await store.run { try Worker.queue($0).pauseRequests(provider: provider, credential: credential, ms: ms) }
    }

    public var throttled: Int { counts.withLock { $0.throttled } }
    public var pauses: Int { counts.withLock { $0.pauses } }
}
