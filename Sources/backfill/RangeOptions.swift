import ArgumentParser
import BackfillCore
import BackfillOrchestrator

/// The time range: `--days N` back from today 00:00 UTC, or `--start`/`--end`.
struct RangeOptions: ParsableArguments {
    @Option(help: "Days back from today 00:00 UTC (default 365).") var days: Int?
    @Option(help: "Start (UTC, inclusive): YYYY-MM-DD[THH:MM[:SS]] or epoch ms; a bare date is its midnight.")
    var start: String?
    @Option(help: "End (UTC, exclusive); default today 00:00 UTC.") var end: String?
    @Option(
        help: """
            Hours before now that count as not yet settled: a vendor's answer is final only for older bars, \
            so missing bars younger than this are 'pending' and asked for again by the next run (0: off).
            """)
    var settleHours: Double = 24
    @Option(help: ArgumentHelp("Pretend now is this UTC time (for the settle window; tests).", visibility: .hidden))
    var clock: String?

    /// Where the settle window starts (nil: off), for `gaps` and `matrix`.
    func settleFrom() throws(CLIFailure) -> Int64? {
        let (ms, now) = try settle()
        return GapDetector.settleStart(now: now, windowMs: ms)
    }

    /// The settle window's length and the run's clock.
    func settle() throws(CLIFailure) -> (ms: Int64, now: Int64) {
        guard settleHours >= 0, settleHours <= 24 * 366, settleHours.isFinite else {
            throw .usage("--settle-hours must be 0 to 8784")
        }
        var now = UTCTime.now()
        if let clock {
            do { now = try UTCTime.parse(clock) } catch { throw .usage("--clock: \(error.message)") }
        }
        return (Int64(settleHours * 3_600_000), now)
    }

    func resolve() throws(CLIFailure) -> (Int64, Int64) {
        if days != nil && start != nil { throw .usage("give --days or --start, not both") }
        do {
            let today = UTCTime.floorDiv(UTCTime.now(), UTCTime.msPerDay) * UTCTime.msPerDay
            let e = try end.map { t throws(InputError) in try UTCTime.parse(t) } ?? today
            let s: Int64
            if let start {
                s = try UTCTime.parse(start)
            } else {
                let n = days ?? 365
                guard n >= 1, n <= 36_500 else { throw InputError.invalid("--days must be 1 to 36500") }
                s = e - Int64(n) * UTCTime.msPerDay
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
