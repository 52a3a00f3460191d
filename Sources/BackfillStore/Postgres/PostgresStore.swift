public import BackfillCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The PostgreSQL store, through libpq.
///
/// Candle batches go through binary `COPY ... FROM STDIN` into a temporary staging table, then one
/// `INSERT ... ON CONFLICT DO UPDATE` moves them into `candles`, with the coverage record in the
/// same transaction. A dropped connection (a server restart, a network cut) rolls the batch back
/// on the server; every operation then reconnects with backoff for up to `retrySeconds` and is
/// sent again whole, so a restart in the middle of a run costs a pause, not the run.
/// The run lock is a session advisory lock per schema, released by the server if the process dies.
public final class PostgresStore: CandleStore {
    public let backend = "postgres"
    let conn: PGConnection
    private var seriesIds: [String: Int64] = [:]
    /// `seriesIds` holds every series there was at the snapshot (see `beginSeriesSnapshot`).
    private var seriesSnapshot = false
    private var stagingReady = false
    private var copyBuffer: [UInt8] = []
    private var holdsRunLock = false
    /// How long a lost connection is retried before an operation fails.
    let retrySeconds: Double
    public var connectionEvents: (@Sendable (ConnectionEvent) -> Void)?
    public var fence: JobFence?
    /// Candles are range-partitioned by month (the catalog says so, whatever was asked).
    private(set) var partitioned = false
    /// Months (as `yyyymm`) whose partition is known to exist.
    private var partitions = Set<Int>()
    /// The advisory lock key that serializes schema migrations (an arbitrary constant: "BFRUO").
    static let migrationLockKey: Int64 = 0x4246_5255_4F
    /// The run lock: two int4 keys, this constant ("BFRU") and the schema's hash, so runs on
    /// different schemas of one database do not exclude each other.
    static let runLockClass: Int32 = 0x4246_5255
    static let runLockArguments = "\(runLockClass), hashtext(current_schema())"

    /// Connects and migrates the schema.
    ///
    /// - Parameter retrySeconds: how long a lost connection is retried (with backoff) before
    ///   an operation fails.
    public init(url: DatabaseURL, retrySeconds: Double = Stores.defaultRetrySeconds, partition: CandlePartitioning = .none)
        throws(StoreError)
    {
        conn = try PGConnection(url: url)
        self.retrySeconds = max(0, retrySeconds)
        try migrate(monthly: partition == .monthly)
        let kind = try conn.execute("SELECT relkind FROM pg_class WHERE oid = 'candles'::regclass").text(0, 0)
        partitioned = kind == "p"
        if partition == .monthly && !partitioned {
            throw .configuration(
                "database.partition is monthly, but this database's candles table is one table: the layout is chosen when the schema is created (use a new database or schema)"
            )
        }
    }

    private func migrate(monthly: Bool) throws(StoreError) {
        // Two processes migrating at once must not both create tables: serialize on a lock.
        try transaction { () throws(StoreError) in
            try conn.execute("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))")
            try conn.execute("CREATE TABLE IF NOT EXISTS backfill_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            let current = try schemaVersion()
            guard current <= Schema.currentVersion else { throw StoreError(.schema, Schema.tooNew(current)) }
            for (version, statements) in Schema.migrations(.postgres, monthly: monthly) where version > current {
                for sql in statements { try conn.execute(sql) }
                try conn.execute(
                    """
                    INSERT INTO backfill_meta (key, value) VALUES ('schema_version', $1)
                    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                    """, [String(version)])
            }
        }
    }

    public func schemaVersion() throws(StoreError) -> Int {
        let r = try conn.execute("SELECT value FROM backfill_meta WHERE key = 'schema_version'")
        return r.rows > 0 ? Int(r.text(0, 0) ?? "0") ?? 0 : 0
    }

    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try conn.execute("BEGIN")
        do {
            let value = try body()
            try conn.execute("COMMIT")
            return value
        } catch {
            if conn.isAlive { _ = try? conn.execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body`; when the connection is lost, reconnects with backoff (0.1 s doubling to 2 s)
    /// for up to `retrySeconds` and runs `body` again, whole: a write's transaction rolled back on
    /// the server with the connection, and every write is an upsert, so nothing is applied twice.
    func withReconnect<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        let clock = ContinuousClock()
        var lostAt: ContinuousClock.Instant?
        while true {
            do {
                let value = try body()
                if let lostAt { connectionEvents?(.restored(seconds: Self.seconds(clock.now - lostAt))) }
                return value
            } catch  where error.kind == .connectionLost || !conn.isAlive {
                let since = lostAt ?? clock.now
                if lostAt == nil {
                    lostAt = since
                    // The statement may fail a moment before libpq marks the connection bad:
                    // the error then reads as a plain PostgreSQL error; it is the lost connection.
                    var message = error.message
                    if error.kind != .connectionLost {
                        let reason = message.hasPrefix("PostgreSQL error: ") ? String(message.dropFirst(18)) : message
                        message = "lost the connection to PostgreSQL at \(conn.url): \(reason)"
                    }
                    connectionEvents?(.lost(message: message, budget: retrySeconds))
                }
                try reconnect(after: error, since: since)
            }
        }
    }

    /// Re-establishes the session (backoff until `retrySeconds` after `since`), then what the
    /// old session held: the staging table is made again, the run lock taken again.
    private func reconnect(after error: StoreError, since: ContinuousClock.Instant) throws(StoreError) {
        let clock = ContinuousClock()
        var delay = 0.1
        // The window counts from the first loss: a server that accepts the connection and drops
        // it again at once ends the retries too.
        func giveUp() -> StoreError {
            let waited = Int(Self.seconds(clock.now - since).rounded())
            return StoreError(
                .connectionLost, "\(error.message); reconnecting failed for \(waited) s (--db-retry-seconds)", code: error.code,
                statement: error.statement)
        }
        guard Self.seconds(clock.now - since) < retrySeconds else { throw giveUp() }
        while !conn.reset() {
            guard Self.seconds(clock.now - since) + delay <= retrySeconds else { throw giveUp() }
            usleep(UInt32(delay * 1_000_000))
            delay = min(2, delay * 2)
        }
        stagingReady = false
        seriesIds.removeAll()
        // The run lock belonged to the lost session: take it again or stop.
        if holdsRunLock {
            holdsRunLock = false
            guard try tryLockRun() else {
                throw StoreError(
                    .locked, "lost the connection to PostgreSQL and, reconnecting, another run had taken the run lock; stopping")
            }
        }
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    func seriesId(_ symbol: Symbol, _ timeframe: Timeframe, create: Bool) throws(StoreError) -> Int64? {
        let key = symbol.text + "\u{0}" + timeframe.rawValue
        if let id = seriesIds[key] { return id }
        if seriesSnapshot && !create { return nil }
        if create {
            try conn.execute(
                "INSERT INTO series (symbol, timeframe) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                [symbol.text, timeframe.rawValue])
        }
        let r = try conn.execute("SELECT id FROM series WHERE symbol = $1 AND timeframe = $2", [symbol.text, timeframe.rawValue])
        guard r.rows > 0 else { return nil }
        let id = r.int(0, 0)
        seriesIds[key] = id
        return id
    }

    public func beginSeriesSnapshot() throws(StoreError) {
        let r = try withReconnect { () throws(StoreError) in try conn.execute("SELECT id, symbol, timeframe FROM series") }
        for i in 0..<r.rows { seriesIds[(r.text(i, 1) ?? "") + "\u{0}" + (r.text(i, 2) ?? "")] = r.int(i, 0) }
        seriesSnapshot = true
    }

    public func endSeriesSnapshot() { seriesSnapshot = false }

    // MARK: Symbols

    public func upsertSymbols(_ records: [SymbolRecord]) throws(StoreError) -> Int {
        try withReconnect { () throws(StoreError) in
            try transaction { () throws(StoreError) in
                var added = 0
                for r in records {
                    let res = try conn.execute(
                        """
                        INSERT INTO symbols (symbol, asset_class, active, ticker, added_at) VALUES ($1, $2, TRUE, $3, $4)
                        ON CONFLICT (symbol) DO UPDATE SET asset_class = EXCLUDED.asset_class, active = TRUE,
                            ticker = COALESCE(EXCLUDED.ticker, symbols.ticker)
                        RETURNING (xmax = 0)
                        """, [r.symbol.text, r.assetClass.rawValue, r.ticker, String(r.addedAt)])
                    if res.text(0, 0) == "t" { added += 1 }
                }
                return added
            }
        }
    }

    public func symbols(activeOnly: Bool) throws(StoreError) -> [SymbolRecord] {
        let sql = "SELECT symbol, asset_class, active, ticker, added_at FROM symbols \(activeOnly ? "WHERE active " : "")ORDER BY symbol"
        let r = try withReconnect { () throws(StoreError) in try conn.execute(sql) }
        return (0..<r.rows).compactMap { i in
            guard let sym = try? Symbol(r.text(i, 0) ?? ""), let ac = AssetClass(rawValue: r.text(i, 1) ?? "") else { return nil }
            return SymbolRecord(symbol: sym, assetClass: ac, active: r.text(i, 2) == "t", ticker: r.text(i, 3), addedAt: r.int(i, 4))
        }
    }

    public func deactivate(_ symbols: [Symbol]) throws(StoreError) -> Int {
        try withReconnect { () throws(StoreError) in
            try transaction { () throws(StoreError) in
                var n = 0
                for s in symbols {
                    n += try conn.execute("UPDATE symbols SET active = FALSE WHERE symbol = $1 AND active", [s.text]).affected
                }
                return n
            }
        }
    }

    // MARK: Candles

    private func ensureStaging() throws(StoreError) {
        guard !stagingReady else { return }
        try conn.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS candle_stage (
                series_id INTEGER, ts BIGINT, open DOUBLE PRECISION, high DOUBLE PRECISION, low DOUBLE PRECISION,
                close DOUBLE PRECISION, volume DOUBLE PRECISION, vwap DOUBLE PRECISION, trades BIGINT)
            ON COMMIT DELETE ROWS
            """)
        stagingReady = true
    }

    public func write(
        _ batch: CandleBatch, symbol: Symbol, timeframe: Timeframe, coverage: CoverageRecord?, source: CandleSource?
    ) throws(StoreError) -> WriteCounts {
        let source = CandleSource.of(source, coverage)
        return try withReconnect { () throws(StoreError) in
            try ensureStaging()
            guard let id = try seriesId(symbol, timeframe, create: true) else { return WriteCounts() }
            if partitioned && batch.count > 0 { try ensurePartitions(batch.ts[0], batch.ts[batch.count - 1]) }
            do throws(StoreError) {
                return try writeOnce(batch, id, coverage, source, direct: true)
            } catch  where error.code == "23514" && partitioned {
                // No partition for a row: one was dropped (retention) since this process made it.
                partitions.removeAll()
                try ensurePartitions(batch.ts[0], batch.ts[batch.count - 1])
                return try writeOnce(batch, id, coverage, source, direct: false)
            } catch {
                // A row appeared in the range between the check and the COPY: take the upsert path.
                guard error.code == "23505" else { throw error }
                return try writeOnce(batch, id, coverage, source, direct: false)
            }
        }
    }

    /// Makes the monthly partitions of candles that [first, last] needs, outside any transaction
    /// (another process making the same one at the same moment is not an error).
    func ensurePartitions(_ first: Int64, _ last: Int64) throws(StoreError) {
        var (y, m, _) = UTCTime.civil(fromDays: UTCTime.floorDiv(first, UTCTime.msPerDay))
        let (ly, lm, _) = UTCTime.civil(fromDays: UTCTime.floorDiv(last, UTCTime.msPerDay))
        while (y, m) <= (ly, lm) {
            let (ny, nm) = m == 12 ? (y + 1, 1) : (y, m + 1)
            if !partitions.contains(y * 100 + m) {
                let from = UTCTime.daysFromCivil(year: y, month: m, day: 1) * UTCTime.msPerDay
                let to = UTCTime.daysFromCivil(year: ny, month: nm, day: 1) * UTCTime.msPerDay
                let name = "candles_y\(y)m\(m < 10 ? "0" : "")\(m)"
                do {
                    try conn.execute("CREATE TABLE IF NOT EXISTS \(name) PARTITION OF candles FOR VALUES FROM (\(from)) TO (\(to))")
                } catch  where error.code == "42P07" || error.code == "23505" {
                    // Made by another process between our check and our statement.
                }
                partitions.insert(y * 100 + m)
            }
            (y, m) = (ny, nm)
        }
    }

    /// One transaction: the candles, then the coverage record.
    ///
    /// When no stored row falls in the batch's time range (the common case: new history), the
    /// batch is copied straight into `candles` with binary COPY; otherwise it goes through the
    /// staging table, the stored values of the rows it changes go to `revisions`, and one upsert
    /// follows.
    private func writeOnce(_ batch: CandleBatch, _ id: Int64, _ coverage: CoverageRecord?, _ source: CandleSource, direct: Bool)
        throws(StoreError) -> WriteCounts
    {
        try transaction { () throws(StoreError) in
            try checkFence()
            var counts = WriteCounts()
            if batch.count > 0 {
                let first = String(batch.ts[0]), last = String(batch.ts[batch.count - 1])
                let countSQL = "SELECT count(*) FROM candles WHERE series_id = $1 AND ts >= $2 AND ts <= $3"
                let before = try conn.execute(countSQL, [String(id), first, last]).int(0, 0)
                PGCopyEncoder.encode(batch, seriesId: Int32(id), into: &copyBuffer)
                if direct && before == 0 {
                    try copy("COPY candles FROM STDIN (FORMAT binary)")
                    counts.inserted = batch.count
                    try candlesChanged(id, from: batch.ts[0])
                } else {
                    try copy("COPY candle_stage FROM STDIN (FORMAT binary)")
                    let old = Schema.candleValues.map { "c.\($0)" }.joined(separator: ", ")
                    let new = Schema.candleValues.map { "s.\($0)" }.joined(separator: ", ")
                    let revised = try conn.execute(
                        """
                        WITH kept AS (\(Schema.revisionInsert)
                            SELECT c.series_id, c.ts, $1::text, $2::bigint, $3::bigint, \(old), \(new)
                            FROM candle_stage s JOIN candles c ON c.series_id = s.series_id AND c.ts = s.ts
                            WHERE (\(old)) IS DISTINCT FROM (\(new)) RETURNING 1)
                        SELECT count(*) FROM kept
                        """, [source.provider, source.runId.map(String.init), String(UTCTime.now())])
                    counts.revised = Int(revised.int(0, 0))
                    let changed = try conn.execute(
                        """
                        WITH up AS (INSERT INTO candles SELECT * FROM candle_stage
                        ON CONFLICT (series_id, ts) DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high,
                            low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume,
                            vwap = EXCLUDED.vwap, trades = EXCLUDED.trades
                        WHERE (candles.open, candles.high, candles.low, candles.close, candles.volume, candles.vwap,
                            candles.trades) IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low,
                            EXCLUDED.close, EXCLUDED.volume, EXCLUDED.vwap, EXCLUDED.trades)
                        RETURNING ts) SELECT min(ts) FROM up
                        """)
                    if !changed.isNull(0, 0) { try candlesChanged(id, from: changed.int(0, 0)) }
                    let after = try conn.execute(countSQL, [String(id), first, last]).int(0, 0)
                    counts.inserted = Int(after - before)
                    counts.updated = batch.count - counts.inserted
                }
            }
            if let coverage { try insertCoverage(coverage, id) }
            return counts
        }
    }

    /// A write inserted or changed candles from `ts` on: the series' revision moves, and the
    /// feature checkpoints that included those bars go.
    private func candlesChanged(_ id: Int64, from ts: Int64) throws(StoreError) {
        try conn.execute("UPDATE series SET revision = revision + 1 WHERE id = $1", [String(id)])
        try conn.execute("DELETE FROM feature_checkpoints WHERE series_id = $1 AND ts >= $2", [String(id), String(ts)])
    }

    /// Sends the encoded batch in `copyBuffer` with a COPY statement.
    private func copy(_ sql: String) throws(StoreError) {
        try conn.execute(sql)
        var failure: StoreError?
        copyBuffer.withUnsafeBytes { bytes in
            do throws(StoreError) { try conn.copy(bytes, sql) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private func insertCoverage(_ c: CoverageRecord, _ id: Int64) throws(StoreError) {
        try conn.execute(
            """
            INSERT INTO coverage (series_id, start_ts, end_ts, provider, outcome, recorded_at, detail, ticker, run_id, request_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (series_id, start_ts, end_ts, provider) DO UPDATE SET
                outcome = EXCLUDED.outcome, recorded_at = EXCLUDED.recorded_at, detail = EXCLUDED.detail, ticker = EXCLUDED.ticker,
                run_id = EXCLUDED.run_id, request_id = EXCLUDED.request_id
            """,
            [
                String(id), String(c.start), String(c.end), c.provider, c.outcome.rawValue, String(c.recordedAt), c.detail, c.ticker,
                c.runId.map(String.init), c.requestId,
            ])
    }

    public func recordCoverage(_ record: CoverageRecord, symbol: Symbol, timeframe: Timeframe) throws(StoreError) {
        try withReconnect { () throws(StoreError) in
            guard let id = try seriesId(symbol, timeframe, create: true) else { return }
            try transaction { () throws(StoreError) in
                try checkFence()
                try insertCoverage(record, id)
            }
        }
    }

    public func coverage(symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64) throws(StoreError)
        -> [CoverageRecord]
    {
        let found = try withReconnect { () throws(StoreError) -> PGResult? in
            guard let id = try seriesId(symbol, timeframe, create: false) else { return nil }
            return try conn.execute(
                """
                SELECT start_ts, end_ts, provider, outcome, recorded_at, detail, ticker, run_id, request_id FROM coverage
                WHERE series_id = $1 AND end_ts > $2 AND start_ts < $3 ORDER BY start_ts, end_ts
                """, [String(id), String(start), String(end)])
        }
        guard let r = found else { return [] }
        return (0..<r.rows).map { i in
            CoverageRecord(
                start: r.int(i, 0), end: r.int(i, 1), provider: r.text(i, 2) ?? "",
                outcome: CoverageRecord.Outcome(rawValue: r.text(i, 3) ?? "") ?? .failed, recordedAt: r.int(i, 4),
                detail: r.text(i, 5), ticker: r.text(i, 6), runId: r.isNull(i, 7) ? nil : r.int(i, 7), requestId: r.text(i, 8))
        }
    }

    public func revisions(start: Int64, end: Int64, runId: Int64?) throws(StoreError) -> [CandleRevision] {
        let r = try withReconnect { () throws(StoreError) in
            try conn.execute(
                Schema.revisionSelect(.postgres, byRun: runId != nil), [String(start), String(end)] + (runId.map { [String($0)] } ?? []))
        }
        return (0..<r.rows).compactMap { i in
            CandleRevision.fromRow(text: { r.text(i, $0) }, isNull: { r.isNull(i, $0) }, int: { r.int(i, $0) }, double: { r.double(i, $0) })
        }
    }

    public func readCandles(
        symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64, batchSize: Int, _ body: (CandleBatch) throws -> Void
    ) throws {
        guard let id = try withReconnect({ () throws(StoreError) in try seriesId(symbol, timeframe, create: false) }) else { return }
        let batch = CandleBatch(capacity: batchSize)
        var from = start
        // Keyset pagination: each query reads the next batchSize rows, so memory stays flat (and
        // a lost connection repeats one page's query, from where the last page ended).
        while true {
            let params = [String(id), String(from), String(end)]
            let r = try withReconnect { () throws(StoreError) in
                try conn.execute(
                    """
                    SELECT ts, open, high, low, close, volume, vwap, trades FROM candles
                    WHERE series_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts LIMIT \(batchSize)
                    """, params)
            }
            batch.count = 0
            for i in 0..<r.rows {
                Self.appendCandle(r, i, to: batch)
            }
            if batch.count > 0 { try body(batch) }
            guard r.rows == batchSize else { return }
            from = batch.ts[batch.count - 1] + 1
        }
    }

    public func readPrices(symbol: Symbol, timeframe: Timeframe, from start: Int64, into batch: CandleBatch) throws(StoreError) -> Int {
        try withReconnect { () throws(StoreError) in
            batch.count = 0
            guard let id = try seriesId(symbol, timeframe, create: false) else { return 0 }
            let r = try conn.execute(
                "SELECT ts, open, high, low, close FROM candles WHERE series_id = $1 AND ts >= $2 ORDER BY ts LIMIT $3",
                [String(id), String(start), String(batch.capacity)], binary: true)
            for i in 0..<r.rows {
                batch.ts[i] = r.binaryInt(i, 0)
                batch.open[i] = r.binaryDouble(i, 1)
                batch.high[i] = r.binaryDouble(i, 2)
                batch.low[i] = r.binaryDouble(i, 3)
                batch.close[i] = r.binaryDouble(i, 4)
            }
            batch.count = r.rows
            return r.rows
        }
    }

    /// Row `i` of a `SELECT ts, open, high, low, close, volume, vwap, trades`, appended.
    private static func appendCandle(_ r: PGResult, _ i: Int, to batch: CandleBatch) {
        batch.append(
            ts: r.int(i, 0), open: r.double(i, 1), high: r.double(i, 2), low: r.double(i, 3), close: r.double(i, 4),
            volume: r.double(i, 5), vwap: r.isNull(i, 6) ? .nan : r.double(i, 6), trades: r.isNull(i, 7) ? -1 : r.int(i, 7))
    }

    public func timestamps(symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64) throws(StoreError) -> [Int64] {
        try withReconnect { () throws(StoreError) in
            guard let id = try seriesId(symbol, timeframe, create: false) else { return [] }
            let r = try conn.execute(
                "SELECT ts FROM candles WHERE series_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts",
                [String(id), String(start), String(end)])
            return (0..<r.rows).map { r.int($0, 0) }
        }
    }

    public func dayCounts(symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64, step: Int64) throws(StoreError)
        -> [DayCount]
    {
        try withReconnect { () throws(StoreError) in
            guard let id = try seriesId(symbol, timeframe, create: false) else { return [] }
            let r = try conn.execute(Schema.dayCountsSQL(.postgres), [String(id), String(start), String(end), String(step)])
            return (0..<r.rows).map { DayCount(day: r.int($0, 0), count: Int(r.int($0, 1)), first: r.int($0, 2), last: r.int($0, 3)) }
        }
    }

    public func newestBars() throws(StoreError) -> [(symbol: Symbol, timeframe: Timeframe, ts: Int64)] {
        let sql = """
            SELECT symbol, timeframe, newest FROM (
                SELECT s.symbol, s.timeframe, (SELECT max(ts) FROM candles c WHERE c.series_id = s.id) AS newest FROM series s) x
            WHERE newest IS NOT NULL
            """
        let r = try withReconnect { () throws(StoreError) in try conn.execute(sql) }
        let rows: [(Symbol, Timeframe, Int64)] = (0..<r.rows).compactMap { i in
            guard let sym = try? Symbol(r.text(i, 0) ?? ""), let tf = Timeframe(rawValue: r.text(i, 1) ?? "") else { return nil }
            return (sym, tf, r.int(i, 2))
        }
        return rows.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    public func candleCounts() throws(StoreError) -> [(symbol: Symbol, timeframe: Timeframe, count: Int)] {
        let sql = "SELECT s.symbol, s.timeframe, count(*) FROM candles c JOIN series s ON s.id = c.series_id GROUP BY s.symbol, s.timeframe"
        let r = try withReconnect { () throws(StoreError) in try conn.execute(sql) }
        let rows: [(Symbol, Timeframe, Int)] = (0..<r.rows).compactMap { i in
            guard let sym = try? Symbol(r.text(i, 0) ?? ""), let tf = Timeframe(rawValue: r.text(i, 1) ?? "") else { return nil }
            return (sym, tf, Int(r.int(i, 2)))
        }
        return rows.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    // MARK: Features

    public func writeFeatures(_ batch: FeatureBatch, symbol: Symbol, timeframe: Timeframe) throws(StoreError) -> WriteCounts {
        try withReconnect { () throws(StoreError) in
            guard batch.count > 0, let id = try seriesId(symbol, timeframe, create: true) else { return WriteCounts() }
            let names = FeatureBatch.names
            try conn.execute(
                """
                CREATE TEMP TABLE IF NOT EXISTS feature_stage (series_id INTEGER, ts BIGINT,
                    \(names.map { "\($0) DOUBLE PRECISION" }.joined(separator: ", "))) ON COMMIT DELETE ROWS
                """)
            return try transaction { () throws(StoreError) in
                let countSQL = "SELECT count(*) FROM features WHERE series_id = $1 AND ts >= $2 AND ts <= $3"
                let first = String(batch.ts[0]), last = String(batch.ts[batch.count - 1])
                let before = try conn.execute(countSQL, [String(id), first, last]).int(0, 0)
                PGCopyEncoder.encode(batch, seriesId: Int32(id), into: &copyBuffer)
                if before == 0 {
                    // New rows only (a stream's chunks past the last computed bar): straight in.
                    try copy("COPY features FROM STDIN (FORMAT binary)")
                    return WriteCounts(inserted: batch.count, updated: 0)
                }
                try copy("COPY feature_stage FROM STDIN (FORMAT binary)")
                try conn.execute(
                    """
                    INSERT INTO features SELECT * FROM feature_stage
                    ON CONFLICT (series_id, ts) DO UPDATE SET \(names.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", "))
                    WHERE (\(names.map { "features.\($0)" }.joined(separator: ", "))) IS DISTINCT FROM
                        (\(names.map { "EXCLUDED.\($0)" }.joined(separator: ", ")))
                    """)
                let after = try conn.execute(countSQL, [String(id), first, last]).int(0, 0)
                return WriteCounts(inserted: Int(after - before), updated: batch.count - Int(after - before))
            }
        }
    }

    public func candleRevision(symbol: Symbol, timeframe: Timeframe) throws(StoreError) -> Int64 {
        try withReconnect { () throws(StoreError) in
            guard let id = try seriesId(symbol, timeframe, create: false) else { return 0 }
            let r = try conn.execute("SELECT revision FROM series WHERE id = $1", [String(id)])
            return r.rows > 0 ? r.int(0, 0) : 0
        }
    }

    public func latestFeatureCheckpoint(symbol: Symbol, timeframe: Timeframe) throws(StoreError) -> FeatureCheckpoint? {
        try withReconnect { () throws(StoreError) in
            guard let id = try seriesId(symbol, timeframe, create: false) else { return nil }
            let r = try conn.execute(
                "SELECT ts, bars, path, state FROM feature_checkpoints WHERE series_id = $1 ORDER BY ts DESC LIMIT 1",
                [String(id)])
            guard r.rows > 0, let bytes = Hex.decode(r.text(0, 3) ?? "") else { return nil }
            return FeatureCheckpoint(ts: r.int(0, 0), bars: Int(r.int(0, 1)), path: r.text(0, 2) ?? "", state: bytes)
        }
    }

    public func saveFeatureCheckpoint(_ cp: FeatureCheckpoint, symbol: Symbol, timeframe: Timeframe, revision: Int64, spacing: Int)
        throws(StoreError) -> Bool
    {
        try withReconnect { () throws(StoreError) in
            guard let id = try seriesId(symbol, timeframe, create: false) else { return false }
            return try transaction { () throws(StoreError) in
                // The series row locked: a candle write that would move the revision waits for this.
                let r = try conn.execute("SELECT revision FROM series WHERE id = $1 FOR UPDATE", [String(id)])
                guard r.rows > 0, r.int(0, 0) == revision else { return false }
                try conn.execute(
                    "DELETE FROM feature_checkpoints WHERE series_id = $1 AND bars / $2 = $3 / $2 AND ts < $4",
                    [String(id), String(max(1, spacing)), String(cp.bars), String(cp.ts)])
                try conn.execute(
                    """
                    INSERT INTO feature_checkpoints (series_id, ts, bars, path, state) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (series_id, ts) DO UPDATE SET bars = EXCLUDED.bars, path = EXCLUDED.path, state = EXCLUDED.state
                    """, [String(id), String(cp.ts), String(cp.bars), cp.path, Hex.encode(cp.state)])
                return true
            }
        }
    }

    public func dropFeatureCheckpoints(symbol: Symbol, timeframe: Timeframe) throws(StoreError) {
        try withReconnect { () throws(StoreError) in
            guard let id = try seriesId(symbol, timeframe, create: false) else { return }
            try conn.execute("DELETE FROM feature_checkpoints WHERE series_id = $1", [String(id)])
        }
    }

    public func lastCandles(symbol: Symbol, timeframe: Timeframe, through: Int64, count: Int) throws(StoreError)
        -> CandleBatch
    {
        let batch = CandleBatch(capacity: count)
        guard count > 0 else { return batch }
        return try withReconnect { () throws(StoreError) in
            batch.count = 0
            guard let id = try seriesId(symbol, timeframe, create: false) else { return batch }
            let r = try conn.execute(
                """
                SELECT ts, open, high, low, close, volume, vwap, trades FROM (
                    SELECT * FROM candles WHERE series_id = $1 AND ts <= $2 ORDER BY ts DESC LIMIT $3) AS last ORDER BY ts
                """, [String(id), String(through), String(count)])
            for i in 0..<r.rows {
                Self.appendCandle(r, i, to: batch)
            }
            return batch
        }
    }

    public func readFeatures(
        symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64, batchSize: Int, _ body: (FeatureBatch) throws -> Void
    ) throws {
        guard let id = try withReconnect({ () throws(StoreError) in try seriesId(symbol, timeframe, create: false) }) else { return }
        let batch = FeatureBatch(capacity: batchSize)
        var from = start
        while true {
            let params = [String(id), String(from), String(end)]
            let r = try withReconnect { () throws(StoreError) in
                try conn.execute(
                    """
                    SELECT ts, \(FeatureBatch.names.joined(separator: ", ")) FROM features
                    WHERE series_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts LIMIT \(batchSize)
                    """, params)
            }
            batch.count = 0
            for i in 0..<r.rows {
                batch.ts[i] = r.int(i, 0)
                for k in 0..<FeatureBatch.names.count { batch.columns[k][i] = r.isNull(i, k + 1) ? .nan : r.double(i, k + 1) }
                batch.count += 1
            }
            if batch.count > 0 { try body(batch) }
            guard r.rows == batchSize else { return }
            from = batch.ts[batch.count - 1] + 1
        }
    }

    // MARK: Events

    public func upsertEvents(_ events: [StoredEvent]) throws(StoreError) -> Int {
        try withReconnect { () throws(StoreError) in
            try transaction { () throws(StoreError) in
                var added = 0
                for e in events {
                    let r = try conn.execute(Schema.eventUpsert(.postgres) + " RETURNING (xmax = 0)", [e.symbol.text] + e.rowValues)
                    if r.text(0, 0) == "t" { added += 1 }
                }
                return added
            }
        }
    }

    public func replaceTickerChain(symbol: Symbol, provider: String, changes: [CorporateEvent], checkedAt: Int64)
        throws(StoreError)
    {
        try withReconnect { () throws(StoreError) in
            try transaction { () throws(StoreError) in
                try conn.execute(
                    "DELETE FROM corporate_events WHERE symbol = $1 AND kind IN ($2, $3, $4)",
                    [symbol.text] + CorporateEvent.Kind.identity.map(\.rawValue))
                for change in changes where CorporateEvent.Kind.identity.contains(change.kind) {
                    try conn.execute(
                        Schema.eventUpsert(.postgres),
                        [symbol.text] + StoredEvent(symbol: symbol, provider: provider, event: change).rowValues)
                }
                try conn.execute(
                    """
                    INSERT INTO ticker_checks (symbol, provider, checked_at) VALUES ($1, $2, $3)
                    ON CONFLICT (symbol, provider) DO UPDATE SET checked_at = EXCLUDED.checked_at
                    """, [symbol.text, provider, String(checkedAt)])
            }
        }
    }

    public func tickerChainCheckedAt(symbol: Symbol, provider: String) throws(StoreError) -> Int64? {
        let r = try withReconnect { () throws(StoreError) in
            try conn.execute("SELECT checked_at FROM ticker_checks WHERE symbol = $1 AND provider = $2", [symbol.text, provider])
        }
        return r.rows > 0 ? r.int(0, 0) : nil
    }

    public func events(symbol: Symbol) throws(StoreError) -> [StoredEvent] {
        let r = try withReconnect { () throws(StoreError) in try conn.execute(Schema.eventSelect(.postgres), [symbol.text]) }
        return (0..<r.rows).map { i in
            StoredEvent.fromRow(
                symbol: symbol, text: { r.text(i, $0) }, isNull: { r.isNull(i, $0) }, int: { r.int(i, $0) },
                double: { r.double(i, $0) })
        }
    }

    // MARK: Runs and the run lock

    public func beginRun(startedAt: Int64, options: String, trigger: String?) throws(StoreError) -> Int64 {
        try withReconnect { () throws(StoreError) in
            try conn.execute(
                "INSERT INTO runs (started_at, status, options, trigger) VALUES ($1, 'running', $2, $3) RETURNING id",
                [String(startedAt), options, trigger]
            ).int(0, 0)
        }
    }

    public func finishRun(_ r: RunRecord) throws(StoreError) {
        _ = try withReconnect { () throws(StoreError) in
            try conn.execute(
                """
                UPDATE runs SET finished_at = $2, status = $3, summary = $4, pairs = $5, candles = $6, gaps = $7, exit_code = $8
                WHERE id = $1
                """,
                [
                    String(r.id), r.finishedAt.map(String.init), r.status, r.summary, String(r.pairs), String(r.candles),
                    String(r.gaps), r.exitCode.map(String.init),
                ])
        }
    }

    public func markAbandonedRuns(finishedAt: Int64) throws(StoreError) -> Int {
        try withReconnect { () throws(StoreError) in
            try conn.execute("UPDATE runs SET status = 'abandoned', finished_at = $1 WHERE status = 'running'", [String(finishedAt)])
                .affected
        }
    }

    public func runs(limit: Int, before: Int64?) throws(StoreError) -> [RunRecord] {
        let r = try withReconnect { () throws(StoreError) in
            try conn.execute(
                "SELECT \(Schema.runColumns) FROM runs WHERE id < $2 ORDER BY id DESC LIMIT $1",
                [String(max(0, limit)), String(before ?? Int64.max)])
        }
        return (0..<r.rows).map { runRecord(r, $0) }
    }

    public func run(id: Int64) throws(StoreError) -> RunRecord? {
        let r = try withReconnect { () throws(StoreError) in
            try conn.execute("SELECT \(Schema.runColumns) FROM runs WHERE id = $1", [String(id)])
        }
        return r.rows > 0 ? runRecord(r, 0) : nil
    }

    private func runRecord(_ r: PGResult, _ i: Int) -> RunRecord {
        RunRecord(
            id: r.int(i, 0), startedAt: r.int(i, 1), finishedAt: r.isNull(i, 2) ? nil : r.int(i, 2), status: r.text(i, 3) ?? "",
            pairs: Int(r.int(i, 4)), candles: Int(r.int(i, 5)), gaps: Int(r.int(i, 6)),
            exitCode: r.isNull(i, 7) ? nil : Int32(clamping: r.int(i, 7)), summary: r.text(i, 8), trigger: r.text(i, 9))
    }

    public func tryLockRun() throws(StoreError) -> Bool {
        if holdsRunLock { return true }
        holdsRunLock = try conn.execute("SELECT pg_try_advisory_lock(\(Self.runLockArguments))").text(0, 0) == "t"
        return holdsRunLock
    }

    public func unlockRun() throws(StoreError) {
        guard holdsRunLock else { return }
        holdsRunLock = false
        guard conn.isAlive else { return }  // a lost session's locks went with it
        try conn.execute("SELECT pg_advisory_unlock(\(Self.runLockArguments))")
    }

    public func runLockHeldElsewhere() throws(StoreError) -> Bool {
        // A two-key advisory lock shows in pg_locks as classid = key 1, objid = key 2 (as an
        // unsigned oid), objsubid = 2.
        try withReconnect { () throws(StoreError) in
            try conn.execute(
                """
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    AND classid = \(Self.runLockClass)::oid AND objsubid = 2
                    AND objid = (hashtext(current_schema())::bigint & 4294967295)::oid
                """
            ).int(0, 0) > 0
        }
    }
}
