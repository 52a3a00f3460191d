import ArgumentParser
import BackfillCore
import BackfillOrchestrator
import BackfillSettings

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

    func flags(_ f: inout Settings.Flags) {
        f.set("run.days", days, flag: "--days")
        f.set("run.settle_hours", settleHours.map(NumberFormat.decimal), flag: "--settle-hours")
    }

    /// Where the settle window starts (nil: off), for `gaps` and `matrix`.
    func settleFrom(_ settings: Settings) throws(CLIFailure) -> Int64? {
        let (ms, now) = try settle(settings)
        return GapDetector.settleStart(now: now, windowMs: ms)
    }

    /// The settle window's length and the run's clock.
    func settle(_ settings: Settings) throws(CLIFailure) -> (ms: Int64, now: Int64) {
        let hours: Double
        do { hours = try settings.double("run.settle_hours") ?? 24 } catch { throw .settings(error) }
        var now = UTCTime.now()
        if let clock {
            do { now = try UTCTime.parse(clock) } catch { throw .usage("--clock: \(error.message)") }
        }
        return (Int64(hours * 3_600_000), now)
    }

    /// The range: `--start`/`--end`, else `run.days` back from `--end` (or today).
    func resolve(_ settings: Settings) throws(CLIFailure) -> (Int64, Int64) {
        if days != nil && start != nil { throw .usage("give --days or --start, not both") }
        let configuredDays: Int
        do { configuredDays = try settings.int("run.days") ?? 365 } catch { throw .settings(error) }
        do {
            let today = UTCTime.floorDiv(UTCTime.now(), UTCTime.msPerDay) * UTCTime.msPerDay
            let e = try end.map { t throws(InputError) in try UTCTime.parse(t) } ?? today
            let s: Int64
            if let start {
                s = try UTCTime.parse(start)
            } else {
                s = e - Int64(configuredDays) * UTCTime.msPerDay
            }
            guard s < e else { throw InputError.invalid("--start (\(UTCTime.iso(s))) must be before --end (\(UTCTime.iso(e)))") }
            return (s, e)
        } catch let error as InputError {
            throw .usage(error.message)
        } catch {
            throw .usage("\(error)")
        }
    }
}
