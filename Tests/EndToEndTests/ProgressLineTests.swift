import BackfillTestSupport
import Foundation
import Testing

/// The progress line on a terminal (a pseudo-terminal from `script`, util-linux): it moves with
/// every request, and never breaks another line; off the terminal, and in JSON or quiet mode, it
/// is never drawn.
@Suite("CLI: progress line")
struct ProgressLineTests {
    static func workspace() throws -> TemporaryDirectory {
        let dir = TemporaryDirectory("backfill-tty")
        try dir.copy(Fixtures.fixturesDir + "/replay/BTCPERP/1m.csv", to: "replay/BTCPERP/1m.csv")
        try dir.write("replay/faults.json", #"{"faults": [{"latency_ms": 5}]}"#)
        let add = try Run.backfill(
            ["symbols", "add", "BTCPERP", "--asset-class", "crypto", "--database", "sqlite:db.sqlite"], directory: dir.path)
        #expect(add.status == 0)
        return dir
    }

    static let run = [
        "run", "--database", "sqlite:db.sqlite", "--replay-dir", "replay", "--timeframes", "1m", "--start", "2021-12-31",
        "--end", "2022-02-02", "--page-size", "500", "--force",
    ]

    /// Runs `backfill ARGS` on a pseudo-terminal; returns what the terminal showed.
    static func onTerminal(_ args: [String], in dir: TemporaryDirectory) throws -> String {
        let command = ([Fixtures.backfillExecutable] + args).joined(separator: " ")
        let out = try Run.program("/usr/bin/env", ["script", "-qec", command, "/dev/null"], directory: dir.path)
        return out.stdout.replacingOccurrences(of: "\r\n", with: "\n")
    }

    static let clear = "\r\u{1B}[2K"

    @Test("on a terminal the line moves per request and every other line stays whole")
    func drawn() throws {
        let dir = try Self.workspace()
        let shown = try Self.onTerminal(Self.run, in: dir)
        // Each drawing starts by clearing the line: "\r ESC[2K [####....] N/M requests ...".
        let drawings = shown.components(separatedBy: Self.clear).dropFirst().compactMap { piece -> Int? in
            guard piece.hasPrefix("["), let slash = piece.firstIndex(of: "/") else { return nil }
            return Int(piece[piece.index(after: piece.firstIndex(of: " ") ?? piece.startIndex)..<slash])
        }
        #expect(drawings.count >= 3, "\(shown)")
        #expect(drawings == drawings.sorted() && Set(drawings).count == drawings.count)  // requests done only grow
        #expect(shown.contains(" requests  ") && shown.contains(" candles  ") && shown.contains("ETA "))
        // With the drawings taken out, the terminal shows exactly what a pipe gets.
        var text = shown
        while let start = text.range(of: Self.clear) {
            let rest = text[start.upperBound...]
            let end = rest.firstIndex { $0 == "\r" || $0 == "\n" } ?? rest.endIndex
            let drawn = rest[..<end].hasPrefix("[") || rest[..<end].hasPrefix("refill:")
            text.replaceSubrange(start.lowerBound..<(drawn ? end : start.upperBound), with: "")
        }
        let fresh = try Self.workspace()  // a database of its own: the same counts
        let piped = try Run.backfill(Self.run, directory: fresh.path)
        #expect(!piped.stdout.contains("\u{1B}") && !piped.stderr.contains("\u{1B}"))
        #expect(ConsoleOutputTests.normalized(text) == ConsoleOutputTests.normalized(piped.stdout + piped.stderr))
    }

    @Test("JSON log lines and --quiet draw no progress line, even on a terminal")
    func notDrawn() throws {
        let dir = try Self.workspace()
        for extra in [["--log-format", "json"], ["--quiet"]] {
            let shown = try Self.onTerminal(Self.run + extra, in: dir)
            #expect(!shown.contains("\u{1B}[2K"), "\(extra): \(shown)")
            #expect(!shown.contains(" requests  "))
        }
    }
}
