public import BackfillCore
internal import BackfillStore

/// The results file of `backfill run` (schema in docs/results-json.md).
public enum ResultsJSON {
    /// Bumped when a field changes meaning or is removed; adding fields keeps the version.
    public static let schemaVersion = 1

    public static func gap(_ g: Gap) -> JSON {
        .object([
            ("symbol", .string(g.symbol.text)), ("timeframe", .string(g.timeframe.rawValue)),
            ("class", .string(g.gapClass.rawValue)), ("start", .string(UTCTime.iso(g.first))),
            ("end", .string(UTCTime.iso(g.last))), ("missing", .int(Int64(g.missing))), ("attempts", .int(Int64(g.attempts))),
            ("reason", g.reason.map { .string($0.rawValue) } ?? .null),
        ])
    }

    /// The matrix as { symbol: { timeframe: {mark, expected, present, percent, status} } }.
    public static func matrix(_ report: RunReport) -> JSON {
        var rows: [(String, JSON)] = []
        for symbol in report.symbols {
            var cells: [(String, JSON)] = []
            for p in report.pairs where p.symbol == symbol {
                let percent = p.expected == 0 ? 100 : (Double(p.present) * 1000 / Double(p.expected)).rounded() / 10
                cells.append(
                    (
                        p.timeframe.rawValue,
                        .object([
                            ("mark", .string(p.status.mark.rawValue)), ("status", .string(p.status.rawValue)),
                            ("expected", .int(Int64(p.expected))),
                            ("present", .int(Int64(p.present))), ("percent", .number(percent)),
                        ])
                    ))
            }
            rows.append((symbol.text, .object(cells)))
        }
        return .object(rows)
    }

    public static func document(_ report: RunReport) -> JSON {
        let s = report.summary
        var head: [(String, JSON)] = [
            ("run_id", report.runId.map { .int($0) } ?? .null), ("status", .string(s.status.rawValue)),
        ]
        if let reason = report.stopReason { head.append(("stopped_by", .string(reason.rawValue))) }
        let totals: [(String, JSON)] = [
            ("started_at", .string(UTCTime.iso(s.startedAt))), ("finished_at", .string(UTCTime.iso(s.finishedAt))),
            ("duration_seconds", .number(Double(s.finishedAt - s.startedAt) / 1000)),
            ("provider", .string(report.provider)),
            ("range", .object([("start", .string(UTCTime.iso(report.rangeStart))), ("end", .string(UTCTime.iso(report.rangeEnd)))])),
            ("symbols_processed", .int(Int64(s.symbolsProcessed))), ("symbols_successful", .int(Int64(s.symbolsSuccessful))),
            ("symbols_failed", .int(Int64(s.symbolsFailed))), ("pairs", .int(Int64(s.pairs))),
            ("requests", .int(Int64(s.requests))), ("retries", .int(Int64(s.retries))),
            ("rate_limit_waits", .int(Int64(s.rateLimitWaits))), ("throttled_requests", .int(Int64(s.throttledRequests))),
            ("gaps_detected", .object(GapClass.allCases.map { ($0.rawValue, .int(Int64(s.gapsDetected[$0] ?? 0))) })),
            ("gaps_filled", .int(Int64(s.gapsFilled))), ("gaps_remaining", .int(Int64(s.gapsRemaining))),
            ("candles_inserted", .int(Int64(s.candlesInserted))), ("candles_updated", .int(Int64(s.candlesUpdated))),
            ("bad_rows_rejected", .int(Int64(s.badRowsRejected))), ("exit_code", .int(Int64(s.exitCode))),
        ]
        let summary: JSON = .object(head + totals)
        let pairs: JSON = .array(
            report.pairs.map { p in
                .object([
                    ("symbol", .string(p.symbol.text)), ("timeframe", .string(p.timeframe.rawValue)),
                    ("status", .string(p.status.rawValue)), ("candles", .int(Int64(p.candles))),
                    ("inserted", .int(Int64(p.inserted))), ("updated", .int(Int64(p.updated))),
                    ("rejected", .int(Int64(p.rejected))), ("requests", .int(Int64(p.requests))),
                    ("retries", .int(Int64(p.retries))), ("errors", .array(p.errors.map { .string($0) })),
                ])
            })
        var document: [(String, JSON)] = [
            ("schema_version", .int(Int64(schemaVersion))),
            ("summary", summary),
            ("options", .object(report.options.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("pairs", pairs),
            ("gaps_detected", .array(report.gapsDetected.map(gap))),
            ("gaps_remaining", .array(report.gapsRemaining.map(gap))),
            ("matrix", matrix(report)),
        ]
        if !report.tickerChecks.isEmpty { document.append(("ticker_chains", .array(report.tickerChecks.map { .object($0.json) }))) }
        if let findings = report.findings { document.append(("findings", .array(findings.map(\.json)))) }
        if !report.events.isEmpty { document.append(("events", .array(report.events.map(events)))) }
        if let f = report.features { document.append(("features", features(f))) }
        document.append(("errors", .array(report.errors.map { .string($0) })))
        return .object(document)
    }

    /// One symbol's events-stage outcome.
    static func events(_ o: EventOutcome) -> JSON {
        .object([
            ("symbol", .string(o.symbol.text)), ("splits", .int(Int64(o.splits))), ("dividends", .int(Int64(o.dividends))),
            ("earnings", .int(Int64(o.earnings))), ("added", .int(Int64(o.added))), ("requests", .int(Int64(o.requests))),
            ("earnings_not_entitled", o.earningsNotEntitled.map { .string($0) } ?? .null), ("error", o.error.map { .string($0) } ?? .null),
        ])
    }

    /// The features stage's totals and its pairs.
    static func features(_ f: FeatureSummary) -> JSON {
        .object([
            ("kernels", .string(f.kernels)), ("seconds", .number((f.seconds * 1000).rounded() / 1000)),
            ("processed", .int(Int64(f.processed))),
            (
                "pairs",
                .array(
                    f.outcomes.map { o in
                        .object([
                            ("symbol", .string(o.pair.symbol.text)), ("timeframe", .string(o.pair.timeframe.rawValue)),
                            ("processed", .int(Int64(o.processed))), ("inserted", .int(Int64(o.counts.inserted))),
                            ("updated", .int(Int64(o.counts.updated))), ("error", o.error.map { .string($0) } ?? .null),
                        ])
                    })
            ),
        ])
    }
}

extension RunRecord {
    /// The runs-table row of a finished run.
    init(_ report: RunReport, summary: String, id: Int64) {
        self.init(
            id: id, startedAt: report.summary.startedAt, finishedAt: report.summary.finishedAt,
            status: report.summary.status.rawValue, pairs: report.pairs.count, candles: report.pairs.reduce(0) { $0 + $1.candles },
            gaps: report.gapsRemaining.count, exitCode: report.summary.exitCode, summary: summary)
    }
}
