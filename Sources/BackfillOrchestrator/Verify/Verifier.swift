internal import BackfillCalendar
public import BackfillCore
internal import BackfillFeatures
public import BackfillStore

/// `backfill verify` (and `run --verify`): reads each pair's stored bars in [start, end) — with
/// the 21 bars before `start` as the volatility's warm-up — and runs the checks on them, from the
/// store alone (no fetching). One pair in memory at a time: a year of minutes is 525,600 bars,
/// about 30 MB of columns.
public struct Verifier: Sendable {
    public let store: StoreQueue
    public let checks: [VerifyCheck]
    /// The second provider of `against` (nil: not compared).
    public let against: SecondVendor?

    public init(store: StoreQueue, checks: [VerifyCheck] = VerifyCheck.defaults, against: SecondVendor? = nil) {
        self.store = store
        self.checks = checks
        self.against = against
    }

    /// Bars before the range the checks look back at (vol_20 of the bar before the first).
    static let warmUp = 21

    /// The findings of every pair, in the order asked, each pair's by bar.
    public func verify(_ pairs: [(SymbolRecord, Timeframe)], start: Int64, end: Int64) async throws(StoreError) -> [Finding] {
        var out: [Finding] = []
        var dates: [Symbol: [Int64]] = [:]
        for (record, tf) in pairs where checks.contains(.ohlc) || checks.contains(.ticks) {
            let symbol = record.symbol
            if dates[symbol] == nil {
                let events = try await store.run { try $0.events(symbol: symbol) }
                dates[symbol] = events.filter { $0.kind == .split || $0.kind == .dividend }.map(\.exDate).sorted()
            }
            var input = try await read(symbol, tf, start, end)
            input.eventDates = dates[symbol] ?? []
            out += findings(input)
        }
        if checks.contains(.crosstf) { out += try await crossTimeframe(pairs, start: start, end: end) }
        if let against {
            for (n, (record, tf)) in pairs.enumerated() {
                guard !Task.isCancelled else { break }
                let symbol = record.symbol
                against.progress?(n + 1, pairs.count, "\(symbol)/\(tf)")
                let stored = try await columns(symbol, tf, start - 8 * UTCTime.msPerDay, end)
                out += await against.findings(record, tf, stored: stored, start: start, end: end)
            }
        }
        if checks.contains(.revisions) {
            let wanted = Set(pairs.map { PairKey($0.0.symbol, $0.1) })
            let revisions = try await store.run { try $0.revisions(start: start, end: end, runId: nil) }
            out += RevisionCheck.findings(revisions.filter { wanted.contains(PairKey($0.symbol, $0.timeframe)) })
        }
        if checks.contains(.calendar) {
            for tf in Timeframe.allCases where tf != .w1 {
                let nyse = pairs.filter { $0.1 == tf && MarketCalendar($0.0.assetClass) == .nyse }.map(\.0.symbol)
                guard nyse.count >= CalendarCheck.minimumSymbols else { continue }
                var days: [Symbol: [DayCount]] = [:]
                for symbol in nyse {
                    days[symbol] = try await store.run {
                        try $0.dayCounts(symbol: symbol, timeframe: tf, start: start, end: end, step: 60_000)
                    }
                }
                out += CalendarCheck.findings(timeframe: tf, symbols: nyse, days: days, start: start, end: end)
            }
        }
        return out
    }

    func findings(_ input: VerifyInput) -> [Finding] {
        var out: [Finding] = []
        for check in checks {
            switch check {
            case .ohlc: out += OHLCCheck.findings(input)
            case .ticks: out += TickCheck.findings(input)
            case .calendar, .revisions, .crosstf, .against: break  // across pairs, or from their table, in verify(_:start:end:)
            }
        }
        return out.sorted { ($0.ts, $0.check.rawValue) < ($1.ts, $1.check.rawValue) }
    }

    /// `crosstf` for every symbol: each stored timeframe against the next finer one stored, two
    /// series in memory at a time. Both are read eight days beyond the range on each side, so a
    /// coarse bar at an edge of the range (a week, a New York day ending after 00:00 UTC) has all
    /// its finer bars.
    func crossTimeframe(_ pairs: [(SymbolRecord, Timeframe)], start: Int64, end: Int64) async throws(StoreError) -> [Finding] {
        var out: [Finding] = []
        var symbols: [SymbolRecord] = []
        for (record, _) in pairs where !symbols.contains(where: { $0.symbol == record.symbol }) { symbols.append(record) }
        let slack = 8 * UTCTime.msPerDay
        for record in symbols {
            let symbol = record.symbol
            var finer: (Timeframe, SeriesColumns)?
            for tf in pairs.filter({ $0.0.symbol == symbol }).map(\.1).sorted() {
                let bars = try await columns(symbol, tf, start - slack, end + slack)
                guard bars.count > 0 else { continue }
                if let (fine, fineBars) = finer {
                    out += CrossTimeframeCheck.findings(
                        symbol: symbol, calendar: MarketCalendar(record.assetClass), coarse: tf, bars, fine: fine, fineBars, start: start,
                        end: end)
                }
                finer = (tf, bars)
            }
        }
        return out
    }

    /// A pair's stored bars in [start, end) as columns.
    func columns(_ symbol: Symbol, _ tf: Timeframe, _ start: Int64, _ end: Int64) async throws(StoreError) -> SeriesColumns {
        try await store.run { s in
            var bars = SeriesColumns()
            try s.readCandles(symbol: symbol, timeframe: tf, start: start, end: end, batchSize: 65_536) { bars.append($0) }
            return bars
        }
    }

    /// The pair's bars (warm-up first) and their vol_20.
    func read(_ symbol: Symbol, _ tf: Timeframe, _ start: Int64, _ end: Int64) async throws(StoreError) -> VerifyInput {
        let warm = Self.warmUp
        let (first, bars) = try await store.run { s in
            var bars = SeriesColumns()
            let before = try s.lastCandles(symbol: symbol, timeframe: tf, through: start - 1, count: warm)
            bars.append(before)
            try s.readCandles(symbol: symbol, timeframe: tf, start: start, end: end, batchSize: 65_536) { bars.append($0) }
            return (before.count, bars)
        }
        var input = VerifyInput(symbol: symbol, timeframe: tf, bars: bars)
        input.first = first
        if bars.count > 0 {
            // The batch owns its columns: it must outlive the copy out of them.
            let features = bars.features()
            withExtendedLifetime(features) {
                let vol = features.columns[FeatureBatch.names.firstIndex(of: "vol_20") ?? 2]
                input.vol = Array(UnsafeBufferPointer(start: vol, count: bars.count))
            }
        }
        return input
    }
}
