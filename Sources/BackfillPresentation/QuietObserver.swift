public import BackfillOrchestrator
import Synchronization

/// `--quiet`: only errors (pairs, symbols or stages that failed) on stderr, and one line at the
/// end on stdout that says how the job ended.
public final class QuietObserver: RunObserver {
    private let output: TerminalOutput
    /// Whether the features or events job is a command of its own (it then has the last line).
    private let standalone = Mutex(false)

    public init(output: TerminalOutput) { self.output = output }

    public func handle(_ event: RunEvent) {
        switch event {
        case .pairFinished(let p):
            if let failure = p.failure { output.err("error: \(p.key): \(failure)") }
        case .detectionFailed(let key, let message):
            output.err("error: \(key): gap detection failed: \(message)")
        case .eventsFetched(let o):
            if let error = o.error { output.err("error: \(o.symbol) events: \(error)") }
        case .featuresComputed(let o):
            if let error = o.error { output.err("error: \(o.pair) features: \(error)") }
        case .featuresStarted(let f):
            standalone.withLock { $0 = f.standalone }
        case .eventsStarted(let e):
            standalone.withLock { $0 = e.standalone }
        case .featuresFinished(let s):
            if standalone.withLock({ $0 }) { output.out(Self.summaryLine(s)) }
        case .eventsFinished(let outcomes):
            if standalone.withLock({ $0 }) { output.out(Self.summaryLine(outcomes)) }
        case .runFinished(let r):
            output.out(Self.summaryLine(r))
        default:
            break
        }
    }

    /// "backfill run: complete; 4 pairs, 148 candles inserted, 0 updated, 0 gaps remaining, 1 request in 0.3s; results in r.json".
    public static func summaryLine(_ r: RunReport) -> String {
        let s = r.summary
        var status = s.status.rawValue
        if let reason = r.stopReason { status += " (\(reason.rawValue))" }
        var line = "backfill run: \(status); \(Format.count(s.pairs, "pair")), "
        line += "\(Format.group(s.candlesInserted)) candles inserted, \(Format.group(s.candlesUpdated)) updated, "
        line += "\(Format.count(s.gapsRemaining, "gap")) remaining, \(Format.count(s.requests, "request")) in \(Format.duration(s.seconds))"
        if let path = r.resultsPath { line += "; results in \(path)" }
        return line
    }

    /// The events job's line: "backfill events: 2 symbols, 3 new events (1 failed)".
    public static func summaryLine(_ outcomes: [EventOutcome]) -> String {
        let failed = outcomes.filter { $0.error != nil }.count
        var line =
            "backfill events: \(Format.count(outcomes.count, "symbol")), \(Format.count(outcomes.reduce(0) { $0 + $1.added }, "new event"))"
        if failed > 0 { line += " (\(failed) failed)" }
        return line
    }

    /// The features job's line: "backfill features: 2 pairs, 5,000 records processed in 0.4s (avx2)".
    public static func summaryLine(_ s: FeatureSummary) -> String {
        var line = "backfill features: \(Format.count(s.outcomes.count, "pair")), \(Format.group(s.processed)) records processed"
        line += " in \(Format.duration(s.seconds)) (\(s.kernels))"
        if !s.failedSymbols.isEmpty { line += "; \(Format.count(s.failedSymbols.count, "symbol")) failed" }
        return line
    }
}
