public import BackfillCore
public import BackfillOrchestrator
import BackfillStore
import Prometheus
import Synchronization

/// Backfill's metrics in the Prometheus text format (swift-prometheus): what runs did (requests
/// by provider and status, rate-limit waits, candles written, gaps by class, run durations and
/// statuses), the last successful run of each schedule, and per series the time of its newest
/// stored bar, so an alert can fire when a series goes stale.
///
/// `backfill serve` keeps one for its life and serves it at `/metrics`; `backfill run
/// --metrics-file` fills one for its run and writes it as a node-exporter textfile.
public final class Metrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let newest = Mutex<[String: Gauge]>([:])

    public init() {}

    /// An observer that counts a run's events into these metrics.
    public func observer() -> any RunObserver { MetricsObserver(metrics: self) }

    func counter(_ name: String, _ labels: [(String, String)], _ help: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    func gauge(_ name: String, _ labels: [(String, String)], _ help: String) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// An HTTP request the server answered.
    public func httpRequest(status: Int) {
        counter("backfill_http_requests_total", [("status", String(status))], "HTTP requests answered, by status").increment()
    }

    /// A schedule fired; `complete` runs set its last-success time.
    public func scheduleFired(_ name: String, startedAt: Int64, complete: Bool) {
        counter("backfill_schedule_fires_total", [("schedule", name)], "Runs a schedule started").increment()
        if complete {
            gauge(
                "backfill_schedule_last_success_timestamp_seconds", [("schedule", name)],
                "When the schedule's last complete run started (Unix seconds)"
            ).set(Double(startedAt) / 1000)
        }
    }

    /// A schedule's fire skipped because its previous run was still going.
    public func scheduleSkipped(_ name: String) {
        counter("backfill_schedule_skipped_total", [("schedule", name)], "Fires skipped because the previous run was still going")
            .increment()
    }

    /// The newest stored bar of each series, from the store.
    public func updateSeries(_ bars: [(symbol: Symbol, timeframe: Timeframe, ts: Int64)]) {
        newest.withLock { gauges in
            for b in bars {
                let key = "\(b.symbol)\u{0}\(b.timeframe)"
                let g =
                    gauges[key]
                    ?? gauge(
                        "backfill_series_newest_bar_timestamp_seconds", [("symbol", b.symbol.text), ("timeframe", b.timeframe.rawValue)],
                        "Start of the newest stored bar of the series (Unix seconds)")
                gauges[key] = g
                g.set(Double(b.ts) / 1000)
            }
        }
    }

    /// The metrics as Prometheus text.
    public var text: String { registry.emitToString() }
}

/// Counts one run's events.
final class MetricsObserver: RunObserver {
    let metrics: Metrics
    private let provider = Mutex("")

    init(metrics: Metrics) { self.metrics = metrics }

    func handle(_ event: RunEvent) {
        switch event {
        case .runStarted(let s):
            provider.withLock { $0 = s.provider }
        case .requestAnswered(let a):
            let p = provider.withLock { $0 }
            metrics.counter(
                "backfill_provider_requests_total", [("provider", p), ("status", a.status)], "Provider requests, by provider and answer"
            ).increment()
        case .rateLimitWait:
            let p = provider.withLock { $0 }
            metrics.counter("backfill_rate_limit_waits_total", [("provider", p)], "Rate-limited answers that paused every request")
                .increment()
        case .pageFetched(let page):
            let written = "Candles stored, by whether the row was new or changed"
            metrics.counter("backfill_candles_written_total", [("kind", "inserted")], written).increment(by: Int64(page.inserted))
            metrics.counter("backfill_candles_written_total", [("kind", "updated")], written).increment(by: Int64(page.updated))
        case .runFinished(let report):
            let s = report.summary
            metrics.counter("backfill_runs_total", [("status", s.status.rawValue)], "Runs finished, by status").increment()
            metrics.registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(metricName: "backfill_run_duration_seconds", unitName: "", helpText: "How long runs took"),
                labels: [],
                buckets: [.seconds(1), .seconds(10), .seconds(60), .seconds(300), .seconds(900), .seconds(3600), .seconds(4 * 3600)]
            ).recordNanoseconds(Int64(s.seconds * 1e9))
            metrics.gauge("backfill_last_run_timestamp_seconds", [], "When the last run finished (Unix seconds)").set(
                Double(s.finishedAt) / 1000)
            var remaining: [GapClass: Int] = [:]
            for g in report.gapsRemaining { remaining[g.gapClass, default: 0] += 1 }
            for cls in GapClass.allCases {
                metrics.gauge("backfill_gaps_remaining", [("class", cls.rawValue)], "Gaps left at the end of the last run, by class").set(
                    Double(remaining[cls] ?? 0))
            }
        default:
            break
        }
    }
}
