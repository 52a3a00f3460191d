import BackfillCore
import BackfillStore
import BackfillTestSupport
import Foundation
import Testing

/// One contract, proven against both backends.
@Suite("Store contract")
struct StoreContractTests {
    static let backends = TestBackend.available

    static func batch(_ rows: [(Int64, Double)], vwap: Bool = true) -> CandleBatch {
        let b = CandleBatch(capacity: max(1, rows.count))
        for (ts, p) in rows {
            b.append(
                ts: ts, open: p, high: p + 1, low: p - 1, close: p + 0.5, volume: p * 10,
                vwap: vwap ? p + 0.25 : .nan, trades: vwap ? Int64(p) : -1)
        }
        return b
    }

    static func readAll(_ store: any CandleStore, _ s: Symbol, _ tf: Timeframe, batchSize: Int = 7) throws -> [Candle] {
        var out: [Candle] = []
        try store.readCandles(symbol: s, timeframe: tf, start: .min, end: .max, batchSize: batchSize) { out += $0.rows }
        return out
    }

    @Test("a new database is created at the current schema version; reopening keeps it", arguments: backends)
    func schema(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        #expect(try db.open().schemaVersion() == 8)
        #expect(try db.open().schemaVersion() == 8)
    }

    @Test("a version 1 database is migrated to version 8 on open: its runs are kept and gain their totals", arguments: backends)
    func migrateFromVersion1(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        _ = try db.open()
        // Back to version 1's runs table, with one finished run in it.
        for column in ["pairs", "candles", "gaps", "exit_code", "trigger"] { try db.sql("ALTER TABLE runs DROP COLUMN \(column)") }
        for table in [
            "api_keys", "audit_log", "schedules", "jobs", "workers", "rate_limits", "feature_checkpoints", "ticker_checks", "revisions",
        ] {
            try db.sql("DROP TABLE \(table)")
        }
        try db.sql("ALTER TABLE series DROP COLUMN revision")
        for column in [
            "report_time", "fiscal_year", "fiscal_period", "eps_estimate", "eps_actual", "revenue_estimate", "revenue_actual", "ticker",
        ] {
            try db.sql("ALTER TABLE corporate_events DROP COLUMN \(column)")
        }
        for column in ["ticker", "run_id", "request_id"] { try db.sql("ALTER TABLE coverage DROP COLUMN \(column)") }
        try db.sql("UPDATE backfill_meta SET value = '1' WHERE key = 'schema_version'")
        try db.sql("INSERT INTO runs (started_at, finished_at, status, options, summary) VALUES (1, 2, 'complete', '{}', '{}')")
        let store = try db.open()
        #expect(try store.schemaVersion() == 8)
        #expect(try store.keys().isEmpty && store.schedules().isEmpty)
        let runs = try store.runs(limit: 5)
        #expect(runs.count == 1 && runs[0].status == "complete" && runs[0].finishedAt == 2 && runs[0].exitCode == nil)
        try store.finishRun(RunRecord(id: runs[0].id, startedAt: 1, finishedAt: 3, status: "complete", pairs: 2, exitCode: 0))
        #expect(try store.runs(limit: 5)[0].pairs == 2)
    }

    @Test("a database from a newer Backfill is refused with a message", arguments: backends)
    func newerSchemaRefused(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        _ = try db.open()
        try db.sql("UPDATE backfill_meta SET value = '9' WHERE key = 'schema_version'")
        do {
            _ = try db.open()
            Issue.record("expected the newer schema to be refused")
        } catch let error as StoreError {
            #expect(error.kind == .schema)
            #expect(error.message == "the database's schema is version 9, newer than this backfill understands (8); upgrade backfill")
        }
    }

    @Test("symbols: add, list, deactivate (history kept), re-add reactivates", arguments: backends)
    func symbols(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let aapl = try Symbol("AAPL"), btc = try Symbol("BTC-USD")
        #expect(
            try store.upsertSymbols([
                SymbolRecord(symbol: aapl, assetClass: .stock, addedAt: 1),
                SymbolRecord(symbol: btc, assetClass: .crypto, ticker: "X:BTCUSD", addedAt: 2),
            ]) == 2)
        #expect(try store.symbols(activeOnly: true).map(\.symbol) == [aapl, btc])
        #expect(try store.symbols(activeOnly: true)[1].ticker == "X:BTCUSD")
        #expect(try store.deactivate([btc, try Symbol("NOPE")]) == 1)
        #expect(try store.symbols(activeOnly: true).map(\.symbol) == [aapl])
        #expect(try store.symbols(activeOnly: false).map(\.active) == [true, false])
        #expect(try store.upsertSymbols([SymbolRecord(symbol: btc, assetClass: .crypto, addedAt: 9)]) == 0)
        let again = try store.symbols(activeOnly: true)
        #expect(again.map(\.symbol) == [aapl, btc])
        #expect(again[1].ticker == "X:BTCUSD")  // kept when not given again
        #expect(again[1].addedAt == 2)  // first added
    }

    @Test("writes are idempotent upserts with exact inserted/updated counts; reads return them in order", arguments: backends)
    func upsertAndRead(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("SPY")
        let first = Self.batch((0..<50).map { (Int64($0) * 60_000, 100 + Double($0)) })
        #expect(try store.write(first, symbol: s, timeframe: .m1, coverage: nil) == WriteCounts(inserted: 50, updated: 0))
        #expect(try store.write(first, symbol: s, timeframe: .m1, coverage: nil) == WriteCounts(inserted: 0, updated: 50))
        // Overlapping batch: 25 old rows with new prices, 25 new rows.
        let second = Self.batch((25..<75).map { (Int64($0) * 60_000, 200 + Double($0)) }, vwap: false)
        #expect(try store.write(second, symbol: s, timeframe: .m1, coverage: nil) == WriteCounts(inserted: 25, updated: 25, revised: 25))
        let rows = try Self.readAll(store, s, .m1)
        #expect(rows.count == 75)
        #expect(rows.map(\.ts) == (0..<75).map { Int64($0) * 60_000 })
        #expect(rows[10] == Candle(ts: 600_000, open: 110, high: 111, low: 109, close: 110.5, volume: 1100, vwap: 110.25, trades: 110))
        #expect(rows[30] == Candle(ts: 1_800_000, open: 230, high: 231, low: 229, close: 230.5, volume: 2300))
        #expect(try store.timestamps(symbol: s, timeframe: .m1, start: 60_000, end: 180_000) == [60_000, 120_000])
        // Other series are separate.
        #expect(try Self.readAll(store, s, .m5).isEmpty)
        let counts = try store.candleCounts()
        #expect(counts.count == 1 && counts[0].count == 75 && counts[0].timeframe == .m1)
    }

    @Test(
        "feature checkpoints: a write that inserts or changes a candle moves the revision and drops the checkpoints at or after it; an identical rewrite does neither",
        arguments: backends)
    func featureCheckpoints(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("SPY")
        #expect(try store.candleRevision(symbol: s, timeframe: .m1) == 0)
        #expect(try store.latestFeatureCheckpoint(symbol: s, timeframe: .m1) == nil)
        let rows = (0..<100).map { (Int64($0) * 60_000, 100 + Double($0)) }
        _ = try store.write(Self.batch(rows), symbol: s, timeframe: .m1, coverage: nil)
        let r1 = try store.candleRevision(symbol: s, timeframe: .m1)
        #expect(r1 == 1)
        func cp(_ bar: Int) -> FeatureCheckpoint {
            FeatureCheckpoint(ts: Int64(bar - 1) * 60_000, bars: bar, path: "scalar", state: [0, 1, 2, 255, UInt8(bar % 256)])
        }
        // Checkpoints after bars 40, 70, 100 (one per 30 bars kept); a stale revision stores nothing.
        for bar in [40, 70, 100] { #expect(try store.saveFeatureCheckpoint(cp(bar), symbol: s, timeframe: .m1, revision: r1, spacing: 30)) }
        #expect(try !store.saveFeatureCheckpoint(cp(90), symbol: s, timeframe: .m1, revision: r1 - 1, spacing: 65_536))
        #expect(try store.latestFeatureCheckpoint(symbol: s, timeframe: .m1) == cp(100))
        // The same rows again: nothing changed, nothing dropped.
        _ = try store.write(Self.batch(rows), symbol: s, timeframe: .m1, coverage: nil)
        #expect(try store.candleRevision(symbol: s, timeframe: .m1) == r1)
        #expect(try store.latestFeatureCheckpoint(symbol: s, timeframe: .m1) == cp(100))
        // New bars after the last checkpoint: the revision moves, the checkpoints stay.
        _ = try store.write(Self.batch([(100 * 60_000, 1)]), symbol: s, timeframe: .m1, coverage: nil)
        #expect(try store.candleRevision(symbol: s, timeframe: .m1) == r1 + 1)
        #expect(try store.latestFeatureCheckpoint(symbol: s, timeframe: .m1) == cp(100))
        // A revised bar 50 (with unchanged neighbours in its batch): the checkpoints after bars 70 and 100 go.
        let revised = Self.batch(rows[48..<53].map { $0 })
        revised.close[2] += 0.01
        _ = try store.write(revised, symbol: s, timeframe: .m1, coverage: nil)
        #expect(try store.latestFeatureCheckpoint(symbol: s, timeframe: .m1) == cp(40))
        // A bar inserted into a hole before it drops that one too.
        _ = try store.write(Self.batch([(-60_000, 5)]), symbol: s, timeframe: .m1, coverage: nil)
        #expect(try store.latestFeatureCheckpoint(symbol: s, timeframe: .m1) == nil)
        // A chunk of prices from a time on: at most the batch's capacity, bit-exact, in order.
        let prices = CandleBatch(capacity: 3)
        #expect(try store.readPrices(symbol: s, timeframe: .m1, from: 10 * 60_000 + 1, into: prices) == 3)
        #expect((0..<3).map { prices.ts[$0] } == [11, 12, 13].map { Int64($0) * 60_000 })
        #expect(prices.open[0] == 111 && prices.high[1] == 113 && prices.low[2] == 112 && prices.close[0] == 111.5)
        #expect(try store.readPrices(symbol: s, timeframe: .m1, from: 99 * 60_000, into: prices) == 2 && prices.count == 2)
        #expect(try store.readPrices(symbol: s, timeframe: .m5, from: .min, into: prices) == 0)
        // The last bars through a time, ascending.
        let last = try store.lastCandles(symbol: s, timeframe: .m1, through: 9 * 60_000, count: 3)
        #expect(last.rows.map(\.ts) == [7, 8, 9].map { Int64($0) * 60_000 })
        #expect(try store.lastCandles(symbol: s, timeframe: .m5, through: .max, count: 3).count == 0)
        // Thinning: of checkpoints within one 65,536-bar span, only the newest stays.
        let r = try store.candleRevision(symbol: s, timeframe: .m1)
        for bar in [10, 20, 65_540] {
            #expect(try store.saveFeatureCheckpoint(cp(bar), symbol: s, timeframe: .m1, revision: r, spacing: 65_536))
        }
        try store.dropFeatureCheckpoints(symbol: s, timeframe: .m1)
        #expect(try store.latestFeatureCheckpoint(symbol: s, timeframe: .m1) == nil)
        for bar in [10, 20] { #expect(try store.saveFeatureCheckpoint(cp(bar), symbol: s, timeframe: .m1, revision: r, spacing: 65_536)) }
        #expect(try db.sql("SELECT count(*) FROM feature_checkpoints").trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        #expect(try store.saveFeatureCheckpoint(cp(65_540), symbol: s, timeframe: .m1, revision: r, spacing: 65_536))
        #expect(try db.sql("SELECT count(*) FROM feature_checkpoints").trimmingCharacters(in: .whitespacesAndNewlines) == "2")
    }

    @Test("doubles round-trip bit-exactly", arguments: backends)
    func exactDoubles(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let b = CandleBatch(capacity: 3)
        b.append(
            ts: 1, open: 0.1 + 0.2, high: 1e300, low: 5e-324, close: 1.0000000000000002, volume: 1.12117471e+08, vwap: 123.456789012345678)
        b.append(ts: 2, open: 1.1076, high: 1.10785, low: 1.1076, close: 1.1078, volume: 0)
        _ = try store.write(b, symbol: try Symbol("X"), timeframe: .d1, coverage: nil)
        #expect(try Self.readAll(store, try Symbol("X"), .d1) == b.rows)
    }

    @Test("a batch and its coverage commit together: if the coverage insert fails, no candle is stored", arguments: backends)
    func atomicBatchAndCoverage(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("AAA")
        try db.sql(
            """
            CREATE TRIGGER boom BEFORE INSERT ON coverage WHEN NEW.provider = 'boom'
            BEGIN SELECT RAISE(ABORT, 'injected failure'); END;
            """,
            postgres: """
                CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.provider = 'boom' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$;
                CREATE TRIGGER boom BEFORE INSERT ON coverage FOR EACH ROW EXECUTE FUNCTION boom();
                """)
        let b = Self.batch((0..<10).map { (Int64($0) * 86_400_000, 10) })
        let bad = CoverageRecord(start: 0, end: 10 * 86_400_000, provider: "boom", outcome: .fetched, recordedAt: 1)
        #expect(throws: StoreError.self) { try store.write(b, symbol: s, timeframe: .d1, coverage: bad) }
        #expect(try Self.readAll(store, s, .d1).isEmpty)
        #expect(try store.coverage(symbol: s, timeframe: .d1, start: .min, end: .max).isEmpty)
        // The store is still usable and the same write with a good record lands whole.
        let good = CoverageRecord(start: 0, end: 10 * 86_400_000, provider: "replay", outcome: .fetched, recordedAt: 2)
        #expect(try store.write(b, symbol: s, timeframe: .d1, coverage: good).inserted == 10)
        #expect(try store.coverage(symbol: s, timeframe: .d1, start: .min, end: .max) == [good])
    }

    @Test(
        "a write that changes stored bars keeps their old values as revisions (provider, run); one that changes nothing keeps none",
        arguments: backends)
    func revisions(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("REV")
        let day = UTCTime.msPerDay
        let first = Self.batch((0..<10).map { (Int64($0) * day, 100 + Double($0)) }, vwap: false)
        let run1 = CandleSource(provider: "p", runId: 1)
        #expect(try store.write(first, symbol: s, timeframe: .d1, coverage: nil, source: run1).revised == 0)
        // The same values again (a settle-window re-fetch that changes nothing): nothing recorded.
        #expect(try store.write(first, symbol: s, timeframe: .d1, coverage: nil, source: run1) == WriteCounts(updated: 10))
        #expect(try store.revisions(start: .min, end: .max, runId: nil).isEmpty)
        // Bars 3 and 7 revised (a close; a vwap the vendor now gives), bar 10 new; the coverage
        // record of the write names the run and the request.
        let second = CandleBatch(capacity: 3)
        for (i, row) in [first.row(3), first.row(7)].enumerated() {
            second.append(
                ts: row.ts, open: row.open, high: row.high, low: row.low, close: i == 0 ? row.close + 0.25 : row.close,
                volume: row.volume, vwap: i == 1 ? 107.1 : .nan, trades: -1)
        }
        second.append(ts: 10 * day, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3, vwap: .nan, trades: -1)
        let coverage = CoverageRecord(
            start: 3 * day, end: 11 * day, provider: "p", outcome: .fetched, recordedAt: 5, runId: 2, requestId: "req-42")
        let counts = try store.write(second, symbol: s, timeframe: .d1, coverage: coverage, source: CandleSource(provider: "p", runId: 2))
        #expect(counts == WriteCounts(inserted: 1, updated: 2, revised: 2))
        let revised = try store.revisions(start: .min, end: .max, runId: nil)
        #expect(revised.map(\.ts) == [3 * day, 7 * day])
        #expect(revised.allSatisfy { $0.symbol == s && $0.timeframe == .d1 && $0.provider == "p" && $0.runId == 2 && $0.recordedAt > 0 })
        #expect(revised[0].old == first.row(3) && revised[0].new.close == first.row(3).close + 0.25 && revised[0].new.vwap == nil)
        #expect(revised[1].old.vwap == nil && revised[1].new.vwap == 107.1 && revised[1].new.close == revised[1].old.close)
        // The stored rows are the new values.
        #expect(try Self.readAll(store, s, .d1)[7].vwap == 107.1)
        // Filters: the bar's time range, the run.
        #expect(try store.revisions(start: 4 * day, end: 8 * day, runId: nil).map(\.ts) == [7 * day])
        #expect(try store.revisions(start: .min, end: .max, runId: 1).isEmpty)
        #expect(try store.revisions(start: .min, end: .max, runId: 2).count == 2)
        // The coverage keeps its run and request id.
        let stored = try store.coverage(symbol: s, timeframe: .d1, start: 0, end: 20 * day)
        #expect(stored.map(\.runId) == [2] && stored.map(\.requestId) == ["req-42"])
        // A write without a source records the coverage's provider and run.
        let third = Self.batch([(0, 50)], vwap: false)
        _ = try store.write(third, symbol: s, timeframe: .d1, coverage: coverage)
        let last = try store.revisions(start: 0, end: 1, runId: nil)
        #expect(last.count == 1 && last[0].provider == "p" && last[0].runId == 2 && last[0].old == first.row(0))
    }

    @Test("coverage: upserted per range and provider, queried by overlap", arguments: backends)
    func coverage(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("C")
        try store.recordCoverage(
            CoverageRecord(start: 0, end: 100, provider: "p", outcome: .failed, recordedAt: 1, detail: "transient: 502"), symbol: s,
            timeframe: .h1)
        try store.recordCoverage(
            CoverageRecord(start: 100, end: 200, provider: "p", outcome: .empty, recordedAt: 1), symbol: s, timeframe: .h1)
        try store.recordCoverage(
            CoverageRecord(start: 0, end: 100, provider: "p", outcome: .fetched, recordedAt: 2), symbol: s, timeframe: .h1)
        let all = try store.coverage(symbol: s, timeframe: .h1, start: 0, end: 1000)
        #expect(all.map(\.outcome) == [.fetched, .empty])
        #expect(all[0].detail == nil)
        #expect(try store.coverage(symbol: s, timeframe: .h1, start: 150, end: 160).map(\.start) == [100])
        #expect(try store.coverage(symbol: s, timeframe: .h1, start: 200, end: 300).isEmpty)
    }

    @Test("earnings reports round-trip beside splits and dividends; unknown figures stay unknown", arguments: backends)
    func earningsEvents(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("AAPL")
        let report = CorporateEvent.Earnings(
            time: .afterClose, fiscalYear: 2024, fiscalPeriod: "Q1", epsEstimate: 2.1, epsActual: 2.18, revenueEstimate: 1.1791e11,
            revenueActual: .nan)
        let events = [
            StoredEvent(symbol: s, provider: "p", event: CorporateEvent(kind: .split, exDate: 1_000, splitFrom: 1, splitTo: 4)),
            StoredEvent(symbol: s, provider: "p", event: CorporateEvent(kind: .earnings, exDate: 1_000, currency: "USD", earnings: report)),
            StoredEvent(
                symbol: s, provider: "p", event: CorporateEvent(kind: .earnings, exDate: 2_000, earnings: CorporateEvent.Earnings())),
        ]
        #expect(try store.upsertEvents(events) == 3)
        #expect(try store.events(symbol: s) == [events[1], events[0], events[2]])  // by date, then kind
        // A later answer with the actual revenue replaces the report, as a new one does not.
        var revised = events[1]
        revised.event.earnings?.revenueActual = 1.19575e11
        #expect(try store.upsertEvents([revised]) == 0)
        #expect(try store.events(symbol: s)[0].earnings?.revenueActual == 1.19575e11)
    }

    @Test(
        "a ticker chain replaces the stored one whole, beside the other events; its check time and coverage's ticker are kept",
        arguments: backends)
    func tickerChain(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("META")
        #expect(try store.tickerChainCheckedAt(symbol: s, provider: "polygon") == nil)
        let split = StoredEvent(symbol: s, provider: "polygon", event: CorporateEvent(kind: .split, exDate: 500, splitFrom: 1, splitTo: 2))
        _ = try store.upsertEvents([split])
        let fb = CorporateEvent(kind: .tickerChange, exDate: 100, ticker: "FB")
        let wrong = CorporateEvent(kind: .tickerChange, exDate: 900, ticker: "META")
        try store.replaceTickerChain(symbol: s, provider: "polygon", changes: [fb, wrong], checkedAt: 1_000)
        #expect(try store.events(symbol: s).map(\.ticker) == ["FB", nil, "META"])
        #expect(try store.tickerChainCheckedAt(symbol: s, provider: "polygon") == 1_000)
        // The provider revised the rename's date: the old link is gone, the split stays.
        let right = CorporateEvent(kind: .tickerChange, exDate: 800, ticker: "META")
        try store.replaceTickerChain(symbol: s, provider: "polygon", changes: [fb, right], checkedAt: 2_000)
        let stored = try store.events(symbol: s)
        #expect(stored.map(\.event) == [fb, split.event, right])
        #expect(stored.allSatisfy { $0.provider == "polygon" })
        #expect(try store.tickerChainCheckedAt(symbol: s, provider: "polygon") == 2_000)
        #expect(try store.tickerChainCheckedAt(symbol: s, provider: "replay") == nil)
        // An empty answer clears the chain but records the check.
        try store.replaceTickerChain(symbol: s, provider: "replay", changes: [], checkedAt: 3_000)
        #expect(try store.events(symbol: s).map(\.event) == [split.event])
        #expect(try store.tickerChainCheckedAt(symbol: s, provider: "replay") == 3_000)
        // Coverage keeps the ticker a range was fetched under (nil: the symbol's own).
        let old = CoverageRecord(start: 0, end: 800, provider: "polygon", outcome: .fetched, recordedAt: 5, ticker: "FB")
        let new = CoverageRecord(start: 800, end: 900, provider: "polygon", outcome: .empty, recordedAt: 6)
        try store.recordCoverage(old, symbol: s, timeframe: .d1)
        try store.recordCoverage(new, symbol: s, timeframe: .d1)
        #expect(try store.coverage(symbol: s, timeframe: .d1, start: .min, end: .max) == [old, new])
        let batch = CandleBatch(capacity: 1)
        _ = batch.append(ts: 900, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3)
        let third = CoverageRecord(start: 900, end: 1000, provider: "polygon", outcome: .fetched, recordedAt: 7, ticker: "X")
        _ = try store.write(batch, symbol: s, timeframe: .d1, coverage: third)
        #expect(try store.coverage(symbol: s, timeframe: .d1, start: 900, end: .max) == [third])
    }

    @Test("corporate events upsert by (symbol, kind, date)", arguments: backends)
    func events(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("AAPL")
        let split = StoredEvent(
            symbol: s, provider: "replay", event: CorporateEvent(kind: .split, exDate: 1_598_832_000_000, splitFrom: 1, splitTo: 4))
        let div = StoredEvent(
            symbol: s, provider: "replay",
            event: CorporateEvent(kind: .dividend, exDate: 1_596_758_400_000, cashAmount: 0.82, currency: "USD", payDate: 1_597_276_800_000)
        )
        #expect(try store.upsertEvents([split, div]) == 2)
        #expect(try store.upsertEvents([split]) == 0)
        #expect(try store.events(symbol: s) == [div, split])
    }

    @Test("runs are recorded and listed; one run lock per database, testable without taking it", arguments: backends)
    func runsAndLock(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let a = try db.open(), b = try db.open()
        let id = try a.beginRun(startedAt: 5, options: "{}")
        try a.finishRun(
            RunRecord(
                id: id, startedAt: 5, finishedAt: 9, status: "complete", pairs: 4, candles: 120, gaps: 1, exitCode: 0,
                summary: "{\"ok\":true}"))
        #expect(
            try db.sql("SELECT status || ' ' || summary || ' ' || pairs || ' ' || candles || ' ' || gaps || ' ' || exit_code FROM runs")
                .trimmingCharacters(in: .whitespacesAndNewlines) == "complete {\"ok\":true} 4 120 1 0")
        // A run left running (its process died) is marked abandoned by whoever holds the lock next.
        let dead = try a.beginRun(startedAt: 20, options: "{}")
        let listed = try b.runs(limit: 10)
        #expect(listed.map(\.id) == [dead, id])
        #expect(listed[0].status == "running" && listed[0].finishedAt == nil && listed[0].exitCode == nil)
        #expect(
            listed[1]
                == RunRecord(
                    id: id, startedAt: 5, finishedAt: 9, status: "complete", pairs: 4, candles: 120, gaps: 1, exitCode: 0,
                    summary: "{\"ok\":true}"))
        #expect(try b.runs(limit: 1).count == 1)
        #expect(try a.markAbandonedRuns(finishedAt: 30) == 1)
        #expect(try a.runs(limit: 10).first?.status == "abandoned")
        #expect(try a.markAbandonedRuns(finishedAt: 31) == 0)

        #expect(try !b.runLockHeldElsewhere())
        #expect(try a.tryLockRun())
        #expect(try b.runLockHeldElsewhere())
        #expect(try !a.runLockHeldElsewhere())  // its own lock
        #expect(try !b.tryLockRun())
        try a.unlockRun()
        #expect(try !b.runLockHeldElsewhere())
        #expect(try b.tryLockRun())
        try b.unlockRun()
    }

    @Test("large batches stream in and out with the reusable buffer", arguments: backends)
    func largeBatch(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("BIG")
        let b = CandleBatch(capacity: 20_000)
        for i in 0..<20_000 { b.append(ts: Int64(i) * 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: Double(i)) }
        #expect(try store.write(b, symbol: s, timeframe: .m1, coverage: nil).inserted == 20_000)
        var sum = 0.0, batches = 0, n = 0
        try store.readCandles(symbol: s, timeframe: .m1, start: .min, end: .max, batchSize: 4096) { batch in
            batches += 1
            n += batch.count
            for i in 0..<batch.count { sum += batch.volume[i] }
        }
        #expect(n == 20_000 && batches == 5)
        #expect(sum == Double(19_999 * 20_000 / 2))
    }
}

@Suite("Store contract: features")
struct FeatureStoreContractTests {
    @Test(
        "feature rows upsert (NaN as NULL) and read back in order; unchanged rows are not counted as new", arguments: TestBackend.available)
    func features(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("F")
        let b = FeatureBatch(capacity: 100)
        for i in 0..<100 {
            b.ts[i] = Int64(i) * 86_400_000
            for (k, c) in b.columns.enumerated() { c[i] = i < k ? .nan : Double(i) * 0.5 + Double(k) / 3 }
        }
        b.count = 100
        #expect(try store.writeFeatures(b, symbol: s, timeframe: .d1) == WriteCounts(inserted: 100, updated: 0))
        #expect(try store.writeFeatures(b, symbol: s, timeframe: .d1) == WriteCounts(inserted: 0, updated: 100))
        var read: [(Int64, [Double])] = []
        try store.readFeatures(symbol: s, timeframe: .d1, start: .min, end: .max, batchSize: 33) { f in
            for i in 0..<f.count { read.append((f.ts[i], f.columns.map { $0[i] })) }
        }
        #expect(read.count == 100)
        for (i, row) in read.enumerated() {
            #expect(row.0 == Int64(i) * 86_400_000)
            for k in 0..<9 {
                let want = b.columns[k][i]
                #expect(want.isNaN ? row.1[k].isNaN : row.1[k] == want)
            }
        }
        #expect(try db.sql("SELECT count(*) FROM features WHERE slope_20 IS NULL").trimmingCharacters(in: .whitespacesAndNewlines) == "8")
    }

    @Test(
        "per-day counts of grid-aligned bars: count, first and last per UTC day; off-grid stamps and other series ignored",
        arguments: StoreContractTests.backends)
    func dayCounts(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("D")
        let day: Int64 = 86_400_000
        // Day 10: 00:00, 00:05, 23:55 and an off-grid 00:07; day 11: 12:00; day 12: nothing.
        let rows: [(Int64, Double)] = [0, 300_000, day - 300_000, 420_000, day + day / 2].map { (10 * day + $0, 1) }
        _ = try store.write(StoreContractTests.batch(rows.sorted { $0.0 < $1.0 }), symbol: s, timeframe: .m5, coverage: nil)
        _ = try store.write(StoreContractTests.batch([(10 * day, 1)]), symbol: try Symbol("OTHER"), timeframe: .m5, coverage: nil)
        let counts = try store.dayCounts(symbol: s, timeframe: .m5, start: 10 * day, end: 13 * day, step: 300_000)
        #expect(
            counts == [
                DayCount(day: 10, count: 3, first: 10 * day, last: 11 * day - 300_000),
                DayCount(day: 11, count: 1, first: 11 * day + day / 2, last: 11 * day + day / 2),
            ])
        #expect(try store.dayCounts(symbol: s, timeframe: .m5, start: 10 * day + 1, end: 11 * day, step: 300_000).map(\.count) == [2])
        #expect(try store.dayCounts(symbol: try Symbol("NONE"), timeframe: .m5, start: 0, end: 20 * day, step: 300_000).isEmpty)
        // Before 1970 the day is still the floor: 1969-12-31 is day -1.
        let old = try Symbol("OLD")
        _ = try store.write(StoreContractTests.batch([(-day, 1), (-300_000, 1)]), symbol: old, timeframe: .m5, coverage: nil)
        #expect(
            try store.dayCounts(symbol: old, timeframe: .m5, start: -2 * day, end: 0, step: 300_000)
                == [DayCount(day: -1, count: 2, first: -day, last: -300_000)])
    }

    @Test(
        "PostgreSQL candles partitioned by month: partitions made as writes reach a month, upserts and reads as usual, a month dropped whole"
    )
    func monthlyPartitions() throws {
        guard TestBackend.available.contains(.postgres) else { return }
        let db = try TestDatabase(.postgres)
        defer { withExtendedLifetime(db) {} }
        let url = try DatabaseURL.parse(db.url)
        let store = try Stores.open(url, partition: .monthly)
        let s = try Symbol("P")
        let jan = try UTCTime.parse("2024-01-30"), mar = try UTCTime.parse("2024-03-02")
        let rows = stride(from: jan, to: mar, by: 86_400_000).map { ($0, Double($0 % 97)) }
        #expect(
            try store.write(StoreContractTests.batch(rows), symbol: s, timeframe: .d1, coverage: nil) == WriteCounts(inserted: rows.count))
        #expect(
            try store.write(StoreContractTests.batch(rows), symbol: s, timeframe: .d1, coverage: nil) == WriteCounts(updated: rows.count))
        let parts = try db.psql(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'candles'::regclass ORDER BY 1")
        #expect(parts.split(separator: "\n") == ["candles_y2024m01", "candles_y2024m02", "candles_y2024m03"], "\(parts)")
        #expect(try store.timestamps(symbol: s, timeframe: .d1, start: .min, end: .max) == rows.map(\.0))
        // Retention: a month goes with its partition; a later open without the option keeps the layout.
        try db.psql("DROP TABLE candles_y2024m01")
        let again = try Stores.open(url)
        let april = try UTCTime.parse("2024-04-10"), february = try UTCTime.parse("2024-02-01")
        _ = try again.write(StoreContractTests.batch([(april, 1)]), symbol: s, timeframe: .d1, coverage: nil)
        let kept = try again.timestamps(symbol: s, timeframe: .d1, start: .min, end: .max)
        #expect(kept.first == february && kept.last == april)
        // The first store still believes January's partition exists: its write makes it again.
        #expect(try store.write(StoreContractTests.batch([(jan, 2)]), symbol: s, timeframe: .d1, coverage: nil) == WriteCounts(inserted: 1))
        #expect(try db.psql("SELECT count(*) FROM pg_inherits WHERE inhparent = 'candles'::regclass").hasPrefix("4"))
        // Asked of a database made without it, or of SQLite: one clear refusal.
        let plain = try TestDatabase(.postgres)
        defer { withExtendedLifetime(plain) {} }
        _ = try plain.open()
        let plainURL = try DatabaseURL.parse(plain.url)
        #expect(Self.refusal(plainURL)?.hasPrefix("database.partition is monthly, but this database's candles table is one table") == true)
        let sqlite = try TestDatabase(.sqlite)
        defer { withExtendedLifetime(sqlite) {} }
        let sqliteURL = try DatabaseURL.parse(sqlite.url)
        #expect(Self.refusal(sqliteURL) == "database.partition monthly needs PostgreSQL; SQLite keeps candles in one table")
    }

    /// Why opening `url` with monthly partitions fails (nil when it opens).
    static func refusal(_ url: DatabaseURL) -> String? {
        do {
            _ = try Stores.open(url, partition: .monthly)
            return nil
        } catch {
            return error.message
        }
    }
}

@Suite("Provenance")
struct ProvenanceTests {
    @Test("a bar belongs to the newest fetched range that contains it; failed and empty ranges own nothing; outside every range, nil")
    func newestWins() {
        func r(_ a: Int64, _ b: Int64, _ at: Int64, _ outcome: CoverageRecord.Outcome = .fetched) -> CoverageRecord {
            CoverageRecord(start: a, end: b, provider: "p", outcome: outcome, recordedAt: at, runId: at)
        }
        // [0,100) at 1; a refill [40,60) at 3; a failed retry [0,100) at 4; [90,120) at 2; empty [200,300) at 5.
        let p = Provenance([r(0, 100, 1), r(40, 60, 3), r(0, 100, 4, .failed), r(90, 120, 2), r(200, 300, 5, .empty)])
        func run(_ ts: Int64) -> Int64? { p.record(at: ts).flatMap { p.records[$0].runId } }
        #expect([0, 39, 40, 59, 60, 89, 90, 119, 120, 250, -1].map(run) == [1, 1, 3, 3, 1, 1, 2, 2, nil, nil, nil])
        #expect(Provenance([]).record(at: 0) == nil)
    }
}
