import BackfillOrchestrator
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SIGINT and SIGTERM during a run: the first asks the engine for a clean stop, a second one
/// ends the process at once (the store stays consistent, as after SIGKILL: every batch is one
/// transaction).
final class StopSignals {
    private var sources: [any DispatchSourceSignal] = []

    /// Starts catching the signals; `stop` is called on the first one and returns whether it
    /// started a stop (false: one was already under way, and the process exits).
    init(_ stop: @escaping @Sendable (RunStop.Reason) -> Bool) {
        for (signo, reason) in [(SIGINT, RunStop.Reason.interrupt), (SIGTERM, RunStop.Reason.terminate)] {
            // A dispatch source sees the signal only once its default action is off.
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler {
                if !stop(reason) {
                    fflush(nil)
                    _exit(reason.exitCode)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Gives the signals their default action back.
    func cancel() {
        for s in sources { s.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
