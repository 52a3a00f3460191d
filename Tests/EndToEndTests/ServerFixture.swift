import BackfillTestSupport
import Foundation
import Testing

/// A real `backfill serve` on loopback (a free port), over its own SQLite store, with three
/// keys (read, write, admin) made by `backfill keys create`; requests go through curl, as a
/// user's would.
final class ServerFixture: @unchecked Sendable {
    let dir: TemporaryDirectory
    let database: String
    var server: Spawned?
    var url = ""
    var keys: [String: String] = [:]

    /// An HTTP answer.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String

        var json: [String: Any] {
            ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]) ?? [:]
        }
        /// The error's message, for failing expectations.
        var errorMessage: String { ((json["error"] as? [String: Any])?["message"] as? String) ?? body }
    }

    init(_ prefix: String = "backfill-serve") throws {
        dir = TemporaryDirectory(prefix)
        database = "sqlite:\(dir.path)/store.sqlite"
        for scope in ["read", "write", "admin"] {
            let made = try backfill(["keys", "create", "--name", "\(scope)-key", "--scope", scope])
            try #require(made.status == 0, "keys create failed: \(made.stderr)")
            let key = made.stdout.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("bfk_") }
            keys[scope] = try #require(key.map(String.init), "no key printed: \(made.stdout)")
        }
    }

    deinit { if let server, server.isRunning { server.send(SIGKILL) } }

    /// Runs the CLI on this fixture's store.
    func backfill(_ arguments: [String]) throws -> ProcessOutput {
        try Run.backfill(arguments + ["--database", database], directory: dir.path)
    }

    /// Starts `serve` with `extra` flags and waits until it listens.
    func start(_ extra: [String] = [], scheme: String = "http") throws {
        let s = try Spawned.backfill(["serve", "--listen", "127.0.0.1:0", "--database", database] + extra, directory: dir.path)
        server = s
        try #require(s.waitFor("listening on \(scheme)://", timeout: 60), "serve did not start: \(s.stderr)")
        let line = try #require(s.stdout.split(separator: "\n").first { $0.contains("listening on") })
        url = String(line.split(separator: " ").last ?? "")
    }

    /// Sends SIGTERM and waits for the exit status.
    func stop(timeout: Double = 60) -> Int32 {
        guard let server else { return -1 }
        server.send(SIGTERM)
        return server.wait(timeout: timeout).status
    }

    /// One request with curl; `key` is a scope name of the fixture's keys, or a literal header value.
    func request(
        _ method: String, _ path: String, key scope: String? = nil, body: String? = nil, headers: [String] = [],
        curlArguments: [String] = []
    ) throws -> Answer {
        var args = ["-s", "-S", "-X", method, "-D", "-", "--max-time", "60"] + curlArguments
        if let scope { args += ["-H", "X-API-Key: \(keys[scope] ?? scope)"] }
        for h in headers { args += ["-H", h] }
        if let body { args += ["-H", "Content-Type: application/json", "--data-binary", body] }
        args.append(url + path)
        let out = try Run.program("/usr/bin/env", ["curl"] + args)
        return Self.parse(out.stdout)
    }

    static func parse(_ raw: String) -> Answer {
        // curl prints each response's head; the last one (after any 100 Continue) is the answer.
        var rest = Substring(raw)
        var head = Substring("")
        while let r = rest.range(of: "\r\n\r\n"), rest.hasPrefix("HTTP/") {
            head = rest[..<r.lowerBound]
            rest = rest[r.upperBound...]
            if !head.hasPrefix("HTTP/1.1 100") { break }
        }
        let lines = head.split(separator: "\r\n")
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Answer(status: status, headers: headers, body: String(rest))
    }

    /// sqlite3 on the store.
    func sql(_ query: String) throws -> String {
        try Run.program("/usr/bin/env", ["sqlite3", "\(dir.path)/store.sqlite", query]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    /// Waits until `condition` holds (polling), false after `timeout` seconds.
    func eventually(_ timeout: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }

    /// A copy of the BTC-PERP minute fixture served 500 bars a page, each page `latencyMs` late:
    /// a run over it lasts long enough to act on (about 90 pages).
    func slowReplay(latencyMs: Int) throws -> String {
        _ = try dir.copy(Fixtures.fixturesDir + "/replay/BTCPERP/1m.csv", to: "slow/BTCPERP/1m.csv")
        _ = try dir.write("slow/faults.json", #"{"faults": [{"latency_ms": \#(latencyMs)}]}"#)
        return dir.path + "/slow"
    }

    /// The fields of a run over the slow replay folder.
    static let slowRun = #"{"symbols":["BTCPERP"],"timeframes":["1m"],"start":"2021-12-31","end":"2022-02-02","page_size":500}"#
}
