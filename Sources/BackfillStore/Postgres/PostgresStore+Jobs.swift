public import BackfillCore

/// Distributed runs' queue on PostgreSQL: claims with `FOR UPDATE SKIP LOCKED`, leases and the
/// request budget on the server's clock.
extension PostgresStore: WorkQueue {
    /// The server's clock in epoch milliseconds / microseconds (SQL).
    static let nowMs = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
    static let nowUs = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"

    public func databaseNow() throws(StoreError) -> Int64 {
        try withReconnect { () throws(StoreError) in try conn.execute("SELECT \(Self.nowMs)").int(0, 0) }
    }

    public func enqueue(runId: Int64, _ specs: [JobSpec]) throws(StoreError) -> [Int64] {
        try withReconnect { () throws(StoreError) in
            try transaction { () throws(StoreError) in
                var ids: [Int64] = []
                for s in specs {
                    let r = try conn.execute(
                        """
                        INSERT INTO jobs (run_id, stage, provider, symbol, asset_class, ticker, timeframe, start_ts, end_ts, settle_from,
                            page_size, state, created_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', \(Self.nowMs)) RETURNING id
                        """,
                        [
                            String(runId), s.stage, s.provider, s.symbol.text, s.assetClass.rawValue, s.ticker, s.timeframe.rawValue,
                            String(s.start), String(s.end), s.settleFrom.map(String.init), String(s.pageSize),
                        ])
                    ids.append(r.int(0, 0))
                }
                return ids
            }
        }
    }

    public func claimJob(worker: String, provider: String, leaseMs: Int64, maxAttempts: Int) throws(StoreError) -> Job? {
        try withReconnect { () throws(StoreError) in
            try transaction { () throws(StoreError) -> Job? in
                try conn.execute(
                    """
                    UPDATE jobs SET state = 'failed', finished_at = \(Self.nowMs),
                        error = 'its lease expired ' || attempts || ' times: the workers holding it stopped (killed, cut off)'
                    WHERE state = 'claimed' AND provider = $1 AND lease_until < \(Self.nowMs) AND attempts >= $2
                    """, [provider, String(maxAttempts)])
                let r = try conn.execute(
                    """
                    UPDATE jobs SET state = 'claimed', worker = $1, lease_until = \(Self.nowMs) + $3, token = token + 1,
                        attempts = attempts + 1
                    WHERE id = (
                        SELECT id FROM jobs WHERE provider = $2
                            AND (state = 'pending' OR (state = 'claimed' AND lease_until < \(Self.nowMs)))
                        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                    RETURNING \(Schema.jobColumns)
                    """, [worker, provider, String(leaseMs)])
                return r.rows > 0 ? try Self.job(r, 0) : nil
            }
        }
    }

    public func renewLease(_ fence: JobFence, leaseMs: Int64) throws(StoreError) -> Bool {
        try updateFenced("lease_until = \(Self.nowMs) + $3", fence, [String(leaseMs)])
    }

    public func finishJob(_ fence: JobFence, result: String) throws(StoreError) -> Bool {
        try updateFenced("state = 'done', result = $3, lease_until = NULL, finished_at = \(Self.nowMs)", fence, [result])
    }

    public func failJob(_ fence: JobFence, error: String) throws(StoreError) -> Bool {
        try updateFenced("state = 'failed', error = $3, lease_until = NULL, finished_at = \(Self.nowMs)", fence, [error])
    }

    public func releaseJob(_ fence: JobFence) throws(StoreError) {
        _ = try updateFenced("state = 'pending', worker = NULL, lease_until = NULL", fence, [])
    }

    /// Updates a claimed job if `fence` still holds its lease; whether it did.
    private func updateFenced(_ set: String, _ fence: JobFence, _ more: [String?]) throws(StoreError) -> Bool {
        try withReconnect { () throws(StoreError) in
            let r = try conn.execute(
                "UPDATE jobs SET \(set) WHERE id = $1 AND token = $2 AND state = 'claimed' RETURNING id",
                [String(fence.job), String(fence.token)] + more)
            return r.rows > 0
        }
    }

    /// Inside a write's transaction: the fence still holds its job's lease (the row stays locked
    /// until the write commits, so no other worker can take the job over in between).
    func checkFence() throws(StoreError) {
        guard let fence else { return }
        let r = try conn.execute(
            "SELECT 1 FROM jobs WHERE id = $1 AND token = $2 AND state = 'claimed' FOR UPDATE",
            [String(fence.job), String(fence.token)])
        guard r.rows > 0 else {
            throw StoreError(.fenced, "job \(fence.job) was taken over by another worker (this worker's lease expired); nothing written")
        }
    }

    public func jobs(runId: Int64) throws(StoreError) -> [Job] {
        let r = try withReconnect { () throws(StoreError) in
            try conn.execute("SELECT \(Schema.jobColumns) FROM jobs WHERE run_id = $1 ORDER BY id", [String(runId)])
        }
        var out: [Job] = []
        for i in 0..<r.rows { out.append(try Self.job(r, i)) }
        return out
    }

    public func cancelJobs(runId: Int64) throws(StoreError) -> Int {
        try withReconnect { () throws(StoreError) in
            try conn.execute(
                "UPDATE jobs SET state = 'cancelled', finished_at = \(Self.nowMs) WHERE run_id = $1 AND state = 'pending' RETURNING id",
                [String(runId)]
            ).rows
        }
    }

    public func cancelOrphanedJobs() throws(StoreError) -> Int {
        try withReconnect { () throws(StoreError) in
            try conn.execute(
                """
                UPDATE jobs SET state = 'cancelled', finished_at = \(Self.nowMs)
                WHERE state = 'pending' AND run_id IN (SELECT id FROM runs WHERE status <> 'running') RETURNING id
                """
            ).rows
        }
    }

    public func jobCounts() throws(StoreError) -> [JobState: Int] {
        let r = try withReconnect { () throws(StoreError) in try conn.execute("SELECT state, count(*) FROM jobs GROUP BY state") }
        var out: [JobState: Int] = [:]
        for i in 0..<r.rows { if let s = JobState(rawValue: r.text(i, 0) ?? "") { out[s] = Int(r.int(i, 1)) } }
        return out
    }

    public func heartbeat(_ w: WorkerRecord) throws(StoreError) {
        try withReconnect { () throws(StoreError) in
            try conn.execute(
                """
                INSERT INTO workers (id, host, pid, provider, started_at, heartbeat_at, job_id, jobs_done)
                VALUES ($1, $2, $3, $4, \(Self.nowMs), \(Self.nowMs), $5, $6)
                ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, job_id = EXCLUDED.job_id,
                    jobs_done = EXCLUDED.jobs_done
                """, [w.id, w.host, String(w.pid), w.provider, w.job.map(String.init), String(w.jobsDone)])
        }
    }

    public func removeWorker(id: String) throws(StoreError) {
        try withReconnect { () throws(StoreError) in try conn.execute("DELETE FROM workers WHERE id = $1", [id]) }
    }

    public func workers() throws(StoreError) -> [WorkerRecord] {
        let r = try withReconnect { () throws(StoreError) in
            try conn.execute(
                "SELECT id, host, pid, provider, started_at, heartbeat_at, job_id, jobs_done FROM workers ORDER BY heartbeat_at DESC, id")
        }
        return (0..<r.rows).map { i in
            WorkerRecord(
                id: r.text(i, 0) ?? "", host: r.text(i, 1) ?? "", pid: Int(r.int(i, 2)), provider: r.text(i, 3) ?? "",
                startedAt: r.int(i, 4), heartbeatAt: r.int(i, 5), job: r.text(i, 6) == nil ? nil : r.int(i, 6), jobsDone: Int(r.int(i, 7)))
        }
    }

    public func reserveRequest(provider: String, credential: String, intervalMs: Double) throws(StoreError) -> Double {
        let interval = String(Int64((intervalMs * 1000).rounded(.up)))
        return try withReconnect { () throws(StoreError) in
            try conn.execute(
                "INSERT INTO rate_limits (provider, credential, next_slot, paused_until) VALUES ($1, $2, 0, 0) ON CONFLICT DO NOTHING",
                [provider, credential])
            let r = try conn.execute(
                """
                WITH now AS (SELECT \(Self.nowUs) AS t)
                UPDATE rate_limits SET next_slot = GREATEST(next_slot, paused_until, now.t) + $3 FROM now
                WHERE provider = $1 AND credential = $2 RETURNING next_slot - $3 - now.t
                """, [provider, credential, interval])
            return Double(r.int(0, 0)) / 1000
        }
    }

    public func requestPause(provider: String, credential: String) throws(StoreError) -> Double {
        try withReconnect { () throws(StoreError) in
            let r = try conn.execute(
                "SELECT GREATEST(0, paused_until - \(Self.nowUs)) FROM rate_limits WHERE provider = $1 AND credential = $2",
                [provider, credential])
            return r.rows > 0 ? Double(r.int(0, 0)) / 1000 : 0
        }
    }

    public func pauseRequests(provider: String, credential: String, ms: Double) throws(StoreError) {
        try withReconnect { () throws(StoreError) in
            try conn.execute(
                """
                INSERT INTO rate_limits (provider, credential, next_slot, paused_until) VALUES ($1, $2, 0, \(Self.nowUs) + $3)
                ON CONFLICT (provider, credential) DO UPDATE SET paused_until = GREATEST(rate_limits.paused_until, EXCLUDED.paused_until)
                """, [provider, credential, String(Int64(ms * 1000))])
        }
    }

    static func job(_ r: PGResult, _ i: Int) throws(StoreError) -> Job {
        guard let symbol = try? Symbol(r.text(i, 4) ?? ""), let assetClass = AssetClass(rawValue: r.text(i, 5) ?? ""),
            let tf = Timeframe(rawValue: r.text(i, 7) ?? ""), let state = JobState(rawValue: r.text(i, 12) ?? "")
        else { throw StoreError.other("job \(r.int(i, 0)) has a row this backfill cannot read") }
        let spec = JobSpec(
            stage: r.text(i, 2) ?? "", provider: r.text(i, 3) ?? "", symbol: symbol, assetClass: assetClass, ticker: r.text(i, 6),
            timeframe: tf, start: r.int(i, 8), end: r.int(i, 9), settleFrom: r.text(i, 10) == nil ? nil : r.int(i, 10),
            pageSize: Int(r.int(i, 11)))
        return Job(
            id: r.int(i, 0), runId: r.int(i, 1), spec: spec, state: state, attempts: Int(r.int(i, 13)), token: r.int(i, 14),
            worker: r.text(i, 15), result: r.text(i, 17), error: r.text(i, 18))
    }
}
