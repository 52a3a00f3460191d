internal import BackfillHostSys
import Dispatch
internal import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One provider child process, from the host's side: started with `posix_spawn` (its own process
/// group, only the socket and its output pipe inherited, see `bf_sys_spawn`), talked to over a
/// SOCK_SEQPACKET socket, its stdout and stderr read line by line into the host's log.
///
/// After ``startReading(_:)`` one thread per child waits on both the socket and the output pipe;
/// when the socket closes (the child ended, or was killed) it reaps the child and reports how it
/// ended, so no child is ever left a zombie.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    let socket: Int32
    private let output: Int32
    /// The provider's name, for log lines.
    let name: String
    private let logger: Logger
    private let reaped = Mutex(false)

    /// How a child ended.
    enum Ending: Sendable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)
        var description: String {
            switch self {
            case .exited(let code):
                return "exited (status \(code))"
            case .signaled(let signo):
                var buffer = [CChar](repeating: 0, count: 32)
                return "crashed (\(String(cString: bf_sys_signal_name(signo, &buffer, buffer.count))))"
            }
        }
    }

    /// Starts `helper` with `arguments`.
    ///
    /// - Throws: ``ProviderError`` (permanent) when it cannot be started.
    init(helper: String, arguments: [String], name: String, logger: Logger) throws(ProviderError) {
        self.name = name
        self.logger = logger
        var sockets: [Int32] = [-1, -1], pipe: [Int32] = [-1, -1]
        guard bf_sys_socketpair(&sockets) == 0 else { throw Self.failure("cannot make a socket for provider '\(name)'") }
        guard bf_sys_pipe(&pipe) == 0 else {
            close(sockets[0])
            close(sockets[1])
            throw Self.failure("cannot make a pipe for provider '\(name)'")
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([helper] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = Self.environment().map { strdup($0) } + [nil]
        defer { for p in argv + envp { free(p) } }
        var child: pid_t = 0
        // Both the child's stdout and stderr go to the one pipe.
        let rc = argv.withUnsafeBufferPointer { args in
            envp.withUnsafeBufferPointer { env in
                bf_sys_spawn(helper, args.baseAddress, env.baseAddress, sockets[1], pipe[1], pipe[1], &child)
            }
        }
        close(sockets[1])
        close(pipe[1])
        guard rc == 0 else {
            close(sockets[0])
            close(pipe[0])
            throw ProviderError(
                kind: .permanent,
                message: "cannot start the child process for provider '\(name)' (\(helper)): \(String(cString: strerror(rc)))")
        }
        pid = child
        socket = sockets[0]
        output = pipe[0]
    }

    deinit {
        kill()
        _ = reap()
        close(socket)
        close(output)
    }

    /// The host's environment for the child (plugins read their keys from it), with the Swift
    /// runtime's crash backtracer off: a plugin's crash is reported by the host in one line, and
    /// the backtracer would print pages and delay the child's end.
    static func environment() -> [String] {
        var out: [String] = []
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if !text.hasPrefix("SWIFT_BACKTRACE=") { out.append(text) }
            p += 1
        }
        return out + ["SWIFT_BACKTRACE=enable=no"]
    }

    private static func failure(_ what: String) -> ProviderError {
        ProviderError(kind: .permanent, message: "\(what): \(String(cString: strerror(errno)))")
    }

    /// Sends a message (with a descriptor attached when `fd >= 0`); false when the child is gone.
    @discardableResult
    func send(_ message: ChildMessage, fd: Int32 = -1) -> Bool {
        let bytes = message.encoded()
        return bytes.withUnsafeBytes { bf_sys_send(socket, $0.baseAddress, $0.count, fd) } == bytes.count
    }

    /// The next message, waiting at most `timeout` seconds (for the start-up exchange, before
    /// ``startReading(_:)``); nil when the child closed, timed out or sent garbage.
    func receive(timeout: Double) -> ChildMessage? {
        drainOutput()
        guard case .message(let m, let fd) = ChildSocket.receive(socket, timeout: timeout) else { return nil }
        if fd >= 0 { close(fd) }
        return m
    }

    /// Asks the child to end: it sees its socket close and exits; the reader then reaps it.
    func stop() { shutdown(socket, Int32(SHUT_RDWR)) }

    /// Ends the child now (SIGKILL to its process group: the plugin and anything it started).
    func kill() {
        guard !reaped.withLock({ $0 }) else { return }
        Glibc.kill(-pid, SIGKILL)
        Glibc.kill(pid, SIGKILL)
    }

    /// Waits for the child to end (it has, or is about to: its socket closed) and reports how.
    func reap() -> Ending? {
        reaped.withLock { done -> Ending? in
            guard !done else { return nil }
            var exited: Int32 = 0, code: Int32 = 0
            guard bf_sys_reap(pid, 1, &exited, &code) == 1 else { return nil }
            done = true
            return exited != 0 ? .exited(code) : .signaled(code)
        }
    }

    /// Reads the child's messages and output on a thread of its own until the socket closes;
    /// `handle` gets each message, then `nil` with how the child ended.
    func startReading(_ handle: @escaping @Sendable (ChildMessage?, Ending?) -> Void) {
        let thread = DispatchQueue(label: "backfill.child.\(name)")
        thread.async { [self] in
            var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0), pollfd(fd: output, events: Int16(POLLIN), revents: 0)]
            var outputOpen = true
            var buffer = [UInt8](repeating: 0, count: ChildSocket.capacity)
            while true {
                fds[1].fd = outputOpen ? output : -1
                let rc = poll(&fds, 2, -1)
                if rc < 0 {
                    if errno == EINTR { continue }
                    break
                }
                if fds[1].revents != 0 { outputOpen = pumpOutput() }
                if fds[0].revents != 0 {
                    switch ChildSocket.receive(socket, timeout: 0, into: &buffer) {
                    case .message(let m, let fd):
                        if fd >= 0 { close(fd) }
                        handle(m, nil)
                        continue
                    case .closed, .malformed:
                        break
                    }
                    break
                }
            }
            kill()
            let ending = reap()
            while outputOpen && pumpOutput() {}
            handle(nil, ending)
        }
    }

    private var pending: [UInt8] = []

    /// Reads what the child printed and logs each whole line; false at end of file.
    @discardableResult
    private func pumpOutput() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
        guard n > 0 else {
            if n < 0 && errno == EINTR { return true }
            if !pending.isEmpty { log(pending) }
            pending = []
            return false
        }
        pending.append(contentsOf: buffer[0..<n])
        while let newline = pending.firstIndex(of: 10) {
            log(Array(pending[..<newline]))
            pending.removeSubrange(...newline)
        }
        // A line longer than 64 KiB is logged in pieces.
        if pending.count > 65_536 {
            log(pending)
            pending = []
        }
        return true
    }

    /// Logs whatever the child printed so far without blocking (start-up, before the reader).
    private func drainOutput() {
        while bf_sys_wait_readable(output, 0) == 1, pumpOutput() {}
    }

    private func log(_ line: [UInt8]) {
        let text = String(decoding: line, as: UTF8.self)
        logger.warning("provider '\(name)' printed: \(text)", metadata: ["backfill.plugin": "\(name)"])
    }
}
