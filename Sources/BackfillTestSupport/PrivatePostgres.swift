import Foundation

/// A PostgreSQL server of a test's own, on loopback, that the test may stop and start (a server
/// restart in the middle of a run) without disturbing the suite's shared server.
///
/// Its data folder is a temporary folder; as root the server runs as the `postgres` user
/// (initdb refuses root), as `.ci/with-postgres` runs the shared one.
public final class PrivatePostgres: @unchecked Sendable {
    public let port: Int
    let dir: String
    let bin: String
    let asOwner: [String]

    /// The server binaries, from `PG_BIN` or the Debian layout; nil when none is installed.
    public static var binaries: String? {
        let env = ProcessInfo.processInfo.environment
        let candidates = [env["PG_BIN"]].compactMap { $0 } + ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Creates and starts a server (trust authentication on loopback: it holds only test data).
    public init() throws {
        guard let bin = Self.binaries else { throw Failure(description: "no PostgreSQL server binaries (apt-get install postgresql-15)") }
        self.bin = bin
        dir = NSTemporaryDirectory() + "backfill-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        port = try Self.freePort()
        if getuid() == 0 {
            asOwner = ["runuser", "-u", "postgres", "--"]
            let chown = try Run.program("/usr/bin/env", ["chown", "postgres:postgres", dir])
            guard chown.status == 0 else { throw Failure(description: "chown: \(chown.stderr)") }
        } else {
            asOwner = []
        }
        try owner(bin + "/initdb", ["-D", dir + "/data", "--auth=trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"])
        try start()
    }

    deinit {
        try? owner(bin + "/pg_ctl", ["-D", dir + "/data", "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// The URL of database `name` (created with ``createDatabase(_:)``).
    public func url(_ name: String) -> String { "postgres://postgres@127.0.0.1:\(port)/\(name)" }

    public func createDatabase(_ name: String) throws {
        try owner(bin + "/createdb", ["-h", dir, "-p", String(port), "-U", "postgres", name])
    }

    /// Starts the server and waits until it accepts connections. Commits are synchronous (the
    /// default): a commit the server acknowledged survives `crash()`; `fsync` is off, which a
    /// stopped process (not a stopped machine) does not need.
    public func start() throws {
        try owner(
            bin + "/pg_ctl",
            [
                "-D", dir + "/data", "-l", dir + "/server.log", "-w", "-t", "60", "-o",
                "-c listen_addresses=127.0.0.1 -p \(port) -k \(dir) -c fsync=off", "start",
            ])
    }

    /// Stops the server the way a crash or `pg_ctl stop -m immediate` does: every session cut,
    /// nothing flushed (the next start recovers from the WAL).
    public func crash() throws {
        try owner(bin + "/pg_ctl", ["-D", dir + "/data", "-m", "immediate", "stop"])
    }

    /// Runs SQL with psql against database `name`; returns its output.
    @discardableResult
    public func psql(_ name: String, _ sql: String) throws -> String {
        let out = try Run.program("/usr/bin/env", ["psql", url(name), "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])
        guard out.status == 0 else { throw Failure(description: "psql failed: \(out.stderr)") }
        return out.stdout
    }

    /// Runs a server program as the data folder's owner, through a launcher that closes every
    /// inherited descriptor: the server `pg_ctl start` leaves running would otherwise keep the
    /// descriptors Foundation's Process watches to see a child end, and the wait would never end.
    private func owner(_ program: String, _ arguments: [String]) throws {
        let log = dir + "/ctl.log"
        let launcher = """
            import subprocess, sys
            with open(sys.argv[1], "w") as log:
                sys.exit(subprocess.call(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=True))
            """
        let out = try Run.program("/usr/bin/env", ["python3", "-c", launcher, log] + asOwner + [program] + arguments)
        guard out.status == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? out.stderr
            throw Failure(description: "\(program) \(arguments.joined(separator: " ")): \(text)")
        }
    }

    /// A port nothing listens on now (the kernel's choice for a socket bound to port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw Failure(description: "bind: \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
