public import BackfillOrchestrator
internal import BackfillPluginHost
internal import BackfillStore
import Synchronization

/// A progress line on a terminal that moves with every request of the fetch and refill stages:
/// requests done and planned, candles, candles per second and an ETA.
///
/// The ETA is the larger of what the rate limit allows for the requests left (so at 5 requests
/// a minute it is right from the first minute) and what the pace so far implies. The line is
/// redrawn at most 10 times a second; other output clears it first (``TerminalOutput``).
public final class ProgressObserver: RunObserver {
    private let output: TerminalOutput
    private let clock = ContinuousClock()
    private struct State {
        var stage: RunStage?
        var started: ContinuousClock.Instant?
        var lastDraw: ContinuousClock.Instant?
        var planned = 0
        var requests = 0
        var candles = 0
        var rate = 0.0
        /// A retry or rate-limit wait in progress: what and until when.
        var waiting: (reason: String, until: ContinuousClock.Instant)?
    }
    private let state = Mutex(State())

    /// At most this often.
    static let redrawInterval = Duration.milliseconds(100)

    public init(output: TerminalOutput) { self.output = output }

    public func handle(_ event: RunEvent) {
        switch event {
        case .runStarted(let s):
            state.withLock {
                $0.planned = s.plannedRequests
                $0.rate = s.rate
            }
        case .stageStarted(let stage):
            if stage == .fetch || stage == .refill {
                state.withLock {
                    $0.stage = stage
                    $0.started = $0.started ?? clock.now
                }
            } else {
                end()
            }
        case .pageFetched(let p):
            let text: String? = state.withLock { s in
                s.requests = p.requestsDone
                s.candles = p.candlesDone
                s.planned = max(s.planned, p.requestsPlanned)
                s.rate = p.rate
                s.waiting = nil
                return due(&s) ? line(s) : nil
            }
            if let text { output.progress(text) }
        case .retry(let r):
            let text: String? = state.withLock { s in
                guard s.stage != nil else { return nil }
                s.waiting = ("\(r.subject) \(r.kind.rawValue), retry \(r.attempt)", clock.now + r.wait)
                s.lastDraw = nil
                return due(&s) ? line(s) : nil
            }
            if let text { output.progress(text) }
        case .stageFinished(let stage) where stage == .fetch || stage == .refill:
            end()
        case .runFinished, .stopRequested:
            end()
        default:
            break
        }
    }

    private func end() {
        state.withLock { $0.stage = nil }
        output.clearProgress()
    }

    /// Whether a redraw is due now (and marks it done).
    private func due(_ s: inout State) -> Bool {
        guard s.stage != nil else { return false }
        let now = clock.now
        if let last = s.lastDraw, now - last < Self.redrawInterval { return false }
        s.lastDraw = now
        return true
    }

    private func line(_ s: State) -> String {
        let now = clock.now
        let waiting = s.waiting.flatMap { w in w.until > now ? (w.reason, Format.seconds(w.until - now)) : nil }
        return Self.text(
            stage: s.stage ?? .fetch, requests: s.requests, planned: s.planned, candles: s.candles,
            elapsed: Format.seconds(now - (s.started ?? now)), rate: s.rate, waiting: waiting)
    }

    /// The progress line for these counts.
    ///
    /// - Parameters:
    ///   - elapsed: seconds since the stage began.
    ///   - rate: the limiter's requests per second (0: unlimited).
    ///   - waiting: a retry in progress: what, and seconds left.
    static func text(
        stage: RunStage, requests: Int, planned: Int, candles: Int, elapsed: Double, rate: Double, waiting: (String, Double)?
    ) -> String {
        let elapsed = max(0.001, elapsed)
        var text: String
        if stage == .fetch {
            let width = 24
            let filled = planned == 0 ? width : width * min(requests, planned) / planned
            text = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            text += "\(Format.group(requests))/\(Format.group(max(planned, requests))) requests"
        } else {
            text = "refill: \(Format.count(requests, "request"))"
        }
        text += "  \(Format.group(candles)) candles  \(Format.group(Int(Double(candles) / elapsed)))/s"
        if stage == .fetch {
            let left = max(0, planned - requests)
            let byRate = rate > 0 ? Double(left) / rate : 0
            let byPace = requests > 0 ? elapsed / Double(requests) * Double(left) : 0
            text += "  ETA \(requests == 0 && rate <= 0 ? "?" : Format.duration(max(byRate, byPace)))"
        }
        if let (what, seconds) = waiting { text += "  (\(what) in \(Format.duration(seconds)))" }
        return text
    }
}
