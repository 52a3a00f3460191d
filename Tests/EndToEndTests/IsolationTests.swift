import BackfillTestSupport
import Foundation
import Testing

/// A third-party C plugin that misbehaves (`CPrograms/faulty.c`, built from the ABI header alone)
/// under process isolation: a crash, an abort, an exit, a hang, a runaway allocation or printing
/// costs the request, is reported by name, and never takes the run down or leaves a process
/// behind.
@Suite("CLI: providers in their own process")
struct IsolationTests {
    static let source = Fixtures.packageRoot + "/Tests/EndToEndTests/CPrograms/faulty.c"

    /// A plugin folder with libfaulty.so, a database with the symbols, the run's flags.
    final class Workspace: @unchecked Sendable {
        let dir = TemporaryDirectory("backfill-iso")
        var plugins: String { dir.path + "/plugins" }
        var database: String { "sqlite:" + dir.path + "/db.sqlite" }

        init(symbols: [String]) throws {
            try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
            _ = try Run.compilePlugin(source: IsolationTests.source, output: plugins + "/libfaulty.so")
            let add = try Run.backfill(["symbols", "add"] + symbols + ["--asset-class", "crypto", "--database", database])
            #expect(add.status == 0, "\(add.stderr)")
        }

        func args(_ fault: String, only symbol: String? = nil, _ extra: [String] = []) -> [String] {
            var a = [
                "run", "--database", database, "--plugin-dir", plugins, "--provider", "faulty", "--provider-option", "fault=\(fault)",
                "--timeframes", "1h", "--start", "2024-03-01", "--end", "2024-03-03", "--backoff-ms", "20", "--results",
                dir.path + "/r.json", "--request-timeout", "2", "--provider-memory-limit", "512",
            ]
            if let symbol { a += ["--provider-option", "fault_symbol=\(symbol)"] }
            return a + extra
        }

        func run(_ fault: String, only symbol: String? = nil, _ extra: [String] = []) throws -> (ProcessOutput, Double) {
            let t0 = Date()
            let out = try Run.backfill(args(fault, only: symbol, extra))
            return (out, Date().timeIntervalSince(t0))
        }

        func count(_ symbol: String) throws -> Int {
            let out = try Run.program(
                "/usr/bin/env", ["sqlite3", dir.path + "/db.sqlite", "SELECT count(*) FROM candles_view WHERE symbol = '\(symbol)'"])
            return Int(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }

        /// Processes still running a plugin of this workspace (none may outlive a run).
        func children() -> [String] {
            let procs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return procs.filter { Int($0) != nil }.compactMap { pid in
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
                let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
                return line.contains("plugin-child") && line.contains(plugins) ? line : nil
            }
        }

        /// Waits (up to 3 s) for every child of this workspace to be gone; returns those left.
        func childrenAfterExit() -> [String] {
            for _ in 0..<300 where !children().isEmpty { Thread.sleep(forTimeInterval: 0.01) }
            return children()
        }
    }

    @Test(
        "a plugin that faults for one symbol: the others complete, the faulty pair fails naming why, the host never dies",
        arguments: [
            ("segv", "provider 'faulty' crashed (SIGSEGV) fetching BAD/1h 2024-03-01T00:00:00Z..2024-03-03T00:00:00Z"),
            ("abort", "provider 'faulty' crashed (SIGABRT) fetching BAD/1h 2024-03-01T00:00:00Z..2024-03-03T00:00:00Z"),
            ("exit", "provider 'faulty' exited (status 3) fetching BAD/1h 2024-03-01T00:00:00Z..2024-03-03T00:00:00Z"),
            ("hang", "provider 'faulty' did not answer within 2 s fetching BAD/1h 2024-03-01T00:00:00Z..2024-03-03T00:00:00Z"),
            ("alloc", "permanent: out of memory after "),
        ])
    func oneSymbolFaults(_ fault: String, _ reason: String) throws {
        let w = try Workspace(symbols: ["AAA", "BAD", "ZZZ"])
        let (out, seconds) = try w.run(fault, only: "BAD")
        #expect(out.status == 1, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("  BAD/1h: ✗ ") && out.stdout.contains(reason), "\(out.stdout)")
        #expect(
            out.stdout.contains("AAA     ✓") && out.stdout.contains("ZZZ     ✓") && out.stdout.contains("BAD     ✗"),
            "\(out.stdout)\(out.stderr)")
        #expect(try w.count("AAA") == 48 && w.count("ZZZ") == 48 && w.count("BAD") == 0)
        // A crash is tried once more in a fresh process, then the pair fails; a timeout costs
        // two deadlines; nothing waits for ever.
        #expect(seconds < 20, "took \(seconds) s")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: w.dir.path + "/r.json"))) as? [String: Any]
        #expect((json?["errors"] as? [String])?.contains { $0.hasPrefix("BAD/1h: ") && $0.contains(reason) } == true)
        #expect(!out.stdout.contains("Backtrac") && !out.stderr.contains("Backtrac"), "a crash is one line, not a backtrace")
        #expect(w.childrenAfterExit().isEmpty)
    }

    @Test("a provider that crashes on every request is not called again after 3 faults in a row; the run ends, exit 1")
    func brokenProvider() throws {
        let w = try Workspace(symbols: ["S1", "S2", "S3", "S4", "S5"])
        let (out, _) = try w.run("segv", only: nil, ["--concurrency", "1"])
        #expect(out.status == 1)
        let broken = "provider 'faulty' is not called again in this run: 3 crashes or timeouts in a row"
        let failedLines = out.stdout.split(separator: "\n").filter { $0.hasPrefix("  S") && $0.contains(": ✗ ") }
        #expect(failedLines.count == 5, "\(out.stdout)")
        #expect(failedLines.filter { $0.contains(broken) }.count >= 3, "\(out.stdout)")
        // Each of the first two pairs cost at most two crashes: never one crash per retry.
        #expect(out.stderr.components(separatedBy: "crashed (SIGSEGV)").count - 1 <= 4, "\(out.stderr)")
        #expect(w.childrenAfterExit().isEmpty)
    }

    @Test("what a plugin prints goes to the host's log, marked with its name, never into the host's output")
    func printing() throws {
        let w = try Workspace(symbols: ["AAA"])
        let (out, _) = try w.run("print")
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(!out.stdout.contains("hello from the plugin"))
        #expect(out.stderr.contains("warning: provider 'faulty' printed: hello from the plugin on stdout"))
        #expect(out.stderr.contains("warning: provider 'faulty' printed: and on stderr"))
        let json = try Run.backfill(w.args("print", only: nil, ["--log-format", "json", "--force"]))
        #expect(json.stdout.isEmpty)
        let lines = json.stderr.split(separator: "\n")
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }, "\(json.stderr)")
        #expect(lines.contains { $0.contains(#""event":"log""#) && $0.contains("hello from the plugin on stdout") })
    }

    @Test("the child inherits nothing of the host's but its socket and its output: no database handle, no log file")
    func nothingInherited() throws {
        let w = try Workspace(symbols: ["AAA"])
        let (out, _) = try w.run("fds")
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        let line = try #require(out.stderr.split(separator: "\n").first { $0.contains("printed: fds:") })
        let fds = Dictionary(
            uniqueKeysWithValues: line.split(separator: " ").dropFirst(5).compactMap { item -> (Int, String)? in
                let parts = item.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let fd = Int(parts[0]) else { return nil }
                return (fd, String(parts[1]))
            })
        // stdin is /dev/null, stdout and stderr the one pipe to the host's log, 3 the socket;
        // the rest is the child's own (its event loop), never a file of the host's.
        #expect(fds[0] == "/dev/null" && fds[1]?.hasPrefix("pipe:") == true && fds[1] == fds[2], "\(line)")
        #expect(fds[3]?.hasPrefix("socket:") == true, "\(line)")
        #expect(fds.filter { $0.key > 3 }.values.allSatisfy { $0.hasPrefix("anon_inode:") }, "\(line)")
        #expect(!line.contains(w.dir.path), "\(line)")
    }

    @Test("SIGTERM while a plugin hangs: the host stops after a grace, exit 143, and its child goes with it")
    func stopWhileHung() throws {
        let w = try Workspace(symbols: ["AAA"])
        let run = try Spawned.backfill(w.args("hang", only: nil, ["--request-timeout", "4"]))
        #expect(run.waitFor("Plan:"))
        for _ in 0..<300 where w.children().isEmpty { Thread.sleep(forTimeInterval: 0.01) }
        #expect(w.children().count == 1, "the plugin runs in a child process")
        Thread.sleep(forTimeInterval: 0.3)
        run.send(SIGTERM)
        let (status, seconds) = run.wait()
        #expect(status == 143, "\(run.stdout)\(run.stderr)")
        #expect(seconds < 4 + 3, "the stop waited \(seconds) s")
        #expect(run.stdout.contains("Status: interrupted (SIGTERM)"))
        #expect(w.childrenAfterExit().isEmpty)
    }

    @Test("SIGKILL of the host: its child ends too (it sees the host's socket close)")
    func hostKilled() throws {
        let w = try Workspace(symbols: ["AAA"])
        let run = try Spawned.backfill(w.args("hang", only: nil, ["--request-timeout", "60"]))
        #expect(run.waitFor("Plan:"))
        for _ in 0..<300 where w.children().isEmpty { Thread.sleep(forTimeInterval: 0.01) }
        #expect(w.children().count == 1)
        run.send(SIGKILL)
        _ = run.wait()
        #expect(w.childrenAfterExit().isEmpty)
    }

    @Test("--isolation none keeps the in-process path (a crash is the host's), and providers shows which is in use")
    func noIsolation() throws {
        let w = try Workspace(symbols: ["BAD"])
        let (out, _) = try w.run("segv", only: "BAD", ["--isolation", "none"])
        #expect([SIGSEGV, 128 + SIGSEGV].contains(out.status), "\(out.status)")  // the signal, as Process reports it, or as a shell does
        let listed = try Run.backfill(["providers", "--plugin-dir", w.plugins])
        #expect(
            listed.stdout.contains(
                "isolation: process (a child process per provider instance; requests time out after 300 s, no memory limit)"))
        let inProcess = try Run.backfill(["providers", "--plugin-dir", w.plugins, "--isolation", "none"])
        #expect(inProcess.stdout.contains("isolation: none (plugins run in this process)"))
        let bad = try Run.backfill(["providers", "--isolation", "thread"])
        #expect(bad.status == 2 && bad.stderr.contains("--isolation must be one of process, none (got 'thread')"))
    }
}
