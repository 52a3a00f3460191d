import ArgumentParser
import BackfillCore
import BackfillOrchestrator
import BackfillSettings
import BackfillSetup

/// The time range: `--days N` back from today 00:00 UTC, or `--start`/`--end`; the settle window
/// (settings `run.days`, `run.settle_hours`).
struct RangeOptions: ParsableArguments {
    @Option(help: "Days back from today 00:00 UTC (default 365).") var days: Int?
    @Option(help: "Start (UTC, inclusive): YYYY-MM-DD[THH:MM[:SS]] or epoch ms; a bare date is its midnight.")
    var start: String?
    @Option(help: "End (UTC, exclusive); default today 00:00 UTC.") var end: String?
    @Option(
        help: """
            Hours before now that count as not yet settled: a vendor's answer is final only for older bars, \
            so missing bars younger than this are 'pending' and asked for again by the next run (0: off; default 24).
            """)
    var settleHours: Double?
    @Option(help: ArgumentHelp("Pretend now is this UTC time (for the settle window; tests).", visibility: .hidden))
    var clock: String?

    func validate() throws {
        if days != nil && start != nil { throw CLIFailure.usage("give --days or --start, not both") }
    }

    func flags(_ f: inout Settings.Flags) {
        f.set("run.days", days, flag: "--days")
        f.set("run.settle_hours", settleHours.map(NumberFormat.decimal), flag: "--settle-hours")
    }

    /// Where the settle window starts (nil: off), for `gaps` and `matrix`.
    func settleFrom(_ settings: Settings) throws(CLIFailure) -> Int64? {
        do {
            let (ms, now) = try Setup.settle(settings, clock: clock)
            return GapDetector.settleStart(now: now, windowMs: ms)
        } catch {
            throw .setup(error)
        }
    }

    /// The range: `--start`/`--end`, else `run.days` back from `--end` (or today).
    func resolve(_ settings: Settings) throws(CLIFailure) -> (Int64, Int64) {
        do { return try Setup.range(settings, start: start, end: end) } catch { throw .setup(error) }
    }
}
