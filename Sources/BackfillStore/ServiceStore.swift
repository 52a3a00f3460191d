/// An API key as stored: never the key itself, only a salted hash of its secret part.
public struct APIKeyRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// `read`, `write` or `admin`.
    public var scope: String
    /// Random salt, hex.
    public var salt: String
    /// HMAC-SHA256 of the key's secret under the salt, hex.
    public var hash: String
    /// Epoch ms UTC.
    public var createdAt: Int64
    public var lastUsedAt: Int64?
    public var revokedAt: Int64?

    public init(
        id: Int64 = 0, name: String, scope: String, salt: String, hash: String, createdAt: Int64, lastUsedAt: Int64? = nil,
        revokedAt: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.scope = scope
        self.salt = salt
        self.hash = hash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

/// One change made through the service (a symbol added, a run started, a schedule edited) and
/// the key that made it.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    /// Epoch ms UTC.
    public var at: Int64
    /// The key's name (never the key).
    public var keyName: String
    /// `symbol.add`, `run.start`, `schedule.remove`, ...
    public var action: String
    /// What was changed, as short text (a symbol, a run id, a schedule's name).
    public var detail: String
    public var requestId: String?

    public init(id: Int64 = 0, at: Int64, keyName: String, action: String, detail: String, requestId: String? = nil) {
        self.id = id
        self.at = at
        self.keyName = keyName
        self.action = action
        self.detail = detail
        self.requestId = requestId
    }
}

/// A schedule: a job (`run` or `features`, with its options) fired at the times of a cron
/// expression in a time zone.
public struct ScheduleRecord: Sendable, Equatable {
    public var name: String
    /// Five fields: minute hour day-of-month month day-of-week.
    public var cron: String
    /// An IANA time zone (`UTC`, `America/New_York`).
    public var timezone: String
    /// `run` or `features`.
    public var job: String
    /// The job's options as a JSON object of setting keys (and run-only fields).
    public var arguments: String
    /// The command line the schedule was made from, for people (`run --timeframes 1m,1h`).
    public var command: String
    /// Epoch ms UTC.
    public var createdAt: Int64
    /// The last fire time handled (fired or skipped), epoch ms UTC.
    public var lastFireAt: Int64?
    public var lastRunId: Int64?
    /// The last fired run's status (`complete`, `incomplete`, ...).
    public var lastStatus: String?
    /// When the last fire that ended complete started.
    public var lastSuccessAt: Int64?
    /// Fires skipped because the previous run of the schedule was still going.
    public var skipped: Int

    public init(
        name: String, cron: String, timezone: String, job: String, arguments: String, command: String, createdAt: Int64,
        lastFireAt: Int64? = nil, lastRunId: Int64? = nil, lastStatus: String? = nil, lastSuccessAt: Int64? = nil, skipped: Int = 0
    ) {
        self.name = name
        self.cron = cron
        self.timezone = timezone
        self.job = job
        self.arguments = arguments
        self.command = command
        self.createdAt = createdAt
        self.lastFireAt = lastFireAt
        self.lastRunId = lastRunId
        self.lastStatus = lastStatus
        self.lastSuccessAt = lastSuccessAt
        self.skipped = skipped
    }
}

/// What the service keeps beside the candles: API keys, the audit log, schedules. Both stores
/// implement it (`SQLiteStore+Service.swift`, `PostgresStore+Service.swift`), proven by one
/// contract suite.
public protocol ServiceStore: AnyObject {
    /// Stores a new key; fails with kind `duplicate` when the name is taken (revoked keys too).
    func insertKey(_ key: APIKeyRecord) throws(StoreError) -> Int64
    /// Every key, revoked ones too, by name.
    func keys() throws(StoreError) -> [APIKeyRecord]
    func key(id: Int64) throws(StoreError) -> APIKeyRecord?
    /// Records a use of the key.
    func touchKey(id: Int64, at: Int64) throws(StoreError)
    /// Revokes the key named `name`; false when there is no such live key.
    func revokeKey(name: String, at: Int64) throws(StoreError) -> Bool

    func appendAudit(_ entry: AuditEntry) throws(StoreError)
    /// The newest `limit` entries, newest first.
    func audit(limit: Int) throws(StoreError) -> [AuditEntry]

    /// Stores a new schedule; fails with kind `duplicate` when the name is taken.
    func insertSchedule(_ schedule: ScheduleRecord) throws(StoreError)
    /// Every schedule, by name.
    func schedules() throws(StoreError) -> [ScheduleRecord]
    /// Removes the schedule; false when there is none of that name.
    func removeSchedule(name: String) throws(StoreError) -> Bool
    /// Stores a schedule's fire state (last fire, run, status, success, skipped).
    func updateScheduleState(_ schedule: ScheduleRecord) throws(StoreError)
}
