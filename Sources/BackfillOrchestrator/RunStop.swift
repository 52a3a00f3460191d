import Synchronization

/// A clean stop of a run, asked from outside (a signal, the server's API).
///
/// After a stop no new request is made: waits for a rate-limit slot or a retry end at once, the
/// page in flight finishes and commits with its coverage, and the engine skips to its report.
public final class RunStop: Sendable {
    /// Why the run stops.
    public enum Reason: String, Sendable {
        /// SIGINT (Ctrl-C): exit code 130.
        case interrupt = "SIGINT"
        /// SIGTERM (`systemctl stop`, `kill`): exit code 143.
        case terminate = "SIGTERM"
        /// Asked through an API: exit code 130.
        case requested = "requested"

        /// The shell's convention: 128 + the signal number.
        public var exitCode: Int32 { self == .terminate ? 143 : 130 }
    }

    private struct State {
        var reason: Reason?
        var nextId = 0
        var cancellers: [Int: @Sendable () -> Void] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// The first stop's reason, nil while the run goes on.
    public var reason: Reason? { state.withLock { $0.reason } }

    public var isRequested: Bool { reason != nil }

    /// Asks for a stop; returns false when one was already asked for (the first reason stays).
    @discardableResult
    public func request(_ reason: Reason) -> Bool {
        let cancellers: [@Sendable () -> Void]? = state.withLock { s in
            guard s.reason == nil else { return nil }
            s.reason = reason
            defer { s.cancellers.removeAll() }
            return Array(s.cancellers.values)
        }
        guard let cancellers else { return false }
        for cancel in cancellers { cancel() }
        return true
    }

    /// Runs `body` in a task that a stop cancels (so its sleeps and waits end at once).
    ///
    /// Work that must finish (a page in flight, its store write) does not observe cancellation:
    /// provider calls and store calls run on their own queues and always complete.
    func cancellable<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
        let task = Task { await body() }
        let id: Int? = state.withLock { s in
            guard s.reason == nil else { return nil }
            let id = s.nextId
            s.nextId += 1
            s.cancellers[id] = { task.cancel() }
            return id
        }
        if id == nil { task.cancel() }
        let value = await task.value
        if let id { _ = state.withLock { $0.cancellers.removeValue(forKey: id) } }
        return value
    }
}
