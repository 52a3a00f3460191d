import Foundation

/// A program started in the background, its output collected as it comes, for tests that act
/// on a process while it works (signals, a database restart, a second run).
public final class Spawned: @unchecked Sendable {
    let process: Process
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    private let done = DispatchGroup()

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// Whether it is still running.
    public var isRunning: Bool { process.isRunning }

    /// Starts `executable` with `arguments` in `directory`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws {
        let (process, outPipe, errPipe) = try Run.start(executable, arguments, environment: environment, directory: directory)
        self.process = process
        for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
            done.enter()
            DispatchQueue.global().async { [self] in
                let handle = pipe.fileHandleForReading
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    lock.withLock { if isOut { out += chunk } else { err += chunk } }
                }
                done.leave()
            }
        }
    }

    /// Starts the built `backfill`.
    public static func backfill(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> Spawned {
        try Spawned(Fixtures.backfillExecutable, arguments, environment: environment, directory: directory)
    }

    public var stdout: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
    public var stderr: String { lock.withLock { String(decoding: err, as: UTF8.self) } }

    /// Waits until stdout contains `text`; false after `timeout` seconds or when the process ended first.
    @discardableResult
    public func waitFor(_ text: String, timeout: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stdout.contains(text) { return true }
            if !process.isRunning { return stdout.contains(text) }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    /// Sends a signal.
    public func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to end (killing it after `timeout` seconds); returns its exit
    /// status, or 128 + the signal that ended it, as a shell reports it, and how long it took.
    public func wait(timeout: Double = 120) -> (status: Int32, seconds: Double) {
        let start = Date()
        while process.isRunning && Date().timeIntervalSince(start) < timeout { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        done.wait()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return (status, Date().timeIntervalSince(start))
    }
}
