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
        let elapsed = max(0.001, Format.seconds(now - (s.started ?? now)))
        var text: String
        if s.stage == .fetch {
            let width = 24
            let done = min(s.requests, max(s.planned, 1))
            let filled = s.planned == 0 ? width : width * done / max(s.planned, 1)
            text = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            text += "\(Format.group(s.requests))/\(Format.group(max(s.planned, s.requests))) requests"
        } else {
            text = "refill: \(Format.count(s.requests, "request"))"
        }
        text += "  \(Format.group(s.candles)) candles  \(Format.group(Int(Double(s.candles) / elapsed)))/s"
        if s.stage == .fetch {
            let left = max(0, s.planned - s.requests)
            let byRate = s.rate > 0 ? Double(left) / s.rate : 0
            let byPace = s.requests > 0 ? elapsed / Double(s.requests) * Double(left) : 0
            text += "  ETA \(s.requests == 0 && s.rate <= 0 ? "?" : Format.duration(max(byRate, byPace)))"
        }
        if let w = s.waiting, w.until > now {
            text += "  (\(w.reason) in \(Format.duration(w.until - now)))"
        }
        return text
    }
}
