internal import BackfillABI
internal import BackfillCore
internal import BackfillHostSys
import Dispatch
internal import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The child-process side of plugin isolation: what `backfill plugin-child` runs. It loads one
/// plugin, makes its instance and serves the host's calls over the socket on descriptor 3
/// (protocol: ``ChildMessage``; docs/plugins.md, "Isolation"), writing candle pages into memory
/// the host maps too. It never writes to stdout or stderr itself: those are the plugin's, and the
/// host logs them.
public enum PluginChild {
    /// The socket the host passes.
    static let socket: Int32 = 3

    /// Serve mode: load `path`, report it, make the instance the host asks for, then serve calls
    /// until the host closes the socket (or dies). Never returns.
    ///
    /// - Parameter memoryLimitMB: the address-space limit set before the plugin loads (0: none).
    public static func serve(path: String, memoryLimitMB: Int) -> Never {
        limit(memoryLimitMB)
        let plugin: NativePlugin
        do {
            plugin = try NativePlugin(path: path, logger: logger())
        } catch {
            let w = error.wire
            send(.loadFailed(kind: w.kind, path: w.path, reason: w.reason))
            end()
        }
        send(.hello(plugin.metadata))
        guard case .message(.create(let config), _) = receive() else { end() }
        let instance: NativeInstance
        do {
            instance = try NativeInstance(plugin: plugin, configuration: config)
        } catch {
            send(.createFailed(error))
            end()
        }
        send(.created)
        Server(instance: instance).run()
    }

    /// Scan mode: load each file in turn and report it (for `PluginRegistry` under isolation);
    /// exits when done.
    public static func scan(paths: [String]) -> Never {
        let log = logger()
        for (i, path) in paths.enumerated() {
            send(.loading(index: UInt32(i)))
            do {
                send(.hello(try NativePlugin(path: path, logger: log).metadata))
            } catch {
                let w = error.wire
                send(.loadFailed(kind: w.kind, path: w.path, reason: w.reason))
            }
        }
        end()
    }

    /// Serves calls: the main thread reads messages (so the host's closing the socket ends the
    /// process even while a plugin call hangs), calls run on a queue: serial for a plugin that
    /// is not thread-safe, concurrent for one that is.
    final class Server: @unchecked Sendable {
        let instance: NativeInstance
        let queue: DispatchQueue
        let batches = Mutex<[UInt32: SharedColumns]>([:])

        init(instance: NativeInstance) {
            self.instance = instance
            let concurrent = instance.plugin.metadata.capabilities.contains(.threadSafe)
            queue = DispatchQueue(label: "backfill.child", attributes: concurrent ? [.concurrent] : [])
        }

        func run() -> Never {
            var buffer = [UInt8](repeating: 0, count: ChildSocket.capacity)
            while true {
                switch ChildSocket.receive(PluginChild.socket, timeout: nil, into: &buffer) {
                case .closed: end()
                case .malformed: end()
                case .message(let m, let fd): handle(m, fd)
                }
            }
        }

        private func handle(_ message: ChildMessage, _ fd: Int32) {
            switch message {
            case .mapBatch(let id, let capacity):
                guard fd >= 0, let columns = try? SharedColumns(id: id, capacity: Int(capacity), adopting: fd) else { end() }
                batches.withLock { $0[id] = columns }
            case .unmapBatch(let id):
                _ = batches.withLock { $0.removeValue(forKey: id) }
            case .fetchCandles(let call, let id, let limit, let request, let cursor):
                guard let columns = batches.withLock({ $0[id] }) else { end() }
                queue.async { [instance] in
                    send(.started(call: call))
                    let result = instance.fetchPageBlocking(request, cursor: cursor, into: columns.batch(), pageLimit: Int(limit))
                    send(.candlesDone(call: call, result))
                }
            case .fetchEvents(let call, let request):
                queue.async { [instance] in
                    send(.started(call: call))
                    let result = instance.fetchEventsBlocking(request) { send(.event(call: call, $0)) }
                    send(.eventsDone(call: call, result.map(\.nextCursor)))
                }
            default:
                end()
            }
        }
    }

    // MARK: The socket

    enum Received {
        case message(ChildMessage, Int32)
        case closed
        case malformed
    }

    /// One message from the host, blocking.
    static func receive() -> Received { ChildSocket.receive(socket, timeout: nil) }

    /// Sends one message to the host; a host that is gone ends the process.
    @Sendable static func send(_ message: ChildMessage) {
        let bytes = message.encoded()
        let sent = bytes.withUnsafeBytes { bf_sys_send(socket, $0.baseAddress, $0.count, -1) }
        if sent < 0 { end() }
    }

    /// Ends the child at once (no exit handlers: a plugin's Foundation must not hang it).
    static func end() -> Never { _exit(0) }

    static func limit(_ memoryLimitMB: Int) {
        _ = bf_sys_child_limits(UInt64(max(0, memoryLimitMB)) << 20)
    }

    /// A logger whose messages go to the host (the plugin's `log` calls).
    static func logger() -> Logger {
        var logger = Logger(label: "backfill.plugin") { _ in ForwardingLogHandler() }
        logger.logLevel = .trace
        return logger
    }

    /// Sends each log message to the host, which applies its own level and format.
    struct ForwardingLogHandler: LogHandler {
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let level: Int32 =
                switch event.level {
                case .trace, .debug: Int32(BF_LOG_DEBUG)
                case .info, .notice: Int32(BF_LOG_INFO)
                case .warning: Int32(BF_LOG_WARNING)
                case .error, .critical: Int32(BF_LOG_ERROR)
                }
            PluginChild.send(.log(level: level, message: "\(event.message)"))
        }
    }
}

/// Receiving on a child socket (both sides).
enum ChildSocket {
    /// Messages are small (candle rows travel in shared memory): 256 KiB holds the largest.
    static let capacity = 1 << 18

    /// One message; with `timeout` seconds, `.closed` also when nothing came in time. A reader
    /// that receives many passes its own `buffer` (``capacity`` bytes), so no message costs an
    /// allocation.
    static func receive(_ sock: Int32, timeout: Double?) -> PluginChild.Received {
        var buffer = [UInt8](repeating: 0, count: capacity)
        return receive(sock, timeout: timeout, into: &buffer)
    }

    static func receive(_ sock: Int32, timeout: Double?, into buffer: inout [UInt8]) -> PluginChild.Received {
        if let timeout, bf_sys_wait_readable(sock, Int32(clamping: Int((timeout * 1000).rounded(.up)))) != 1 { return .closed }
        var fd: Int32 = -1
        let n = buffer.withUnsafeMutableBytes { bf_sys_recv(sock, $0.baseAddress, $0.count, &fd) }
        guard n > 0 else { return n == 0 ? .closed : .malformed }
        do {
            let message = try buffer.withUnsafeBytes { try ChildMessage.decode(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            return .message(message, fd)
        } catch {
            if fd >= 0 { close(fd) }
            return .malformed
        }
    }
}
