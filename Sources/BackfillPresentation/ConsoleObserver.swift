internal import BackfillCore
public import BackfillOrchestrator
internal import BackfillPluginHost
internal import BackfillStore
import Foundation
import Synchronization

/// Presents a run the way the Python scripts did: stage banners and one line per pair on stdout,
/// the completeness matrix and the summary; warnings (retries, rejected rows) on stderr.
public final class ConsoleObserver: RunObserver {
    private let output: TerminalOutput
    private struct State {
        var started: RunEvent.Started?
        /// Whether the refill stage refetched anything (else it says there was nothing to do).
        var refilled = false
        /// Whether the features job is `backfill features` (its own banners) or a run's stage.
        var featuresStandalone = false
    }
    private let state = Mutex(State())

    public init(output: TerminalOutput) { self.output = output }

    public func handle(_ event: RunEvent) {
        switch event {
        case .runStarted(let s):
            state.withLock { $0.started = s }
            banner("MASTER BACKFILL STARTED")
            line("Loaded \(Format.count(s.symbols, "symbol")) from \(s.database); provider \(s.provider) \(s.providerVersion)")
            line(
                "Range: \(UTCTime.iso(s.start)) to \(UTCTime.iso(s.end)) (end exclusive); timeframes: \(s.timeframes.map(\.rawValue).joined(separator: " "))"
            )
        case .stageStarted(let stage):
            stageStarted(stage)
        case .stageFinished(.refill):
            if !state.withLock({ $0.refilled }) { line("No fetch_failed or suspect gaps to retry.") }
        case .stageFinished:
            break
        case .pairFinished(let p):
            line(Self.describe(p))
        case .gapsDetected(let key, let gaps):
            line("\(key): \(Self.describeGaps(gaps))")
        case .detectionFailed(let key, let message):
            warning("\(key): gap detection failed: \(message)")
            line("\(key): ✗ gap detection failed")
        case .gapRefill(let r):
            gapRefill(r)
        case .retry(let r):
            warning("\(r.subject): \(r.kind.rawValue): \(r.message); retry \(r.attempt)/\(r.maxRetries) in \(Format.duration(r.wait))")
        case .rowsRejected(let r):
            warning("\(r.pair): rejected \(r.count) row(s), first at \(UTCTime.iso(r.firstTs)): \(r.problem)")
        case .database(let d):
            switch d {
            case .lost(let message, let budget):
                warning("\(message); reconnecting for up to \(Format.duration(budget)) (--db-retry-seconds)")
            case .restored(let seconds):
                warning("the database connection is back after \(Format.duration(seconds)); the operation in flight was sent again")
            }
        case .verified(let findings):
            for x in findings { line(x.line) }
            line(findings.isEmpty ? "No findings." : "Findings: \(Finding.countsText(findings))")
        case .tickerChain(let c):
            // Quiet for a symbol never renamed: most are, every week.
            if let error = c.error {
                warning("\(c.symbol): ticker changes: \(error); the stored chain is used")
            } else if c.links.count > 1, let newest = c.links.last {
                line(
                    "\(c.symbol): renamed (\(c.chainText)); bars before \(UTCTime.isoDate(newest.from)) are fetched under the ticker of their time"
                )
            }
        case .eventsStarted(let e):
            if e.standalone { stage("CORPORATE EVENTS (\(e.provider))") }
            if !e.supported { line("provider '\(e.provider)' serves no corporate events") }
        case .eventsFetched(let o):
            let earnings = o.earnings > 0 ? ", \(Format.count(o.earnings, "earnings report"))" : ""
            line(
                o.error.map { "  \(o.symbol): ✗ \($0)" }
                    ?? "  \(o.symbol): \(Format.count(o.splits, "split")), \(Format.count(o.dividends, "dividend"))\(earnings) (\(o.added) new)"
            )
            if let note = o.earningsNotEntitled {
                line("  \(o.symbol): earnings not in the provider plan (\(note)); splits and dividends kept")
            }
        case .featuresStarted(let f):
            state.withLock { $0.featuresStandalone = f.standalone }
            if f.standalone {
                banner("FEATURE ENRICHMENT PIPELINE STARTED")
                line("Loaded \(Format.count(f.symbols, "symbol")); kernels: \(f.kernels)")
            } else if f.pairs == 0 {
                line("No pair's candles changed in this run; features are up to date.")
            } else {
                line("Pairs whose candles changed: \(f.pairs); kernels: \(f.kernels)")
            }
        case .featuresComputed(let o):
            if let error = o.error {
                line("  \(o.pair): ✗ \(error)")
            } else if o.processed > 0 {
                let resumed = o.resumed > 0 ? " (after \(o.resumed) already computed)" : ""
                line("  \(o.pair): ✓ processed=\(o.processed)\(resumed), inserted=\(o.counts.inserted), updated=\(o.counts.updated)")
            }
            if o.changedDuring {
                warning("\(o.pair): candles changed while its features were computed; the next features run computes them again")
            }
        case .featuresFinished(let summary):
            featuresFinished(summary)
        case .jobsProgress(let j):
            line("  jobs (\(j.stage.rawValue)): \(j.done) of \(j.total) done, \(j.claimed) with workers, \(j.failed) failed")
        case .abandonedRuns(let n):
            warning(
                "\(Format.count(n, "run")) left 'running' by a process that is gone \(n == 1 ? "is" : "are") now marked abandoned (see backfill runs)"
            )
        case .stopRequested(let reason):
            warning(
                "\(reason == .requested ? "stop requested" : "received \(reason.rawValue)"): finishing the page in flight, then the report (a second signal exits at once)"
            )
        case .warning(let text):
            warning(text)
        case .runFinished(let report):
            runFinished(report)
        case .pageFetched, .rateLimitWait, .eventsFinished, .recorded, .requestAnswered:
            break
        }
    }

    private func stageStarted(_ s: RunStage) {
        switch s {
        case .fetch:
            stage("STAGE 1: BACKFILLING OHLCV DATA")
            if let p = state.withLock({ $0.started }) { line(Self.planLine(p)) }
        case .gaps: stage("STAGE 2: DETECTING GAPS")
        case .refill:
            state.withLock { $0.refilled = false }
            stage("STAGE 3: RETRYING FAILED GAPS")
        case .verify: stage("STAGE 3a: VERIFYING STORED BARS")
        case .events: stage("STAGE 3b: CORPORATE EVENTS")
        case .features: stage("STAGE 3c: COMPUTING FEATURES")
        }
    }

    private func gapRefill(_ r: RunEvent.GapRefill) {
        let key = r.pair
        switch r.phase {
        case .started:
            state.withLock { $0.refilled = true }
            line(
                "  \(key): retrying gap \(UTCTime.iso(r.gap.first)) to \(UTCTime.iso(r.gap.last)) (\(r.gap.gapClass.rawValue), attempt \(r.attempt)/\(r.maxAttempts))..."
            )
        case .filled(let candles):
            line("  \(key): ✓ gap filled (\(Format.count(r.gap.missing, "bar")); \(candles) candles fetched)")
        case .stillMissing(let bars):
            line("  \(key): ✗ still missing \(bars) bar(s) after attempt \(r.attempt)")
        }
    }

    private func featuresFinished(_ s: FeatureSummary) {
        let empty = s.empty
        if !empty.isEmpty {
            let shown = empty.prefix(8).map(\.description).joined(separator: ", ")
            let more = empty.count > 8 ? " and \(empty.count - 8) more" : ""
            line("No stored candles for \(Format.count(empty.count, "pair")): \(shown)\(more) (nothing to compute)")
        }
        guard state.withLock({ $0.featuresStandalone }) else { return }
        let read = s.outcomes.reduce(0) { $0 + $1.read }, compute = s.outcomes.reduce(0) { $0 + $1.compute }
        let write = s.outcomes.reduce(0) { $0 + $1.write }
        let failed = s.failedSymbols.count
        stage("ENRICHMENT SUMMARY")
        line("Duration: \(Format.duration(s.seconds))")
        line("Symbols Processed: \(s.symbols)")
        line("  Successful: \(s.symbols - failed)")
        line("  Failed: \(failed)")
        line("Total Records Processed: \(Format.group(s.processed))")
        line("Total Features Computed: \(Format.group(s.processed * FeatureBatch.names.count)) (\(FeatureBatch.names.count) per record)")
        let total = max(1e-9, read + compute + write)
        line(
            String(
                format: "Time split: store read %.2fs (%.0f%%), kernels %.3fs (%.1f%%), store write %.2fs (%.0f%%)",
                read, read / total * 100, compute, compute / total * 100, write, write / total * 100))
        rule()
    }

    private func runFinished(_ report: RunReport) {
        stage("DATA COMPLETENESS MATRIX")
        line(MatrixText.text(report: report))
        let s = report.summary
        stage("BACKFILL SUMMARY")
        line("Duration: \(Format.duration(s.seconds))")
        if let reason = report.stopReason {
            line("Status: interrupted (\(reason.rawValue)); gap detection and refills skipped, the next run goes on from here")
        }
        line("Symbols Processed: \(s.symbolsProcessed)")
        line("  Successful: \(s.symbolsSuccessful)")
        line("  Failed: \(s.symbolsFailed)")
        line("Requests: \(s.requests) (retries \(s.retries), rate-limit waits \(s.rateLimitWaits), throttled \(s.throttledRequests))")
        let detected = GapClass.allCases.map { "\($0.rawValue) \(s.gapsDetected[$0] ?? 0)" }.joined(separator: ", ")
        line("Gaps Detected: \(s.gapsDetected.values.reduce(0, +)) (\(detected))")
        line("Gaps Filled: \(s.gapsFilled)")
        line("Gaps Remaining: \(s.gapsRemaining)")
        line("Total Candles Inserted: \(Format.group(s.candlesInserted))")
        line("Total Candles Updated: \(Format.group(s.candlesUpdated))")
        line("Bad Rows Rejected: \(s.badRowsRejected)")
        rule()
        if let path = report.resultsPath { line("Results written to \(path)") }
    }

    /// The plan, as the first line of the fetch stage.
    static func planLine(_ p: RunEvent.Started) -> String {
        var line = "Plan: \(p.symbols) symbol(s) × \(p.timeframes.count) timeframe(s) = \(p.pairs) pairs, "
        line += "\(p.ranges) range(s) to fetch, about \(p.plannedRequests) request(s)"
        if let seconds = p.minimumSeconds {
            line += "; at \(Format.rate(p.rate)) requests/s that takes at least \(Format.duration(seconds))"
        } else {
            line += "; no rate limit"
        }
        return line
    }

    /// One pair's line at the end of its fetch.
    public static func describe(_ p: PairReport) -> String {
        let key = "  \(p.symbol)/\(p.timeframe)"
        if let failure = p.failure { return "\(key): ✗ \(failure)" }
        if p.skippedCovered { return "\(key): up to date (range already fetched; --force refetches)" }
        if p.stopped && p.requests == 0 { return "\(key): not fetched (the run was interrupted)" }
        if p.noData && p.candles == 0 {
            return "\(key): the provider has no data for this range (\(Format.count(p.requests, "request")))"
        }
        var text =
            "\(key): \(Format.group(p.candles)) candles (inserted \(Format.group(p.inserted)), updated \(Format.group(p.updated))) in \(Format.count(p.requests, "request"))"
        if p.retries > 0 { text += ", \(Format.count(p.retries, "retry", "retries"))" }
        if p.rejected > 0 { text += ", \(Format.count(p.rejected, "bad row")) rejected" }
        if let last = p.errors.last { text += "; last error: \(last)" }
        if p.stopped { text += "; interrupted" }
        return text
    }

    /// "0 gap(s) detected", "2 gap(s) detected (1 fetch_failed, 1 suspect)".
    public static func describeGaps(_ gaps: [Gap]) -> String {
        guard !gaps.isEmpty else { return "0 gap(s) detected" }
        var counts: [GapClass: Int] = [:]
        for g in gaps { counts[g.gapClass, default: 0] += 1 }
        let parts = GapClass.allCases.compactMap { c in counts[c].map { "\($0) \(c.rawValue)" } }
        return "\(gaps.count) gap(s) detected (\(parts.joined(separator: ", ")))"
    }

    private func rule() { line(String(repeating: "=", count: 80)) }

    private func banner(_ title: String) {
        rule()
        line(title)
        rule()
    }

    private func stage(_ title: String) {
        line("")
        banner(title)
    }

    private func line(_ text: String) { output.out(text) }

    private func warning(_ text: String) { output.err("warning: \(text)") }
}
