import ArgumentParser
import BackfillCore
import BackfillPresentation
import BackfillStore

/// `backfill runs`: the runs table, newest first.
struct Runs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List recent runs: id, start, duration, status, pairs, candles, gaps remaining.",
        discussion: """
            Status is complete, incomplete (holes or failures), interrupted (SIGINT/SIGTERM), running, or \
            abandoned: left running by a process that no longer holds the database's run lock (it was \
            killed); the next run marks such rows abandoned in the table too.
            """)

    @Option(help: "How many runs.") var limit: Int = 20
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var config: ConfigOption

    func validate() throws {
        guard limit >= 1, limit <= 100_000 else { throw CLIFailure.usage("--limit must be 1 to 100000") }
    }

    func run() async throws {
        let store = try await db.open(config)
        let rows: [RunRecord]
        let live: Bool
        do {
            rows = try store.runs(limit: limit)
            live = try store.runLockHeldElsewhere()
        } catch {
            throw CLIFailure.store(error)
        }
        // Only the newest row still `running` can belong to the process holding the lock.
        let liveId = live ? rows.first { $0.status == "running" }?.id : nil
        let shown = rows.map { r -> RunRecord in
            var r = r
            if r.status == "running" && r.id != liveId { r.status = "abandoned" }
            return r
        }
        let now = UTCTime.now()
        if json {
            print(
                JSON.array(
                    shown.map { r in
                        .object([
                            ("id", .int(r.id)), ("started_at", .string(UTCTime.iso(r.startedAt))),
                            ("finished_at", r.finishedAt.map { .string(UTCTime.iso($0)) } ?? .null),
                            ("duration_seconds", .number(Double((r.finishedAt ?? now) - r.startedAt) / 1000)),
                            ("status", .string(r.status)), ("pairs", .int(Int64(r.pairs))), ("candles", .int(Int64(r.candles))),
                            ("gaps", .int(Int64(r.gaps))), ("exit_code", r.exitCode.map { .int(Int64($0)) } ?? .null),
                        ])
                    }
                ).text(indent: 2))
            return
        }
        if shown.isEmpty {
            Terminal.printError("no runs yet; start one with: backfill run")
            return
        }
        let header = ["id", "started", "duration", "status", "pairs", "candles", "gaps"]
        var table = [header]
        for r in shown {
            let duration = r.finishedAt.map { Format.duration(Double($0 - r.startedAt) / 1000) } ?? "-"
            let counted = r.finishedAt != nil && r.status != "abandoned"
            table.append([
                String(r.id), UTCTime.iso(r.startedAt / 1000 * 1000), duration, r.status, counted ? String(r.pairs) : "-",
                counted ? Format.group(r.candles) : "-", counted ? String(r.gaps) : "-",
            ])
        }
        let widths = header.indices.map { c in table.map { $0[c].count }.max() ?? 0 }
        for row in table {
            let padded = row.enumerated().map { c, cell in cell + String(repeating: " ", count: widths[c] - cell.count) }
            print(String(padded.joined(separator: "  ").reversed().drop { $0 == " " }.reversed()))
        }
    }
}
