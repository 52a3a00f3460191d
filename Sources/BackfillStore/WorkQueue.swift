public import BackfillCore

/// One unit of a distributed run's fetching: a range of one pair, fetched by whichever worker
/// claims it.
public struct JobSpec: Sendable, Equatable {
    /// `fetch` or `refill`.
    public var stage: String
    public var provider: String
    public var symbol: Symbol
    public var assetClass: AssetClass
    public var ticker: String?
    public var timeframe: Timeframe
    /// The bar keys to fetch: [start, end).
    public var start: Int64
    public var end: Int64
    /// The run's settle window start (answers after it are not recorded as final).
    public var settleFrom: Int64?
    public var pageSize: Int

    public init(
        stage: String, provider: String, symbol: Symbol, assetClass: AssetClass, ticker: String?, timeframe: Timeframe, start: Int64,
        end: Int64, settleFrom: Int64?, pageSize: Int
    ) {
        (self.stage, self.provider, self.symbol, self.assetClass, self.ticker) = (stage, provider, symbol, assetClass, ticker)
        (self.timeframe, self.start, self.end, self.settleFrom, self.pageSize) = (timeframe, start, end, settleFrom, pageSize)
    }
}

/// Where a job is.
public enum JobState: String, Sendable, CaseIterable {
    /// Waiting for a worker.
    case pending
    /// A worker holds its lease.
    case claimed
    /// Fetched; its result is recorded.
    case done
    /// Its retry budget is spent (workers lost it too often), or it could not be stored.
    case failed
    /// Its run ended before a worker took it.
    case cancelled
}

/// A job as the queue holds it.
public struct Job: Sendable, Equatable {
    public var id: Int64
    public var runId: Int64
    public var spec: JobSpec
    public var state: JobState
    /// How many times a worker claimed it.
    public var attempts: Int
    /// Raised at every claim: a worker's writes carry it, so one that lost its lease cannot write.
    public var token: Int64
    public var worker: String?
    /// What the worker reported (JSON), when done.
    public var result: String?
    public var error: String?

    public var fence: JobFence { JobFence(job: id, token: token) }
}

/// A claimed job's lease token: checked in every write transaction of the worker holding it.
public struct JobFence: Sendable, Equatable {
    public var job: Int64
    public var token: Int64
    public init(job: Int64, token: Int64) {
        self.job = job
        self.token = token
    }
}

/// A worker as it announced itself.
public struct WorkerRecord: Sendable, Equatable {
    public var id: String
    public var host: String
    public var pid: Int
    public var provider: String
    public var startedAt: Int64
    /// The last heartbeat, database clock (epoch ms).
    public var heartbeatAt: Int64
    public var job: Int64?
    public var jobsDone: Int

    public init(
        id: String, host: String, pid: Int, provider: String, startedAt: Int64 = 0, heartbeatAt: Int64 = 0, job: Int64? = nil,
        jobsDone: Int = 0
    ) {
        (self.id, self.host, self.pid, self.provider) = (id, host, pid, provider)
        (self.startedAt, self.heartbeatAt, self.job, self.jobsDone) = (startedAt, heartbeatAt, job, jobsDone)
    }
}

/// The jobs, workers and shared request budget of distributed runs: PostgreSQL only (claims use
/// `FOR UPDATE SKIP LOCKED`, times are the server's clock).
public protocol WorkQueue: CandleStore {
    /// The lease every candle and coverage write of this connection is checked against (in the
    /// write's own transaction); nil for unfenced writes. A write whose job another worker took
    /// over fails with a ``StoreError`` of kind `fenced` and writes nothing.
    var fence: JobFence? { get set }

    /// The database's clock, epoch ms.
    func databaseNow() throws(StoreError) -> Int64
    /// Adds a run's jobs (state `pending`); returns their ids in order.
    func enqueue(runId: Int64, _ specs: [JobSpec]) throws(StoreError) -> [Int64]
    /// Claims the oldest pending job of `provider`, or one whose lease expired, for `leaseMs`.
    /// An expired job that was claimed `maxAttempts` times already is marked failed instead.
    func claimJob(worker: String, provider: String, leaseMs: Int64, maxAttempts: Int) throws(StoreError) -> Job?
    /// Extends the lease; false when the job is no longer this token's (taken over, cancelled).
    func renewLease(_ fence: JobFence, leaseMs: Int64) throws(StoreError) -> Bool
    /// Marks the job done with its result, if the lease is still the token's.
    func finishJob(_ fence: JobFence, result: String) throws(StoreError) -> Bool
    /// Marks the job failed with an error, if the lease is still the token's.
    func failJob(_ fence: JobFence, error: String) throws(StoreError) -> Bool
    /// Gives the job back (pending again) for another worker, if the lease is still the token's.
    func releaseJob(_ fence: JobFence) throws(StoreError)
    /// The jobs of a run, by id.
    func jobs(runId: Int64) throws(StoreError) -> [Job]
    /// Cancels the run's jobs no worker holds; returns how many.
    func cancelJobs(runId: Int64) throws(StoreError) -> Int
    /// Cancels the waiting jobs of runs that are no longer running (a coordinator that died).
    func cancelOrphanedJobs() throws(StoreError) -> Int
    /// How many jobs are in each state (all runs).
    func jobCounts() throws(StoreError) -> [JobState: Int]

    /// Announces or refreshes a worker (its heartbeat, the job it holds).
    func heartbeat(_ worker: WorkerRecord) throws(StoreError)
    /// Removes a worker that exits.
    func removeWorker(id: String) throws(StoreError)
    /// Workers, newest heartbeat first.
    func workers() throws(StoreError) -> [WorkerRecord]

    /// Reserves the next request slot of (provider, credential), `intervalMs` after the previous
    /// one and after any pause; returns the milliseconds to wait for it.
    func reserveRequest(provider: String, credential: String, intervalMs: Double) throws(StoreError) -> Double
    /// How much longer requests of (provider, credential) are held back, in ms (0: not paused).
    func requestPause(provider: String, credential: String) throws(StoreError) -> Double
    /// Holds every request of (provider, credential) back for `ms` from now (a retry-after).
    func pauseRequests(provider: String, credential: String, ms: Double) throws(StoreError)
}
