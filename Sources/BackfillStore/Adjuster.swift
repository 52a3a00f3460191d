public import BackfillCore

/// Split (and dividend) adjustment at read time: each bar is multiplied by the product of the
/// factors of every event after it.
public struct Adjuster {
    /// Events by ex date, with the price and volume factor applying to bars before each.
    private var dates: [Int64] = []
    private var price: [Double] = []
    private var volume: [Double] = []

    /// Reads the symbol's stored events (and, for dividends, the close before each ex date).
    ///
    /// - Parameter dividends: also apply dividends: prices before an ex date × (1 − cash / the
    ///   close of the last bar before it).
    public init(store: any CandleStore, symbol: Symbol, timeframe: Timeframe, dividends: Bool) throws {
        var events: [(Int64, Double, Double)] = []
        for e in try store.events(symbol: symbol) {
            switch e.kind {
            case .split:
                guard e.splitFrom > 0, e.splitTo > 0 else { continue }
                events.append((e.exDate, e.splitFrom / e.splitTo, e.splitTo / e.splitFrom))
            case .dividend:
                guard dividends, e.cashAmount > 0 else { continue }
                // The close of the last bar before the ex date.
                var previous: Double?
                try store.readCandles(
                    symbol: symbol, timeframe: timeframe, start: e.exDate - 30 * UTCTime.msPerDay, end: e.exDate, batchSize: 4096
                ) {
                    if $0.count > 0 { previous = $0.close[$0.count - 1] }
                }
                guard let close = previous, close > e.cashAmount else { continue }
                events.append((e.exDate, 1 - e.cashAmount / close, 1))
            case .earnings, .tickerChange, .listing, .delisting:
                continue  // a report or a rename moves no price
            }
        }
        events.sort { $0.0 < $1.0 }
        // Suffix products: a bar before event k gets the product of factors k..end.
        var p = 1.0, v = 1.0
        for (date, pf, vf) in events.reversed() {
            p *= pf
            v *= vf
            dates.insert(date, at: 0)
            price.insert(p, at: 0)
            volume.insert(v, at: 0)
        }
    }

    /// Adjusts a batch of raw candles in place (prices × the price factor, volume × the volume factor).
    public func apply(_ b: CandleBatch) {
        guard !dates.isEmpty else { return }
        var k = 0
        for i in 0..<b.count {
            while k < dates.count && dates[k] <= b.ts[i] { k += 1 }
            guard k < dates.count else { return }
            let f = price[k]
            b.open[i] *= f
            b.high[i] *= f
            b.low[i] *= f
            b.close[i] *= f
            if !b.vwap[i].isNaN { b.vwap[i] *= f }
            b.volume[i] *= volume[k]
        }
    }
}
