public import BackfillCore
public import BackfillOrchestrator
internal import BackfillPluginHost
internal import BackfillStore
import Synchronization

/// `--log-format json`: one JSON object per line on stderr for every event, with `ts` (UTC,
/// milliseconds), `level`, `event` and the event's fields (docs/logging.md lists them; names are
/// stable, new fields may be added). Secrets are masked in every line.
public final class JSONLogObserver: RunObserver {
    private let output: TerminalOutput
    private let runId = Mutex<Int64?>(nil)

    public init(output: TerminalOutput) { self.output = output }

    public func handle(_ event: RunEvent) {
        if case .runStarted(let s) = event { runId.withLock { $0 = s.runId } }
        for (level, name, fields) in Self.lines(event) { write(level, name, fields) }
    }

    /// Writes one line: `{"ts":…,"level":…,"event":…,"run_id":…,…fields}`.
    public func write(_ level: String, _ name: String, _ fields: [(String, JSON)]) {
        var members: [(String, JSON)] = [
            ("ts", .string(UTCTime.isoMillis(UTCTime.now()))), ("level", .string(level)), ("event", .string(name)),
        ]
        if let id = runId.withLock({ $0 }) { members.append(("run_id", .int(id))) }
        output.err(JSON.object(members + fields).text())
    }

    static func pair(_ key: PairKey) -> [(String, JSON)] {
        [("symbol", .string(key.symbol.text)), ("timeframe", .string(key.timeframe.rawValue))]
    }

    static func seconds(_ d: Duration) -> JSON { .number((Format.seconds(d) * 1000).rounded() / 1000) }

    static func int(_ n: Int) -> JSON { .int(Int64(n)) }

    /// The lines an event becomes (most become one; `gaps_detected` adds a `gap_found` per gap).
    static func lines(_ event: RunEvent) -> [(String, String, [(String, JSON)])] {
        switch event {
        case .runStarted(let s):
            return [
                (
                    "info", "run_started",
                    [
                        ("provider", .string(s.provider)), ("provider_version", .string(s.providerVersion)),
                        ("database", .string(s.database)), ("symbols", int(s.symbols)),
                        ("timeframes", .array(s.timeframes.map { .string($0.rawValue) })), ("start", .string(UTCTime.iso(s.start))),
                        ("end", .string(UTCTime.iso(s.end))), ("pairs", int(s.pairs)), ("ranges", int(s.ranges)),
                        ("planned_requests", int(s.plannedRequests)), ("rate", .number(s.rate)),
                        ("minimum_seconds", s.minimumSeconds.map { .number(($0 * 10).rounded() / 10) } ?? .null),
                    ]
                )
            ]
        case .stageStarted(let stage):
            return [("info", "stage_started", [("stage", .string(stage.rawValue))])]
        case .stageFinished(let stage):
            return [("info", "stage_finished", [("stage", .string(stage.rawValue))])]
        case .pageFetched(let p):
            return [
                (
                    "info", "page_fetched",
                    pair(p.pair) + [
                        ("stage", .string(p.stage.rawValue)), ("candles", int(p.candles)), ("inserted", int(p.inserted)),
                        ("updated", int(p.updated)), ("requests_done", int(p.requestsDone)),
                        ("requests_planned", int(p.requestsPlanned)), ("candles_done", int(p.candlesDone)),
                    ]
                )
            ]
        case .pairFinished(let p):
            var fields =
                pair(p.key) + [
                    (
                        "status",
                        .string(p.skippedCovered ? "up_to_date" : (p.stopped ? "interrupted" : (p.failure == nil ? "fetched" : "failed")))
                    ),
                    ("candles", int(p.candles)), ("inserted", int(p.inserted)), ("updated", int(p.updated)),
                    ("requests", int(p.requests)), ("retries", int(p.retries)), ("rejected", int(p.rejected)),
                    ("errors", .array(p.errors.map { .string($0) })),
                ]
            if let failure = p.failure { fields.append(("failure", .string(failure))) }
            return [(p.failure == nil ? "info" : "error", "pair_finished", fields)]
        case .gapsDetected(let key, let gaps):
            var byClass: [(String, JSON)] = []
            for c in GapClass.allCases { byClass.append((c.rawValue, int(gaps.filter { $0.gapClass == c }.count))) }
            let head = ("info", "gaps_detected", pair(key) + [("gaps", int(gaps.count)), ("by_class", .object(byClass))])
            return [head]
                + gaps.map { g in
                    (
                        g.gapClass.isHole ? "warning" : "info", "gap_found",
                        pair(key) + [
                            ("class", .string(g.gapClass.rawValue)), ("start", .string(UTCTime.iso(g.first))),
                            ("end", .string(UTCTime.iso(g.last))), ("missing", int(g.missing)),
                        ]
                    )
                }
        case .detectionFailed(let key, let message):
            return [("error", "gap_detection_failed", pair(key) + [("message", .string(message))])]
        case .gapRefill(let r):
            let base =
                pair(r.pair) + [
                    ("class", .string(r.gap.gapClass.rawValue)), ("start", .string(UTCTime.iso(r.gap.first))),
                    ("end", .string(UTCTime.iso(r.gap.last))), ("missing", int(r.gap.missing)), ("attempt", int(r.attempt)),
                    ("max_attempts", int(r.maxAttempts)),
                ]
            switch r.phase {
            case .started: return [("info", "gap_refill_started", base)]
            case .filled(let candles): return [("info", "gap_refilled", base + [("candles", int(candles))])]
            case .stillMissing(let bars): return [("warning", "gap_still_missing", base + [("still_missing", int(bars))])]
            }
        case .retry(let r):
            return [
                (
                    "warning", "retry",
                    [
                        ("subject", .string(r.subject)), ("kind", .string(r.kind.rawValue)), ("message", .string(r.message)),
                        ("attempt", int(r.attempt)), ("max_retries", int(r.maxRetries)), ("wait_seconds", seconds(r.wait)),
                        ("provider_asked", .bool(r.providerAsked)),
                    ]
                )
            ]
        case .rateLimitWait(let w):
            return [
                (
                    "warning", "rate_limit_wait",
                    [("subject", .string(w.subject)), ("wait_seconds", seconds(w.wait)), ("reason", .string(w.reason))]
                )
            ]
        case .rowsRejected(let r):
            return [
                (
                    "warning", "rows_rejected",
                    pair(r.pair) + [
                        ("rows", int(r.count)), ("first_ts", .string(UTCTime.iso(r.firstTs))), ("problem", .string(r.problem)),
                    ]
                )
            ]
        case .database(let d):
            switch d {
            case .lost(let message, let budget):
                return [
                    ("warning", "database_connection_lost", [("message", .string(message)), ("retry_seconds", .number(budget))])
                ]
            case .restored(let seconds):
                return [("info", "database_connection_restored", [("seconds", .number((seconds * 1000).rounded() / 1000))])]
            }
        case .verified(let findings):
            return findings.map { ($0.severity.rawValue, "finding", $0.fields) } + [
                ("info", "verify_finished", Finding.counts(findings).map { ($0.severity.rawValue + "s", int($0.count)) })
            ]
        case .tickerChain(let c):
            return [(c.error == nil ? "info" : "warning", "ticker_chain", c.json)]
        case .eventsStarted(let e):
            return [
                (
                    "info", "events_started",
                    [("provider", .string(e.provider)), ("symbols", int(e.symbols)), ("supported", .bool(e.supported))]
                )
            ]
        case .eventsFetched(let o):
            var fields: [(String, JSON)] = [
                ("symbol", .string(o.symbol.text)), ("splits", int(o.splits)), ("dividends", int(o.dividends)),
                ("earnings", int(o.earnings)), ("added", int(o.added)), ("requests", int(o.requests)),
            ]
            if let note = o.earningsNotEntitled { fields.append(("earnings_not_entitled", .string(note))) }
            if let error = o.error { fields.append(("error", .string(error))) }
            return [(o.error == nil ? "info" : "error", "events_fetched", fields)]
        case .eventsFinished(let outcomes):
            return [
                (
                    "info", "events_finished",
                    [
                        ("symbols", int(outcomes.count)), ("failed", int(outcomes.filter { $0.error != nil }.count)),
                        ("added", int(outcomes.reduce(0) { $0 + $1.added })),
                    ]
                )
            ]
        case .featuresStarted(let f):
            return [
                (
                    "info", "features_started",
                    [
                        ("pairs", int(f.pairs)), ("symbols", int(f.symbols)), ("kernels", .string(f.kernels)),
                        ("concurrency", int(f.concurrency)),
                    ]
                )
            ]
        case .featuresComputed(let o):
            var fields =
                pair(o.pair) + [
                    ("processed", int(o.processed)), ("resumed", int(o.resumed)), ("inserted", int(o.counts.inserted)),
                    ("updated", int(o.counts.updated)), ("changed_during", .bool(o.changedDuring)),
                    ("read_seconds", .number((o.read * 1000).rounded() / 1000)),
                    ("compute_seconds", .number((o.compute * 1e6).rounded() / 1e6)),
                    ("write_seconds", .number((o.write * 1000).rounded() / 1000)),
                ]
            if let error = o.error { fields.append(("error", .string(error))) }
            return [(o.error == nil ? "info" : "error", "features_computed", fields)]
        case .featuresFinished(let s):
            return [
                (
                    "info", "features_finished",
                    [
                        ("pairs", int(s.outcomes.count)), ("processed", int(s.processed)), ("empty_pairs", int(s.empty.count)),
                        ("failed_symbols", int(s.failedSymbols.count)), ("seconds", .number((s.seconds * 1000).rounded() / 1000)),
                        ("kernels", .string(s.kernels)),
                    ]
                )
            ]
        case .recorded(let folder, let files):
            return [("info", "recorded", [("folder", .string(folder)), ("files", int(files))])]
        case .abandonedRuns(let n):
            return [("warning", "abandoned_runs", [("runs", int(n))])]
        case .jobsProgress(let j):
            return [
                (
                    "info", "jobs_progress",
                    [
                        ("stage", .string(j.stage.rawValue)), ("total", int(j.total)), ("done", int(j.done)), ("claimed", int(j.claimed)),
                        ("failed", int(j.failed)),
                    ]
                )
            ]
        case .stopRequested(let reason):
            return [("warning", "stop_requested", [("reason", .string(reason.rawValue))])]
        case .warning(let text):
            return [("warning", "warning", [("message", .string(text))])]
        case .requestAnswered:
            // One per request: counted by the metrics, not a log line (page events carry the progress).
            return []
        case .runFinished(let r):
            let s = r.summary
            var fields: [(String, JSON)] = [
                ("status", .string(s.status.rawValue)), ("exit_code", .int(Int64(s.exitCode))),
                ("duration_seconds", .number(s.seconds)), ("pairs", int(s.pairs)), ("requests", int(s.requests)),
                ("retries", int(s.retries)), ("rate_limit_waits", int(s.rateLimitWaits)),
                ("candles_inserted", int(s.candlesInserted)), ("candles_updated", int(s.candlesUpdated)),
                ("bad_rows_rejected", int(s.badRowsRejected)),
                ("gaps_detected", .object(GapClass.allCases.map { ($0.rawValue, int(s.gapsDetected[$0] ?? 0)) })),
                ("gaps_filled", int(s.gapsFilled)), ("gaps_remaining", int(s.gapsRemaining)),
                ("results_path", r.resultsPath.map { .string($0) } ?? .null), ("errors", .array(r.errors.map { .string($0) })),
            ]
            if let reason = r.stopReason { fields.append(("stopped_by", .string(reason.rawValue))) }
            return [(s.exitCode == 0 ? "info" : (r.stopReason == nil ? "error" : "warning"), "run_finished", fields)]
        }
    }
}
