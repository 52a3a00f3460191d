internal import BackfillCore

/// The database schema, per dialect, and its version history.
///
/// Candles are keyed by a small integer series id (one per symbol/timeframe) and the bar's start in
/// epoch milliseconds: an 8+8-byte key keeps SQLite's B-tree and PostgreSQL's index small (see
/// docs/performance.md). The `candles_view` view shows symbol and timeframe names for people.
enum Schema {
    /// The version this program writes. A database at a higher version is refused.
    static let currentVersion = 8

    enum Dialect { case sqlite, postgres }

    /// The statements that bring an empty database to version 1.
    /// - Parameter monthly: candles range-partitioned by `ts` (PostgreSQL; partitions are made
    ///   month by month as writes need them, see `PostgresStore.ensurePartitions`).
    static func version1(_ d: Dialect, monthly: Bool = false) -> [String] {
        let int = d == .sqlite ? "INTEGER" : "BIGINT"
        let real = d == .sqlite ? "REAL" : "DOUBLE PRECISION"
        let bool = d == .sqlite ? "INTEGER" : "BOOLEAN"
        let serial = d == .sqlite ? "INTEGER PRIMARY KEY" : "SERIAL PRIMARY KEY"
        let bigserial = d == .sqlite ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY"
        let withoutRowid = d == .sqlite ? " WITHOUT ROWID" : ""
        let features = FeatureBatch.names
        let barTime =
            d == .sqlite
            ? "strftime('%Y-%m-%dT%H:%M:%SZ', c.ts / 1000, 'unixepoch') AS bar_time"
            : "to_timestamp(c.ts / 1000.0) AS bar_time"
        return [
            """
            CREATE TABLE symbols (
                symbol TEXT PRIMARY KEY, asset_class TEXT NOT NULL, active \(bool) NOT NULL,
                ticker TEXT, added_at \(int) NOT NULL)
            """,
            "CREATE TABLE series (id \(serial), symbol TEXT NOT NULL, timeframe TEXT NOT NULL, UNIQUE (symbol, timeframe))",
            """
            CREATE TABLE candles (
                series_id INTEGER NOT NULL, ts \(int) NOT NULL, open \(real) NOT NULL, high \(real) NOT NULL,
                low \(real) NOT NULL, close \(real) NOT NULL, volume \(real) NOT NULL, vwap \(real), trades \(int),
                PRIMARY KEY (series_id, ts))\(withoutRowid)\(monthly ? " PARTITION BY RANGE (ts)" : "")
            """,
            """
            CREATE TABLE features (
                series_id INTEGER NOT NULL, ts \(int) NOT NULL, \(features.map { "\($0) \(real)" }.joined(separator: ", ")),
                PRIMARY KEY (series_id, ts))\(withoutRowid)
            """,
            """
            CREATE TABLE corporate_events (
                symbol TEXT NOT NULL, kind TEXT NOT NULL, ex_date \(int) NOT NULL, split_from \(real), split_to \(real),
                cash_amount \(real), currency TEXT, pay_date \(int), record_date \(int), declaration_date \(int),
                provider TEXT NOT NULL, PRIMARY KEY (symbol, kind, ex_date))
            """,
            """
            CREATE TABLE coverage (
                series_id INTEGER NOT NULL, start_ts \(int) NOT NULL, end_ts \(int) NOT NULL, provider TEXT NOT NULL,
                outcome TEXT NOT NULL, recorded_at \(int) NOT NULL, detail TEXT,
                PRIMARY KEY (series_id, start_ts, end_ts, provider))
            """,
            """
            CREATE TABLE runs (
                id \(bigserial), started_at \(int) NOT NULL, finished_at \(int), status TEXT NOT NULL,
                options TEXT NOT NULL, summary TEXT)
            """,
            """
            CREATE VIEW candles_view AS
                SELECT s.symbol, s.timeframe, c.ts, \(barTime), c.open, c.high, c.low, c.close, c.volume, c.vwap, c.trades
                FROM candles c JOIN series s ON s.id = c.series_id
            """,
        ]
    }

    /// Version 2: the runs table keeps each run's totals (pairs, candles, gaps remaining, exit
    /// code) beside its results document, for `backfill runs`.
    static func version2(_ d: Dialect) -> [String] {
        let int = d == .sqlite ? "INTEGER" : "BIGINT"
        return ["pairs", "candles", "gaps", "exit_code"].map { "ALTER TABLE runs ADD COLUMN \($0) \(int)" }
    }

    /// Version 3: what `backfill serve` keeps (API keys as salted hashes, the audit log,
    /// schedules) and what started each run.
    static func version3(_ d: Dialect) -> [String] {
        let int = d == .sqlite ? "INTEGER" : "BIGINT"
        let bigserial = d == .sqlite ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY"
        return [
            """
            CREATE TABLE api_keys (
                id \(bigserial), name TEXT NOT NULL UNIQUE, scope TEXT NOT NULL, salt TEXT NOT NULL, hash TEXT NOT NULL,
                created_at \(int) NOT NULL, last_used_at \(int), revoked_at \(int))
            """,
            """
            CREATE TABLE audit_log (
                id \(bigserial), at \(int) NOT NULL, key_name TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL,
                request_id TEXT)
            """,
            """
            CREATE TABLE schedules (
                name TEXT PRIMARY KEY, cron TEXT NOT NULL, timezone TEXT NOT NULL, job TEXT NOT NULL, arguments TEXT NOT NULL,
                command TEXT NOT NULL, created_at \(int) NOT NULL, last_fire_at \(int), last_run_id \(int), last_status TEXT,
                last_success_at \(int), skipped \(int) NOT NULL DEFAULT 0)
            """,
            "ALTER TABLE runs ADD COLUMN trigger TEXT",
        ]
    }

    /// The columns the stores read, in the order they read them.
    /// Aligned stored bars per UTC day of one series in [start, end) (parameters: series id, start,
    /// end, step), read along the primary key. Both databases divide toward zero, so the day is
    /// taken from `ts` shifted by a million days (year -768) to stay right before 1970.
    static func dayCountsSQL(_ d: Dialect) -> String {
        let p = d == .sqlite ? ["?1", "?2", "?3", "?4"] : ["$1", "$2", "$3", "$4"]
        return """
            SELECT (ts + 86400000000000) / 86400000 - 1000000, count(*), min(ts), max(ts) FROM candles
            WHERE series_id = \(p[0]) AND ts >= \(p[1]) AND ts < \(p[2]) AND ts % \(p[3]) = 0 GROUP BY 1 ORDER BY 1
            """
    }

    /// Distributed runs (PostgreSQL; the tables exist in SQLite too, unused): the jobs a
    /// coordinator plans, the workers that claim them, and the request budget they share per
    /// provider credential. Times are the database's clock (epoch ms), so machines with skewed
    /// clocks agree on leases.
    static func version4(_ d: Dialect) -> [String] {
        let int = d == .sqlite ? "INTEGER" : "BIGINT"
        let bigserial = d == .sqlite ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY"
        return [
            """
            CREATE TABLE jobs (
                id \(bigserial), run_id \(int) NOT NULL, stage TEXT NOT NULL, provider TEXT NOT NULL, symbol TEXT NOT NULL,
                asset_class TEXT NOT NULL, ticker TEXT, timeframe TEXT NOT NULL, start_ts \(int) NOT NULL, end_ts \(int) NOT NULL,
                settle_from \(int), page_size \(int) NOT NULL, state TEXT NOT NULL, attempts \(int) NOT NULL DEFAULT 0,
                token \(int) NOT NULL DEFAULT 0, worker TEXT, lease_until \(int), result TEXT, error TEXT,
                created_at \(int) NOT NULL, finished_at \(int))
            """,
            "CREATE INDEX jobs_by_state ON jobs (state, provider, id)",
            "CREATE INDEX jobs_by_run ON jobs (run_id, id)",
            """
            CREATE TABLE workers (
                id TEXT PRIMARY KEY, host TEXT NOT NULL, pid \(int) NOT NULL, provider TEXT NOT NULL, started_at \(int) NOT NULL,
                heartbeat_at \(int) NOT NULL, job_id \(int), jobs_done \(int) NOT NULL DEFAULT 0)
            """,
            """
            CREATE TABLE rate_limits (
                provider TEXT NOT NULL, credential TEXT NOT NULL, next_slot \(int) NOT NULL, paused_until \(int) NOT NULL,
                PRIMARY KEY (provider, credential))
            """,
        ]
    }

    /// Streaming features (FeatureJob): a series' `revision` counts the writes that inserted or
    /// changed one of its candles; a checkpoint is the kernels' stream state after bar `ts` (the
    /// `bars`-th), so a later `backfill features` resumes there instead of reading the series
    /// again. A write that inserts or changes a candle deletes the checkpoints at or after it.
    /// `state` is the stream's bytes in hex.
    static func version5(_ d: Dialect) -> [String] {
        let int = d == .sqlite ? "INTEGER" : "BIGINT"
        return [
            "ALTER TABLE series ADD COLUMN revision \(int) NOT NULL DEFAULT 0",
            """
            CREATE TABLE feature_checkpoints (
                series_id INTEGER NOT NULL REFERENCES series (id), ts \(int) NOT NULL, bars \(int) NOT NULL,
                path TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (series_id, ts))
            """,
        ]
    }

    /// Earnings reports as a third kind of corporate event: their columns (NULL for splits and
    /// dividends, and for a figure the provider did not give).
    static func version6(_ d: Dialect) -> [String] {
        let int = d == .sqlite ? "INTEGER" : "BIGINT"
        let real = d == .sqlite ? "REAL" : "DOUBLE PRECISION"
        return [
            ("report_time", "TEXT"), ("fiscal_year", int), ("fiscal_period", "TEXT"), ("eps_estimate", real),
            ("eps_actual", real), ("revenue_estimate", real), ("revenue_actual", real),
        ].map { "ALTER TABLE corporate_events ADD COLUMN \($0.0) \($0.1)" }
    }

    /// Ticker changes (renames): a ticker change event's new ticker; the ticker each coverage
    /// range was fetched under (NULL: the symbol itself); when a provider last reported a
    /// symbol's chain (`backfill run` asks again after a week).
    static func version7(_ d: Dialect) -> [String] {
        let int = d == .sqlite ? "INTEGER" : "BIGINT"
        return [
            "ALTER TABLE corporate_events ADD COLUMN ticker TEXT",
            "ALTER TABLE coverage ADD COLUMN ticker TEXT",
            """
            CREATE TABLE ticker_checks (
                symbol TEXT NOT NULL, provider TEXT NOT NULL, checked_at \(int) NOT NULL, PRIMARY KEY (symbol, provider))
            """,
        ]
    }

    /// Trust (docs/verify.md): a stored bar that a later fetch changed keeps its old values in
    /// `revisions` (with the new, the provider and the run that changed it); a coverage range
    /// names the run that recorded it and the provider's request id (Polygon's `request_id`),
    /// so a bar traces back to the request that stored it (`export candles --provenance`).
    static func version8(_ d: Dialect) -> [String] {
        let int = d == .sqlite ? "INTEGER" : "BIGINT"
        let real = d == .sqlite ? "REAL" : "DOUBLE PRECISION"
        let bigserial = d == .sqlite ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY"
        let values = { (side: String) in
            candleValues.map { "\(side)_\($0) \($0 == "trades" ? int : real)\($0 == "vwap" || $0 == "trades" ? "" : " NOT NULL")" }
                .joined(separator: ", ")
        }
        return [
            """
            CREATE TABLE revisions (
                id \(bigserial), series_id INTEGER NOT NULL, ts \(int) NOT NULL, provider TEXT NOT NULL, run_id \(int),
                recorded_at \(int) NOT NULL, \(values("old")), \(values("new")))
            """,
            "CREATE INDEX revisions_by_series ON revisions (series_id, ts)",
            "CREATE INDEX revisions_by_run ON revisions (run_id)",
            "ALTER TABLE coverage ADD COLUMN run_id \(int)",
            "ALTER TABLE coverage ADD COLUMN request_id TEXT",
        ]
    }

    /// A candle's value columns, in storage order.
    static let candleValues = ["open", "high", "low", "close", "volume", "vwap", "trades"]

    /// The start of a revision's insert: the key, where it came from, then the stored (`old_`)
    /// and the fetched (`new_`) values, each in ``candleValues`` order.
    static let revisionInsert =
        "INSERT INTO revisions (series_id, ts, provider, run_id, recorded_at, "
        + (candleValues.map { "old_\($0)" } + candleValues.map { "new_\($0)" }).joined(separator: ", ") + ")"

    /// The revisions of bars in [start, end) (parameters 1 and 2; with `byRun`, of run
    /// parameter 3 only), with the series' symbol and timeframe, by series and bar.
    static func revisionSelect(_ d: Dialect, byRun: Bool) -> String {
        let p = d == .sqlite ? ["?1", "?2", "?3"] : ["$1", "$2", "$3"]
        let values = (candleValues.map { "r.old_\($0)" } + candleValues.map { "r.new_\($0)" }).joined(separator: ", ")
        return """
            SELECT s.symbol, s.timeframe, r.ts, r.provider, r.run_id, r.recorded_at, \(values)
            FROM revisions r JOIN series s ON s.id = r.series_id WHERE r.ts >= \(p[0]) AND r.ts < \(p[1])\(
                byRun ? " AND r.run_id = \(p[2])" : "") ORDER BY s.symbol, s.timeframe, r.ts, r.id
            """
    }

    /// The columns of a stored event after `symbol`, in the order of ``StoredEvent/rowValues``.
    static let eventColumns = [
        "kind", "ex_date", "split_from", "split_to", "cash_amount", "currency", "pay_date", "record_date", "declaration_date",
        "provider", "report_time", "fiscal_year", "fiscal_period", "eps_estimate", "eps_actual", "revenue_estimate",
        "revenue_actual", "ticker",
    ]

    /// The upsert of one event: symbol then ``eventColumns`` as parameters 1...19; `true` in
    /// its one row when the event was new.
    static func eventUpsert(_ d: Dialect) -> String {
        let p = (1...(eventColumns.count + 1)).map { d == .sqlite ? "?\($0)" : "$\($0)" }
        let update = eventColumns.filter { $0 != "kind" && $0 != "ex_date" }.map { "\($0) = EXCLUDED.\($0)" }
        return """
            INSERT INTO corporate_events (symbol, \(eventColumns.joined(separator: ", "))) VALUES (\(p.joined(separator: ", ")))
            ON CONFLICT (symbol, kind, ex_date) DO UPDATE SET \(update.joined(separator: ", "))
            """
    }

    /// A symbol's events by date: ``eventColumns``.
    static func eventSelect(_ d: Dialect) -> String {
        "SELECT \(eventColumns.joined(separator: ", ")) FROM corporate_events WHERE symbol = \(d == .sqlite ? "?1" : "$1") ORDER BY ex_date, kind"
    }

    static let jobColumns = """
        id, run_id, stage, provider, symbol, asset_class, ticker, timeframe, start_ts, end_ts, settle_from, page_size, state, attempts,
        token, worker, lease_until, result, error
        """

    static let runColumns = "id, started_at, finished_at, status, pairs, candles, gaps, exit_code, summary, trigger"
    static let keyColumns = "id, name, scope, salt, hash, created_at, last_used_at, revoked_at"
    static let scheduleColumns = """
        name, cron, timezone, job, arguments, command, created_at, last_fire_at, last_run_id, last_status, last_success_at, skipped
        """

    /// Migrations by the version they produce.
    static func migrations(_ d: Dialect, monthly: Bool = false) -> [(version: Int, statements: [String])] {
        [
            (1, version1(d, monthly: monthly)), (2, version2(d)), (3, version3(d)), (4, version4(d)), (5, version5(d)), (6, version6(d)),
            (7, version7(d)), (8, version8(d)),
        ]
    }

    /// The message for a database written by a newer Backfill.
    static func tooNew(_ version: Int) -> String {
        "the database's schema is version \(version), newer than this backfill understands (\(currentVersion)); upgrade backfill"
    }
}
