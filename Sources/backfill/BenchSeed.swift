import ArgumentParser
import BackfillCalendar
import BackfillCore
import BackfillOrchestrator
import BackfillStore
import Foundation

/// `backfill bench seed`: a synthetic universe in a store, for the store-side stages' benchmark
/// (benchmarks/matrix.sh).
///
/// Symbols U00000... alternate crypto and stock. Every symbol has daily bars over the whole
/// range and hourly bars over its last `--hourly-days`; every twentieth also has 5-minute bars
/// over its last `--minute-days`. The bars are exactly the calendar's (NYSE holidays and early
/// closes, DST), with coverage recorded month by month as a run would. Some series have holes
/// the matrix must find: every tenth loses a session of bars under fetched coverage (suspect),
/// every tenth other has a week recorded as failed (fetch_failed).
struct SeedBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Write a synthetic universe of exact calendar bars with a few holes (benchmarks/matrix.sh).")

    @Option(help: "Symbols to write.") var symbols: Int = 2000
    @Option(help: "End of the range (UTC date, exclusive).") var end: String = "2025-01-01"
    @Option(help: "Days of daily bars.") var days: Int = 365
    @Option(help: "Days of hourly bars (the last of the range).") var hourlyDays: Int = 90
    @Option(help: "Days of 5-minute bars, for every twentieth symbol.") var minuteDays: Int = 30
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var config: ConfigOption

    func run() async throws {
        guard symbols > 0, days > 0, hourlyDays >= 0, minuteDays >= 0 else {
            throw CLIFailure.usage("--symbols and --days must be above 0, --hourly-days and --minute-days at least 0")
        }
        guard let endMs = try? UTCTime.parse(end) else { throw CLIFailure.usage("--end '\(end)' is not a UTC date") }
        let store = try await db.open(config)
        let day = UTCTime.msPerDay
        let records = try (0..<symbols).map { i in
            SymbolRecord(symbol: try Symbol(String(format: "U%05d", i)), assetClass: i % 2 == 0 ? .crypto : .stock)
        }
        _ = try store.upsertSymbols(records)
        let batch = CandleBatch(capacity: 200_000)
        var written = 0
        for (i, r) in records.enumerated() {
            var plan: [(Timeframe, Int)] = [(.d1, days), (.h1, hourlyDays)]
            if i % 20 == 0 { plan.append((.m5, minuteDays)) }
            for (p, (tf, span)) in plan.enumerated() where span > 0 {
                let start = endMs - Int64(span) * day
                let expected = ExpectedBars(calendar: MarketCalendar(r.assetClass), timeframe: tf)
                let (bars, sessions) = expected.bars(start: start, end: endMs)
                // Series 10k+3 lose their 40th session's bars; series 10k+7 have a failed week.
                let series = i * 3 + p
                let lost = series % 10 == 3 ? min(40, sessions.count - 1) : -1
                let failed: (Int64, Int64)? = series % 10 == 7 ? (start + 20 * day, start + 27 * day) : nil
                for month in stride(from: start, to: endMs, by: Int64.Stride(30 * day)) {
                    let to = min(endMs, month + 30 * day)
                    batch.count = 0
                    for b in bars where b.session != lost {
                        let ts = expected.start(ofKey: b.key)
                        guard ts >= month, ts < to, failed.map({ ts < $0.0 || ts >= $0.1 }) ?? true else { continue }
                        let p = 100 + Double(b.key % 997) * 0.01
                        batch.append(ts: ts, open: p, high: p + 1, low: p - 1, close: p + 0.5, volume: 1000)
                    }
                    // Fetched coverage for the month, but for the failed week.
                    var unanswered = RangeSet()
                    if let failed { unanswered.insert(failed.0, failed.1) }
                    let answered = unanswered.missing(month, to).map {
                        CoverageRecord(start: $0.0, end: $0.1, provider: "replay", outcome: .fetched, recordedAt: UTCTime.now())
                    }
                    _ = try store.write(batch, symbol: r.symbol, timeframe: tf, coverage: answered.first)
                    for c in answered.dropFirst() { try store.recordCoverage(c, symbol: r.symbol, timeframe: tf) }
                    written += batch.count
                }
                if let failed {
                    let record = CoverageRecord(
                        start: failed.0, end: failed.1, provider: "replay", outcome: .failed, recordedAt: UTCTime.now(), detail: "seeded")
                    try store.recordCoverage(record, symbol: r.symbol, timeframe: tf)
                }
            }
        }
        print("\(symbols) symbols, \(written) candles")
    }
}

/// `backfill bench series`: one long synthetic series in a store (the export and features
/// benchmarks and the 10 M-row export test): consecutive bars from `--start`, a seeded random
/// walk, vwap unknown on every seventh bar and trades on every eleventh (so nullable columns
/// have nulls).
struct SeriesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "series", abstract: "Write one synthetic series of consecutive bars (a seeded random walk).")

    @Option(help: "The symbol (registered as crypto).") var symbol: String = "BENCH"
    @Option(help: "The timeframe.") var timeframe: String = "1m"
    @Option(help: "How many bars.") var candles: Int = 1_000_000
    @Option(help: "The first bar (UTC).") var start: String = "2020-01-01"
    @Option(help: "The random walk's seed.") var seed: UInt64 = 1
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var config: ConfigOption

    func run() async throws {
        let s: Symbol, tf: Timeframe, from: Int64
        do {
            s = try Symbol(symbol)
            tf = try Timeframe.parse(timeframe)
            from = try UTCTime.parse(start)
        } catch {
            throw CLIFailure.usage(error.message)
        }
        guard candles >= 0 else { throw CLIFailure.usage("--candles must be >= 0") }
        let step = tf.milliseconds
        let store = try await db.open(config)
        _ = try store.upsertSymbols([SymbolRecord(symbol: s, assetClass: .crypto)])
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &+ 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        let batch = CandleBatch(capacity: 100_000)
        var price = 100.0
        var i = 0
        while i < candles {
            batch.count = 0
            while batch.count < batch.capacity && i < candles {
                let open = price
                price *= 1 + (next() - 0.5) * 0.004
                let close = price, hi = max(open, close) * (1 + next() * 0.001), lo = min(open, close) * (1 - next() * 0.001)
                batch.append(
                    ts: from + Int64(i) * step, open: open, high: hi, low: lo, close: close, volume: (next() * 1000).rounded(),
                    vwap: i % 7 == 3 ? .nan : (open + close) / 2, trades: i % 11 == 5 ? -1 : Int64(next() * 500))
                i += 1
            }
            _ = try store.write(batch, symbol: s, timeframe: tf, coverage: nil)
        }
        print("\(s)/\(tf): \(candles) candles")
    }
}

/// `backfill bench feature-write`: the store's raw write of one feature row per stored candle of
/// a series (the yardstick of `backfill features` in benchmarks/features.sh): the series' stamps
/// are read first (not timed), then rows of nine doubles are written in chunks of 65,536 through
/// the same store call the features job uses. Prints the write's seconds and rows per second.
struct FeatureWriteBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feature-write", abstract: "Time the store's write of one feature row per stored candle of a series.")

    @Option(help: "The symbol.") var symbol: String = "BENCH"
    @Option(help: "The timeframe.") var timeframe: String = "1m"
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var config: ConfigOption

    func run() async throws {
        let s: Symbol, tf: Timeframe
        do {
            s = try Symbol(symbol)
            tf = try Timeframe.parse(timeframe)
        } catch {
            throw CLIFailure.usage(error.message)
        }
        let store = try await db.open(config)
        let stamps = try store.timestamps(symbol: s, timeframe: tf, start: .min, end: .max)
        let chunk = FeatureBatch(capacity: FeatureJob.defaultChunk)
        let clock = ContinuousClock()
        let started = clock.now
        var at = 0
        while at < stamps.count {
            let n = min(chunk.capacity, stamps.count - at)
            for i in 0..<n {
                chunk.ts[i] = stamps[at + i]
                for (k, c) in chunk.columns.enumerated() { c[i] = Double(at + i) * 1e-3 + Double(k) }
            }
            chunk.count = n
            _ = try store.writeFeatures(chunk, symbol: s, timeframe: tf)
            at += n
        }
        let d = clock.now - started
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        print(
            "wrote \(stamps.count) feature rows in \(String(format: "%.3f", seconds)) s (\(Int(Double(stamps.count) / max(seconds, 1e-9))) rows/s)"
        )
    }
}
