import BackfillOrchestrator
import Foundation

/// Prints a run the way the Python scripts did: stage banners and one line per pair on stdout;
/// a progress line on stderr when it is a terminal, nothing extra when it is not (cron, pipes).
final class ConsoleObserver: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private let interactive = Terminal.stderrIsTerminal
    private var progressShown = false
    private let started = Date()

    func rule() { write("=" + String(repeating: "=", count: 79)) }

    func banner(_ title: String) {
        rule()
        write(title)
        rule()
    }

    func stage(_ title: String) {
        write("")
        banner(title)
    }

    func line(_ text: String) { write(text) }

    func warning(_ text: String) {
        lock.withLock {
            clearProgress()
            Terminal.printError("warning: \(text)")
        }
    }

    func progress(pairsDone: Int, pairsTotal: Int, candles: Int, requests: Int) {
        guard interactive else { return }
        lock.withLock {
            let elapsed = max(0.001, Date().timeIntervalSince(started))
            let width = 24
            let filled = pairsTotal == 0 ? width : width * pairsDone / pairsTotal
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let rate = Double(candles) / elapsed
            let eta = pairsDone == 0 ? "?" : Orchestrator.duration(elapsed / Double(pairsDone) * Double(pairsTotal - pairsDone))
            let text =
                "[\(bar)] \(pairsDone)/\(pairsTotal) pairs  \(Orchestrator.group(candles)) candles  \(Orchestrator.group(Int(rate)))/s  \(requests) requests  ETA \(eta)"
            Terminal.writeAll(2, "\r\u{1B}[2K" + text)
            progressShown = true
        }
    }

    func finishProgress() { lock.withLock { clearProgress() } }

    private func clearProgress() {
        if progressShown {
            Terminal.writeAll(2, "\r\u{1B}[2K")
            progressShown = false
        }
    }

    private func write(_ text: String) {
        lock.withLock {
            clearProgress()
            Terminal.writeAll(1, text + "\n")
        }
    }
}
