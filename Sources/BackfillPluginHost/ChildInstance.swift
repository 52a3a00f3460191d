internal import BackfillCore
import Dispatch
internal import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A provider instance whose plugin runs in a child process (``ProcessIsolation``).
///
/// - Every call has a deadline: a call that has not returned by then ends its child (SIGKILL) and
///   fails as `timed_out`; a child that dies during a call fails it as `crashed`, naming the
///   signal or exit status and the request. The next call starts a fresh child (which loads the
///   plugin and calls `create` again), so a fault costs the request, not the run.
/// - After `maxConsecutiveFaults` crashes or timeouts in a row the instance stops calling the
///   plugin: every later call fails at once (`permanent`) with that reason.
/// - Candle pages are written by the plugin straight into the batch's shared memory
///   (``SharedColumns``); a batch not made by ``makeBatch(capacity:)`` goes through a temporary
///   shared region and one copy.
final class ChildInstance: InstanceBackend, @unchecked Sendable {
    let name: String
    let path: String
    let isolation: ProcessIsolation
    let configuration: [String: String]
    let logger: Logger

    /// A call waiting for its answer.
    private struct Pending {
        enum Kind { case candles, events }
        var kind: Kind
        var continuation: CheckedContinuation<Reply, Never>
        /// "fetching SPY/1h 2024-03-01T00:00:00Z..2024-03-02T00:00:00Z", for fault messages.
        var what: String
        var events: [CorporateEvent] = []
        /// The plugin is running it (not only queued in the child).
        var started = false
    }

    private enum Reply {
        case candles(Result<PageInfo, ProviderError>)
        case events(Result<EventPage, ProviderError>)

        static func failure(_ kind: Pending.Kind, _ error: ProviderError) -> Reply {
            kind == .candles ? .candles(.failure(error)) : .events(.failure(error))
        }
    }

    /// One live child and what it holds.
    private final class Connection: @unchecked Sendable {
        let process: ChildProcess
        var mapped = Set<UInt32>()
        var pending: [UInt64: Pending] = [:]
        /// The call whose deadline passed (its child was killed for it).
        var timedOut: UInt64?
        var alive = true
        init(_ process: ChildProcess) { self.process = process }
    }

    private struct State {
        var connection: Connection?
        var faults = 0
        var broken: ProviderError?
        var nextCall: UInt64 = 1
        var nextBatch: UInt32 = 1
    }
    private let state = Mutex(State())
    /// Calls are handed to the child in order on this queue, which also starts children (off the
    /// cooperative pool: starting blocks for the child's start-up exchange).
    private let dispatch = DispatchQueue(label: "backfill.provider.child")

    /// Starts the first child: loading errors and `create`'s errors surface here, as in process.
    init(provider: LoadedProvider, isolation: ProcessIsolation, configuration: [String: String], logger: Logger) throws(ProviderError) {
        name = provider.name
        path = provider.path
        self.isolation = isolation
        self.configuration = configuration
        self.logger = logger
        let first = try start()
        state.withLock { $0.connection = first }
    }

    deinit {
        state.withLock { $0.connection }?.process.stop()
    }

    // MARK: Calls

    func makeBatch(capacity: Int) -> CandleBatch {
        let id = state.withLock { s -> UInt32 in
            defer { s.nextBatch &+= 1 }
            return s.nextBatch
        }
        let columns = try? SharedColumns(id: id, capacity: capacity) { [weak self] id in self?.unmap(id) }
        return columns?.batch() ?? CandleBatch(capacity: capacity)
    }

    func fetchPage(_ request: CandleRequest, cursor: String?, into batch: CandleBatch, pageLimit: Int?) async
        -> Result<PageInfo, ProviderError>
    {
        let shared = batch.storage as? SharedColumns
        let columns: SharedColumns
        if let shared {
            columns = shared
        } else {
            do {
                columns = try SharedColumns(
                    id: state.withLock { s in
                        defer { s.nextBatch &+= 1 }
                        return s.nextBatch
                    }, capacity: batch.capacity
                ) { [weak self] id in self?.unmap(id) }
            } catch {
                return .failure(error)
            }
        }
        let limit = UInt32(clamping: min(pageLimit ?? batch.capacity, batch.capacity))
        let what = "fetching \(request.symbol)/\(request.timeframe) \(UTCTime.iso(request.start))..\(UTCTime.iso(request.end))"
        let reply = await call(.candles, what, columns) {
            .fetchCandles(call: $0, batch: columns.id, pageLimit: limit, request: request, cursor: cursor)
        }
        guard case .candles(let result) = reply else { return .failure(ProviderError(kind: .permanent, message: "internal: wrong reply")) }
        batch.count = 0
        if case .success(let page) = result {
            let n = min(page.count, batch.capacity, columns.capacity)
            if shared == nil {
                let source = columns.batch()
                for i in 0..<n {
                    batch.ts[i] = source.ts[i]
                    batch.open[i] = source.open[i]
                    batch.high[i] = source.high[i]
                    batch.low[i] = source.low[i]
                    batch.close[i] = source.close[i]
                    batch.volume[i] = source.volume[i]
                    batch.vwap[i] = source.vwap[i]
                    batch.trades[i] = source.trades[i]
                }
            }
            batch.count = n
            return .success(PageInfo(count: n, rejected: page.rejected, nextCursor: page.nextCursor, requestId: page.requestId))
        }
        return result
    }

    func fetchEvents(_ request: EventRequest) async -> Result<EventPage, ProviderError> {
        let reply = await call(.events, "fetching \(request.symbol) events", nil) { .fetchEvents(call: $0, request: request) }
        guard case .events(let result) = reply else { return .failure(ProviderError(kind: .permanent, message: "internal: wrong reply")) }
        return result
    }

    /// Where a call is in flight, so a stop can abandon it.
    private final class Ticket: @unchecked Sendable {
        var connection: Connection?
        var id: UInt64?
    }

    /// How long a call in flight may still take after the task waiting for it is cancelled (a
    /// run stopping): the page usually arrives and is stored; a plugin that hangs is ended.
    var stopGrace: Double { min(10, isolation.requestTimeout) }

    /// Sends one call to the child (starting one if none is alive, mapping `columns` there if
    /// needed) and waits for its answer, its deadline or its child's end; then counts faults.
    private func call(
        _ kind: Pending.Kind, _ what: String, _ columns: SharedColumns?, _ message: @escaping @Sendable (UInt64) -> ChildMessage
    ) async -> Reply {
        let ticket = Ticket()
        let reply: Reply = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                dispatch.async { [self] in
                    if let failure = send(kind, what, columns, message, continuation, ticket) {
                        continuation.resume(returning: .failure(kind, failure))
                    }
                }
            }
        } onCancel: {
            DispatchQueue.global().asyncAfter(deadline: .now() + stopGrace) { [weak self] in self?.abandon(ticket) }
        }
        account(reply)
        return reply
    }

    /// A call still in flight after a stop's grace: it fails at once and its child is ended (the
    /// plugin may be hung in it).
    private func abandon(_ ticket: Ticket) {
        let found = state.withLock { _ -> (Connection, Pending)? in
            guard let c = ticket.connection, let id = ticket.id, let p = c.pending.removeValue(forKey: id) else { return nil }
            return (c, p)
        }
        guard let (connection, pending) = found else { return }
        connection.process.kill()
        let error = ProviderError(
            kind: .transient,
            message: "provider '\(name)' had not finished \(pending.what) \(Self.seconds(stopGrace)) after the stop; its process was ended")
        pending.continuation.resume(returning: .failure(pending.kind, error))
    }

    /// On the dispatch queue: registers the call and sends it; returns an error instead when it
    /// cannot be sent (the provider is broken, or no child would start).
    private func send(
        _ kind: Pending.Kind, _ what: String, _ columns: SharedColumns?, _ message: (UInt64) -> ChildMessage,
        _ continuation: CheckedContinuation<Reply, Never>, _ ticket: Ticket
    ) -> ProviderError? {
        if let broken = state.withLock({ $0.broken }) { return broken }
        let connection: Connection
        if let live = state.withLock({ s in s.connection.flatMap { $0.alive ? $0 : nil } }) {
            connection = live
        } else {
            do {
                connection = try start()
            } catch {
                return error
            }
            state.withLock { $0.connection = connection }
        }
        if let columns, !state.withLock({ _ in connection.mapped.contains(columns.id) }) {
            connection.process.send(.mapBatch(id: columns.id, capacity: UInt32(columns.capacity)), fd: columns.fd)
            state.withLock { _ in _ = connection.mapped.insert(columns.id) }
        }
        let id: UInt64? = state.withLock { s in
            guard connection.alive else { return nil }
            let id = s.nextCall
            s.nextCall += 1
            connection.pending[id] = Pending(kind: kind, continuation: continuation, what: what)
            ticket.connection = connection
            ticket.id = id
            return id
        }
        guard let id else { return ProviderError(kind: .crashed, message: "provider '\(name)' ended before \(what)") }
        // A failed send means the child is gone: its reader fails the call, as it fails every
        // call in flight when a child ends.
        connection.process.send(message(id))
        let timeout = isolation.requestTimeout
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak self] in
            guard let self else { return }
            let overdue = self.state.withLock { _ -> Bool in
                guard connection.alive, connection.pending[id] != nil, connection.timedOut == nil else { return false }
                connection.timedOut = id
                return true
            }
            if overdue { connection.process.kill() }
        }
        return nil
    }

    /// Counts a call's fault (or its absence): after `maxConsecutiveFaults` in a row the
    /// provider is no longer called.
    private func account(_ reply: Reply) {
        let error: ProviderError? =
            switch reply {
            case .candles(let r): r.failure
            case .events(let r): r.failure
            }
        state.withLock { s in
            guard let error, error.isFault else {
                s.faults = 0
                return
            }
            s.faults += 1
            if s.faults >= isolation.maxConsecutiveFaults && s.broken == nil {
                s.broken = ProviderError(
                    kind: .permanent,
                    message:
                        "provider '\(name)' is not called again in this run: \(s.faults) crashes or timeouts in a row (the last: \(error.message))"
                )
            }
        }
    }

    // MARK: Children

    /// Starts a child and makes the instance in it.
    private func start() throws(ProviderError) -> Connection {
        let process = try ChildProcess(
            helper: isolation.helper, arguments: ["plugin-child", "--plugin", path, "--memory-limit-mb", String(isolation.memoryLimitMB)],
            name: name, logger: logger)
        func ended(_ stage: String) -> ProviderError {
            process.kill()
            let how = process.reap().map(\.description) ?? "did not answer within \(Self.seconds(isolation.requestTimeout))"
            return ProviderError(kind: .crashed, message: "provider '\(name)' \(how) while \(stage)")
        }
        switch nextStartMessage(process) {
        case .hello?: break
        case .loadFailed(let kind, let path, let reason)?:
            throw ProviderError(kind: .permanent, message: PluginLoadError.reported(kind: kind, path: path, reason: reason).description)
        default: throw ended("loading")
        }
        process.send(.create(configuration))
        switch nextStartMessage(process) {
        case .created?: break
        case .createFailed(let error)?: throw error
        default: throw ended("starting (create)")
        }
        let connection = Connection(process)
        process.startReading { [weak self] message, ending in self?.received(message, ending, on: connection) }
        return connection
    }

    /// The next start-up message that is not a log line (those are logged).
    private func nextStartMessage(_ process: ChildProcess) -> ChildMessage? {
        while let m = process.receive(timeout: isolation.requestTimeout) {
            guard case .log(let level, let text) = m else { return m }
            log(level, text)
        }
        return nil
    }

    /// A message from a child's reader thread; nil: the child ended (`ending` says how).
    private func received(_ message: ChildMessage?, _ ending: ChildProcess.Ending?, on connection: Connection) {
        switch message {
        case .candlesDone(let call, let result)?:
            take(call, on: connection)?.continuation.resume(returning: .candles(result))
        case .started(let call)?:
            state.withLock { _ in connection.pending[call]?.started = true }
        case .event(let call, let event)?:
            state.withLock { _ in connection.pending[call]?.events.append(event) }
        case .eventsDone(let call, let result)?:
            if let p = take(call, on: connection) {
                p.continuation.resume(returning: .events(result.map { EventPage(events: p.events, nextCursor: $0) }))
            }
        case .log(let level, let text)?:
            log(level, text)
        case nil:
            ended(connection, ending)
        default:
            break
        }
    }

    private func take(_ call: UInt64, on connection: Connection) -> Pending? {
        state.withLock { _ in connection.pending.removeValue(forKey: call) }
    }

    /// A child ended: every call in flight on it fails, naming why. The calls the plugin was
    /// running are the suspects (`crashed`, or `timed_out` for the one whose deadline passed);
    /// calls only queued behind them fail as `transient` and are retried like any such answer.
    private func ended(_ connection: Connection, _ ending: ChildProcess.Ending?) {
        let (calls, overdue) = state.withLock { s -> ([UInt64: Pending], UInt64?) in
            connection.alive = false
            if s.connection === connection { s.connection = nil }
            defer { connection.pending = [:] }
            return (connection.pending, connection.timedOut)
        }
        let how = ending?.description ?? "ended"
        for (id, p) in calls {
            let error: ProviderError
            if id == overdue {
                error = ProviderError(
                    kind: .timedOut,
                    message:
                        "provider '\(name)' did not answer within \(Self.seconds(isolation.requestTimeout)) \(p.what); its process was ended"
                )
            } else if overdue != nil || !p.started {
                let why = overdue != nil ? "another request timed out" : "another request \(how)"
                error = ProviderError(kind: .transient, message: "provider '\(name)' was restarted before \(p.what) finished (\(why))")
            } else {
                error = ProviderError(kind: .crashed, message: "provider '\(name)' \(how) \(p.what)")
            }
            p.continuation.resume(returning: .failure(p.kind, error))
        }
    }

    private func unmap(_ id: UInt32) {
        let connection = state.withLock { s -> Connection? in
            guard let c = s.connection, c.alive, c.mapped.remove(id) != nil else { return nil }
            return c
        }
        connection?.process.send(.unmapBatch(id: id))
    }

    /// A plugin's `log` call, made in the child, into the host's log.
    private func log(_ level: Int32, _ text: String) {
        logger.log(level: NativePlugin.logLevel(level), "\(text)", metadata: ["backfill.plugin": "\(path)"])
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }
}

extension Result {
    /// The error, if this is a failure.
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
