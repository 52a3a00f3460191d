public import BackfillCore
internal import CSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The embedded default store: one SQLite file in WAL mode.
///
/// Batches are written with one prepared upsert statement inside one transaction, candles and
/// coverage together. A write that finds another process's write lock waits for it (the busy
/// timeout) instead of failing. The run lock is an advisory lock on `<file>.lock` (an open file
/// description lock on Linux), released by the kernel if the process dies.
public final class SQLiteStore: CandleStore {
    public let backend = "sqlite"
    public let path: String
    let db: SQLiteConnection
    private var seriesIds: [String: Int64] = [:]
    private var lockFD: Int32 = -1
    private lazy var upsert = try? db.prepare(
        """
        INSERT INTO candles (series_id, ts, open, high, low, close, volume, vwap, trades)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
        ON CONFLICT (series_id, ts) DO UPDATE SET
            open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
            volume = excluded.volume, vwap = excluded.vwap, trades = excluded.trades
        WHERE candles.open IS NOT excluded.open OR candles.high IS NOT excluded.high
            OR candles.low IS NOT excluded.low OR candles.close IS NOT excluded.close
            OR candles.volume IS NOT excluded.volume OR candles.vwap IS NOT excluded.vwap
            OR candles.trades IS NOT excluded.trades
        """)
    /// Keeps a stored row's values before the upsert changes them (parameters: series id, ts,
    /// provider, run id, recorded at, then the new values as the upsert binds them, 6...12).
    private lazy var captureRevision = try? db.prepare(
        Schema.revisionInsert + """
             SELECT series_id, ts, ?3, ?4, ?5, open, high, low, close, volume, vwap, trades, ?6, ?7, ?8, ?9, ?10, ?11, ?12
            FROM candles WHERE series_id = ?1 AND ts = ?2 AND (open IS NOT ?6 OR high IS NOT ?7 OR low IS NOT ?8
                OR close IS NOT ?9 OR volume IS NOT ?10 OR vwap IS NOT ?11 OR trades IS NOT ?12)
            """)
    private lazy var countRange = try? db.prepare(
        "SELECT count(*) FROM candles WHERE series_id = ?1 AND ts >= ?2 AND ts <= ?3")

    public var connectionEvents: (@Sendable (ConnectionEvent) -> Void)?

    /// Opens (creating if needed) the database file and migrates its schema.
    ///
    /// - Parameter busySeconds: how long a write waits for another process's write lock.
    public init(path: String, busySeconds: Double = Stores.defaultRetrySeconds) throws(StoreError) {
        self.path = path
        db = try SQLiteConnection(path: path, busySeconds: busySeconds)
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = NORMAL")
        try migrate()
    }

    deinit {
        if lockFD >= 0 { close(lockFD) }
    }

    private func migrate() throws(StoreError) {
        try db.execute("CREATE TABLE IF NOT EXISTS backfill_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        let current = try schemaVersion()
        guard current <= Schema.currentVersion else { throw StoreError(.schema, Schema.tooNew(current)) }
        for (version, statements) in Schema.migrations(.sqlite) where version > current {
            try transaction { () throws(StoreError) in
                for sql in statements { try db.execute(sql) }
                let s = try db.prepare("INSERT OR REPLACE INTO backfill_meta (key, value) VALUES ('schema_version', ?1)")
                s.bind(1, String(version))
                try s.run()
            }
        }
    }

    public func schemaVersion() throws(StoreError) -> Int {
        let s = try db.prepare("SELECT value FROM backfill_meta WHERE key = 'schema_version'")
        defer { s.reset() }
        return try s.step() ? Int(s.text(0) ?? "0") ?? 0 : 0
    }

    /// Runs `body` in one IMMEDIATE transaction; rolls back if it throws.
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try db.execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try db.execute("COMMIT")
            return value
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    func seriesId(_ symbol: Symbol, _ timeframe: Timeframe, create: Bool) throws(StoreError) -> Int64? {
        let key = symbol.text + "\u{0}" + timeframe.rawValue
        if let id = seriesIds[key] { return id }
        if create {
            let insert = try db.prepare("INSERT OR IGNORE INTO series (symbol, timeframe) VALUES (?1, ?2)")
            insert.bind(1, symbol.text)
            insert.bind(2, timeframe.rawValue)
            try insert.run()
        }
        let select = try db.prepare("SELECT id FROM series WHERE symbol = ?1 AND timeframe = ?2")
        select.bind(1, symbol.text)
        select.bind(2, timeframe.rawValue)
        defer { select.reset() }
        guard try select.step() else { return nil }
        let id = select.int(0)
        seriesIds[key] = id
        return id
    }

    // MARK: Symbols

    public func upsertSymbols(_ records: [SymbolRecord]) throws(StoreError) -> Int {
        try transaction { () throws(StoreError) in
            let exists = try db.prepare("SELECT 1 FROM symbols WHERE symbol = ?1")
            let s = try db.prepare(
                """
                INSERT INTO symbols (symbol, asset_class, active, ticker, added_at) VALUES (?1, ?2, 1, ?3, ?4)
                ON CONFLICT (symbol) DO UPDATE SET asset_class = excluded.asset_class, active = 1,
                    ticker = COALESCE(excluded.ticker, symbols.ticker)
                """)
            var added = 0
            for r in records {
                exists.bind(1, r.symbol.text)
                if !(try exists.step()) { added += 1 }
                exists.reset()
                s.bind(1, r.symbol.text)
                s.bind(2, r.assetClass.rawValue)
                s.bind(3, r.ticker)
                s.bind(4, r.addedAt)
                try s.run()
            }
            return added
        }
    }

    public func symbols(activeOnly: Bool) throws(StoreError) -> [SymbolRecord] {
        let s = try db.prepare(
            "SELECT symbol, asset_class, active, ticker, added_at FROM symbols \(activeOnly ? "WHERE active = 1 " : "")ORDER BY symbol")
        defer { s.reset() }
        var out: [SymbolRecord] = []
        while try s.step() {
            guard let sym = try? Symbol(s.text(0) ?? ""), let ac = AssetClass(rawValue: s.text(1) ?? "") else { continue }
            out.append(SymbolRecord(symbol: sym, assetClass: ac, active: s.int(2) != 0, ticker: s.text(3), addedAt: s.int(4)))
        }
        return out
    }

    public func deactivate(_ symbols: [Symbol]) throws(StoreError) -> Int {
        try transaction { () throws(StoreError) in
            let s = try db.prepare("UPDATE symbols SET active = 0 WHERE symbol = ?1 AND active = 1")
            var n = 0
            for symbol in symbols {
                s.bind(1, symbol.text)
                try s.run()
                n += db.changes
            }
            return n
        }
    }

    // MARK: Candles

    public func write(
        _ batch: CandleBatch, symbol: Symbol, timeframe: Timeframe, coverage: CoverageRecord?, source: CandleSource?
    ) throws(StoreError) -> WriteCounts {
        let source = CandleSource.of(source, coverage)
        return try transaction { () throws(StoreError) in
            guard let id = try seriesId(symbol, timeframe, create: true) else { return WriteCounts() }
            var counts = WriteCounts()
            if batch.count > 0 {
                guard let upsert, let countRange, let captureRevision else {
                    throw StoreError(.database, "cannot prepare the candle upsert")
                }
                let first = batch.ts[0], last = batch.ts[batch.count - 1]
                let before = try count(countRange, id, first, last)
                let now = UTCTime.now()
                var firstChanged: Int64?
                for i in 0..<batch.count {
                    /// Binds the row's key and values at `offset` + 1... (the upsert's order).
                    func bindRow(_ s: SQLiteStatement, values offset: Int32) {
                        s.bind(1, id)
                        s.bind(2, batch.ts[i])
                        s.bind(offset + 1, batch.open[i])
                        s.bind(offset + 2, batch.high[i])
                        s.bind(offset + 3, batch.low[i])
                        s.bind(offset + 4, batch.close[i])
                        s.bind(offset + 5, batch.volume[i])
                        if batch.vwap[i].isNaN { s.bindNull(offset + 6) } else { s.bind(offset + 6, batch.vwap[i]) }
                        if batch.trades[i] < 0 { s.bindNull(offset + 7) } else { s.bind(offset + 7, batch.trades[i]) }
                    }
                    if before > 0 {
                        // Rows already stored in the range: keep what a changed one held.
                        bindRow(captureRevision, values: 5)
                        captureRevision.bind(3, source.provider)
                        captureRevision.bind(4, source.runId)
                        captureRevision.bind(5, now)
                        _ = try captureRevision.step()
                        captureRevision.reset()
                        counts.revised += db.changes
                    }
                    bindRow(upsert, values: 2)
                    _ = try upsert.step()
                    sqlite3_reset(upsert.handle)
                    if firstChanged == nil && db.changes > 0 { firstChanged = batch.ts[i] }
                }
                let after = try count(countRange, id, first, last)
                counts.inserted = after - before
                counts.updated = batch.count - counts.inserted
                if let firstChanged { try candlesChanged(id, from: firstChanged) }
            }
            if let coverage { try insertCoverage(coverage, id) }
            return counts
        }
    }

    /// A write inserted or changed candles from `ts` on: the series' revision moves, and the
    /// feature checkpoints that included those bars go.
    private func candlesChanged(_ id: Int64, from ts: Int64) throws(StoreError) {
        let bump = try db.prepare("UPDATE series SET revision = revision + 1 WHERE id = ?1")
        bump.bind(1, id)
        try bump.run()
        let drop = try db.prepare("DELETE FROM feature_checkpoints WHERE series_id = ?1 AND ts >= ?2")
        drop.bind(1, id)
        drop.bind(2, ts)
        try drop.run()
    }

    private func count(_ s: SQLiteStatement, _ id: Int64, _ a: Int64, _ b: Int64) throws(StoreError) -> Int {
        s.bind(1, id)
        s.bind(2, a)
        s.bind(3, b)
        defer { s.reset() }
        return try s.step() ? Int(s.int(0)) : 0
    }

    private func insertCoverage(_ c: CoverageRecord, _ id: Int64) throws(StoreError) {
        let s = try db.prepare(
            """
            INSERT INTO coverage (series_id, start_ts, end_ts, provider, outcome, recorded_at, detail, ticker, run_id, request_id)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            ON CONFLICT (series_id, start_ts, end_ts, provider) DO UPDATE SET
                outcome = excluded.outcome, recorded_at = excluded.recorded_at, detail = excluded.detail, ticker = excluded.ticker,
                run_id = excluded.run_id, request_id = excluded.request_id
            """)
        s.bind(1, id)
        s.bind(2, c.start)
        s.bind(3, c.end)
        s.bind(4, c.provider)
        s.bind(5, c.outcome.rawValue)
        s.bind(6, c.recordedAt)
        s.bind(7, c.detail)
        s.bind(8, c.ticker)
        s.bind(9, c.runId)
        s.bind(10, c.requestId)
        try s.run()
    }

    public func revisions(start: Int64, end: Int64, runId: Int64?) throws(StoreError) -> [CandleRevision] {
        let s = try db.prepare(Schema.revisionSelect(.sqlite, byRun: runId != nil))
        s.bind(1, start)
        s.bind(2, end)
        if let runId { s.bind(3, runId) }
        defer { s.reset() }
        var out: [CandleRevision] = []
        while try s.step() {
            let row = CandleRevision.fromRow(
                text: { s.text(Int32($0)) }, isNull: { s.isNull(Int32($0)) }, int: { s.int(Int32($0)) }, double: { s.double(Int32($0)) })
            if let row { out.append(row) }
        }
        return out
    }

    public func recordCoverage(_ record: CoverageRecord, symbol: Symbol, timeframe: Timeframe) throws(StoreError) {
        try transaction { () throws(StoreError) in
            guard let id = try seriesId(symbol, timeframe, create: true) else { return }
            try insertCoverage(record, id)
        }
    }

    public func coverage(symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64) throws(StoreError)
        -> [CoverageRecord]
    {
        guard let id = try seriesId(symbol, timeframe, create: false) else { return [] }
        let s = try db.prepare(
            """
            SELECT start_ts, end_ts, provider, outcome, recorded_at, detail, ticker, run_id, request_id FROM coverage
            WHERE series_id = ?1 AND end_ts > ?2 AND start_ts < ?3 ORDER BY start_ts, end_ts
            """)
        s.bind(1, id)
        s.bind(2, start)
        s.bind(3, end)
        defer { s.reset() }
        var out: [CoverageRecord] = []
        while try s.step() {
            out.append(
                CoverageRecord(
                    start: s.int(0), end: s.int(1), provider: s.text(2) ?? "",
                    outcome: CoverageRecord.Outcome(rawValue: s.text(3) ?? "") ?? .failed, recordedAt: s.int(4),
                    detail: s.text(5), ticker: s.text(6), runId: s.isNull(7) ? nil : s.int(7), requestId: s.text(8)))
        }
        return out
    }

    public func readCandles(
        symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64, batchSize: Int, _ body: (CandleBatch) throws -> Void
    ) throws {
        guard let id = try seriesId(symbol, timeframe, create: false) else { return }
        let s = try db.prepare(
            """
            SELECT ts, open, high, low, close, volume, vwap, trades FROM candles
            WHERE series_id = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts
            """)
        s.bind(1, id)
        s.bind(2, start)
        s.bind(3, end)
        defer { s.reset() }
        let batch = CandleBatch(capacity: batchSize)
        while try s.step() {
            Self.appendCandle(s, to: batch)
            if batch.count == batch.capacity {
                try body(batch)
                batch.count = 0
            }
        }
        if batch.count > 0 { try body(batch) }
    }

    public func readPrices(symbol: Symbol, timeframe: Timeframe, from start: Int64, into batch: CandleBatch) throws(StoreError) -> Int {
        batch.count = 0
        guard let id = try seriesId(symbol, timeframe, create: false) else { return 0 }
        let s = try db.prepare(
            "SELECT ts, open, high, low, close FROM candles WHERE series_id = ?1 AND ts >= ?2 ORDER BY ts LIMIT ?3")
        s.bind(1, id)
        s.bind(2, start)
        s.bind(3, Int64(batch.capacity))
        defer { s.reset() }
        var n = 0
        while try s.step() {
            batch.ts[n] = s.int(0)
            batch.open[n] = s.double(1)
            batch.high[n] = s.double(2)
            batch.low[n] = s.double(3)
            batch.close[n] = s.double(4)
            n += 1
        }
        batch.count = n
        return n
    }

    /// The current row of a `SELECT ts, open, high, low, close, volume, vwap, trades`, appended.
    private static func appendCandle(_ s: SQLiteStatement, to batch: CandleBatch) {
        batch.append(
            ts: s.int(0), open: s.double(1), high: s.double(2), low: s.double(3), close: s.double(4),
            volume: s.double(5), vwap: s.isNull(6) ? .nan : s.double(6), trades: s.isNull(7) ? -1 : s.int(7))
    }

    public func timestamps(symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64) throws(StoreError) -> [Int64] {
        guard let id = try seriesId(symbol, timeframe, create: false) else { return [] }
        let s = try db.prepare("SELECT ts FROM candles WHERE series_id = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts")
        s.bind(1, id)
        s.bind(2, start)
        s.bind(3, end)
        defer { s.reset() }
        var out: [Int64] = []
        while try s.step() { out.append(s.int(0)) }
        return out
    }

    public func dayCounts(symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64, step: Int64) throws(StoreError)
        -> [DayCount]
    {
        guard let id = try seriesId(symbol, timeframe, create: false) else { return [] }
        let s = try db.prepare(Schema.dayCountsSQL(.sqlite))
        s.bind(1, id)
        s.bind(2, start)
        s.bind(3, end)
        s.bind(4, step)
        defer { s.reset() }
        var out: [DayCount] = []
        while try s.step() { out.append(DayCount(day: s.int(0), count: Int(s.int(1)), first: s.int(2), last: s.int(3))) }
        return out
    }

    public func newestBars() throws(StoreError) -> [(symbol: Symbol, timeframe: Timeframe, ts: Int64)] {
        let s = try db.prepare(
            """
            SELECT symbol, timeframe, newest FROM (
                SELECT s.symbol, s.timeframe, (SELECT max(ts) FROM candles c WHERE c.series_id = s.id) AS newest FROM series s)
            WHERE newest IS NOT NULL
            """)
        defer { s.reset() }
        var out: [(Symbol, Timeframe, Int64)] = []
        while try s.step() {
            guard let sym = try? Symbol(s.text(0) ?? ""), let tf = Timeframe(rawValue: s.text(1) ?? "") else { continue }
            out.append((sym, tf, s.int(2)))
        }
        return out.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    public func candleCounts() throws(StoreError) -> [(symbol: Symbol, timeframe: Timeframe, count: Int)] {
        let s = try db.prepare(
            """
            SELECT s.symbol, s.timeframe, count(*) FROM candles c JOIN series s ON s.id = c.series_id
            GROUP BY s.symbol, s.timeframe ORDER BY s.symbol, s.timeframe
            """)
        defer { s.reset() }
        var out: [(Symbol, Timeframe, Int)] = []
        while try s.step() {
            guard let sym = try? Symbol(s.text(0) ?? ""), let tf = Timeframe(rawValue: s.text(1) ?? "") else { continue }
            out.append((sym, tf, Int(s.int(2))))
        }
        return out.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    // MARK: Features

    public func writeFeatures(_ batch: FeatureBatch, symbol: Symbol, timeframe: Timeframe) throws(StoreError) -> WriteCounts {
        try transaction { () throws(StoreError) in
            guard batch.count > 0, let id = try seriesId(symbol, timeframe, create: true) else { return WriteCounts() }
            let names = FeatureBatch.names
            let upsert = try db.prepare(
                """
                INSERT INTO features (series_id, ts, \(names.joined(separator: ", ")))
                VALUES (?1, ?2, \((3..<(3 + names.count)).map { "?\($0)" }.joined(separator: ", ")))
                ON CONFLICT (series_id, ts) DO UPDATE SET \(names.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
                WHERE \(names.map { "features.\($0) IS NOT excluded.\($0)" }.joined(separator: " OR "))
                """)
            let counter = try db.prepare("SELECT count(*) FROM features WHERE series_id = ?1 AND ts >= ?2 AND ts <= ?3")
            let first = batch.ts[0], last = batch.ts[batch.count - 1]
            let before = try count(counter, id, first, last)
            for i in 0..<batch.count {
                upsert.bind(1, id)
                upsert.bind(2, batch.ts[i])
                for (k, column) in batch.columns.enumerated() {
                    let v = column[i]
                    if v.isNaN { upsert.bindNull(Int32(3 + k)) } else { upsert.bind(Int32(3 + k), v) }
                }
                _ = try upsert.step()
                sqlite3_reset(upsert.handle)
            }
            let after = try count(counter, id, first, last)
            return WriteCounts(inserted: after - before, updated: batch.count - (after - before))
        }
    }

    public func candleRevision(symbol: Symbol, timeframe: Timeframe) throws(StoreError) -> Int64 {
        guard let id = try seriesId(symbol, timeframe, create: false) else { return 0 }
        let s = try db.prepare("SELECT revision FROM series WHERE id = ?1")
        s.bind(1, id)
        defer { s.reset() }
        return try s.step() ? s.int(0) : 0
    }

    public func latestFeatureCheckpoint(symbol: Symbol, timeframe: Timeframe) throws(StoreError) -> FeatureCheckpoint? {
        guard let id = try seriesId(symbol, timeframe, create: false) else { return nil }
        let s = try db.prepare(
            "SELECT ts, bars, path, state FROM feature_checkpoints WHERE series_id = ?1 ORDER BY ts DESC LIMIT 1")
        s.bind(1, id)
        defer { s.reset() }
        guard try s.step(), let bytes = Hex.decode(s.text(3) ?? "") else { return nil }
        return FeatureCheckpoint(ts: s.int(0), bars: Int(s.int(1)), path: s.text(2) ?? "", state: bytes)
    }

    public func saveFeatureCheckpoint(_ cp: FeatureCheckpoint, symbol: Symbol, timeframe: Timeframe, revision: Int64, spacing: Int)
        throws(StoreError) -> Bool
    {
        try transaction { () throws(StoreError) in
            guard let id = try seriesId(symbol, timeframe, create: false) else { return false }
            let rev = try db.prepare("SELECT revision FROM series WHERE id = ?1")
            rev.bind(1, id)
            let current = try rev.step() ? rev.int(0) : -1
            rev.reset()
            guard current == revision else { return false }
            let thin = try db.prepare(
                "DELETE FROM feature_checkpoints WHERE series_id = ?1 AND bars / ?2 = ?3 / ?2 AND ts < ?4")
            thin.bind(1, id)
            thin.bind(2, Int64(max(1, spacing)))
            thin.bind(3, Int64(cp.bars))
            thin.bind(4, cp.ts)
            try thin.run()
            let put = try db.prepare(
                "INSERT OR REPLACE INTO feature_checkpoints (series_id, ts, bars, path, state) VALUES (?1, ?2, ?3, ?4, ?5)")
            put.bind(1, id)
            put.bind(2, cp.ts)
            put.bind(3, Int64(cp.bars))
            put.bind(4, cp.path)
            put.bind(5, Hex.encode(cp.state))
            try put.run()
            return true
        }
    }

    public func dropFeatureCheckpoints(symbol: Symbol, timeframe: Timeframe) throws(StoreError) {
        guard let id = try seriesId(symbol, timeframe, create: false) else { return }
        let s = try db.prepare("DELETE FROM feature_checkpoints WHERE series_id = ?1")
        s.bind(1, id)
        try s.run()
    }

    public func lastCandles(symbol: Symbol, timeframe: Timeframe, through: Int64, count: Int) throws(StoreError)
        -> CandleBatch
    {
        let batch = CandleBatch(capacity: count)
        guard count > 0, let id = try seriesId(symbol, timeframe, create: false) else { return batch }
        let s = try db.prepare(
            """
            SELECT ts, open, high, low, close, volume, vwap, trades FROM (
                SELECT * FROM candles WHERE series_id = ?1 AND ts <= ?2 ORDER BY ts DESC LIMIT ?3) ORDER BY ts
            """)
        s.bind(1, id)
        s.bind(2, through)
        s.bind(3, Int64(count))
        defer { s.reset() }
        while try s.step() {
            Self.appendCandle(s, to: batch)
        }
        return batch
    }

    public func readFeatures(
        symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64, batchSize: Int, _ body: (FeatureBatch) throws -> Void
    ) throws {
        guard let id = try seriesId(symbol, timeframe, create: false) else { return }
        let s = try db.prepare(
            """
            SELECT ts, \(FeatureBatch.names.joined(separator: ", ")) FROM features
            WHERE series_id = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts
            """)
        s.bind(1, id)
        s.bind(2, start)
        s.bind(3, end)
        defer { s.reset() }
        let batch = FeatureBatch(capacity: batchSize)
        while try s.step() {
            let i = batch.count
            batch.ts[i] = s.int(0)
            for k in 0..<FeatureBatch.names.count {
                batch.columns[k][i] = s.isNull(Int32(k + 1)) ? .nan : s.double(Int32(k + 1))
            }
            batch.count += 1
            if batch.count == batch.capacity {
                try body(batch)
                batch.count = 0
            }
        }
        if batch.count > 0 { try body(batch) }
    }

    // MARK: Events

    public func upsertEvents(_ events: [StoredEvent]) throws(StoreError) -> Int {
        try transaction { () throws(StoreError) in
            let exists = try db.prepare("SELECT 1 FROM corporate_events WHERE symbol = ?1 AND kind = ?2 AND ex_date = ?3")
            let s = try db.prepare(Schema.eventUpsert(.sqlite))
            var added = 0
            for e in events {
                exists.bind(1, e.symbol.text)
                exists.bind(2, e.kind.rawValue)
                exists.bind(3, e.exDate)
                if !(try exists.step()) { added += 1 }
                exists.reset()
                s.bind(1, e.symbol.text)
                for (k, v) in e.rowValues.enumerated() { s.bind(Int32(k + 2), v) }
                try s.run()
            }
            return added
        }
    }

    public func replaceTickerChain(symbol: Symbol, provider: String, changes: [CorporateEvent], checkedAt: Int64)
        throws(StoreError)
    {
        try transaction { () throws(StoreError) in
            let drop = try db.prepare("DELETE FROM corporate_events WHERE symbol = ?1 AND kind IN (?2, ?3, ?4)")
            drop.bind(1, symbol.text)
            for (k, kind) in CorporateEvent.Kind.identity.enumerated() { drop.bind(Int32(k + 2), kind.rawValue) }
            try drop.run()
            let s = try db.prepare(Schema.eventUpsert(.sqlite))
            for change in changes where CorporateEvent.Kind.identity.contains(change.kind) {
                s.bind(1, symbol.text)
                for (k, v) in StoredEvent(symbol: symbol, provider: provider, event: change).rowValues.enumerated() {
                    s.bind(Int32(k + 2), v)
                }
                try s.run()
            }
            let check = try db.prepare(
                """
                INSERT INTO ticker_checks (symbol, provider, checked_at) VALUES (?1, ?2, ?3)
                ON CONFLICT (symbol, provider) DO UPDATE SET checked_at = excluded.checked_at
                """)
            check.bind(1, symbol.text)
            check.bind(2, provider)
            check.bind(3, checkedAt)
            try check.run()
        }
    }

    public func tickerChainCheckedAt(symbol: Symbol, provider: String) throws(StoreError) -> Int64? {
        let s = try db.prepare("SELECT checked_at FROM ticker_checks WHERE symbol = ?1 AND provider = ?2")
        s.bind(1, symbol.text)
        s.bind(2, provider)
        defer { s.reset() }
        return try s.step() ? s.int(0) : nil
    }

    public func events(symbol: Symbol) throws(StoreError) -> [StoredEvent] {
        let s = try db.prepare(Schema.eventSelect(.sqlite))
        s.bind(1, symbol.text)
        defer { s.reset() }
        var out: [StoredEvent] = []
        while try s.step() {
            out.append(
                StoredEvent.fromRow(
                    symbol: symbol, text: { s.text(Int32($0)) }, isNull: { s.isNull(Int32($0)) }, int: { s.int(Int32($0)) },
                    double: { s.double(Int32($0)) }))
        }
        return out
    }

    // MARK: Runs and the run lock

    public func beginRun(startedAt: Int64, options: String, trigger: String?) throws(StoreError) -> Int64 {
        try transaction { () throws(StoreError) in
            let s = try db.prepare("INSERT INTO runs (started_at, status, options, trigger) VALUES (?1, 'running', ?2, ?3)")
            s.bind(1, startedAt)
            s.bind(2, options)
            s.bind(3, trigger)
            try s.run()
            return sqlite3_last_insert_rowid(db.handle)
        }
    }

    public func finishRun(_ r: RunRecord) throws(StoreError) {
        try transaction { () throws(StoreError) in
            let s = try db.prepare(
                """
                UPDATE runs SET finished_at = ?2, status = ?3, summary = ?4, pairs = ?5, candles = ?6, gaps = ?7, exit_code = ?8
                WHERE id = ?1
                """)
            s.bind(1, r.id)
            s.bind(2, r.finishedAt)
            s.bind(3, r.status)
            s.bind(4, r.summary)
            s.bind(5, Int64(r.pairs))
            s.bind(6, Int64(r.candles))
            s.bind(7, Int64(r.gaps))
            s.bind(8, r.exitCode.map(Int64.init))
            try s.run()
        }
    }

    public func markAbandonedRuns(finishedAt: Int64) throws(StoreError) -> Int {
        try transaction { () throws(StoreError) in
            let s = try db.prepare("UPDATE runs SET status = 'abandoned', finished_at = ?1 WHERE status = 'running'")
            s.bind(1, finishedAt)
            try s.run()
            return db.changes
        }
    }

    public func runs(limit: Int, before: Int64?) throws(StoreError) -> [RunRecord] {
        let s = try db.prepare("SELECT \(Schema.runColumns) FROM runs WHERE id < ?2 ORDER BY id DESC LIMIT ?1")
        s.bind(1, Int64(max(0, limit)))
        s.bind(2, before ?? Int64.max)
        defer { s.reset() }
        var out: [RunRecord] = []
        while try s.step() { out.append(runRecord(s)) }
        return out
    }

    public func run(id: Int64) throws(StoreError) -> RunRecord? {
        let s = try db.prepare("SELECT \(Schema.runColumns) FROM runs WHERE id = ?1")
        s.bind(1, id)
        defer { s.reset() }
        return try s.step() ? runRecord(s) : nil
    }

    private func runRecord(_ s: SQLiteStatement) -> RunRecord {
        RunRecord(
            id: s.int(0), startedAt: s.int(1), finishedAt: s.isNull(2) ? nil : s.int(2), status: s.text(3) ?? "",
            pairs: Int(s.int(4)), candles: Int(s.int(5)), gaps: Int(s.int(6)),
            exitCode: s.isNull(7) ? nil : Int32(clamping: s.int(7)), summary: s.text(8), trigger: s.text(9))
    }

    public func tryLockRun() throws(StoreError) -> Bool {
        if lockFD >= 0 { return true }
        let fd = try openLockFile()
        guard bf_lock_file(fd) == 0 else {
            close(fd)
            return false
        }
        lockFD = fd
        return true
    }

    public func unlockRun() throws(StoreError) {
        guard lockFD >= 0 else { return }
        // Closing the file releases its lock.
        close(lockFD)
        lockFD = -1
    }

    public func runLockHeldElsewhere() throws(StoreError) -> Bool {
        if lockFD >= 0 { return false }
        let fd = try openLockFile()
        defer { close(fd) }
        let held = bf_file_locked_elsewhere(fd)
        guard held >= 0 else { throw StoreError(.storage, "cannot test the lock on '\(path).lock': \(String(cString: strerror(errno)))") }
        return held == 1
    }

    private func openLockFile() throws(StoreError) -> Int32 {
        let fd = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError(.storage, "cannot create lock file '\(path).lock': \(String(cString: strerror(errno)))")
        }
        return fd
    }
}
