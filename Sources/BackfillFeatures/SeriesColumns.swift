public import BackfillCore
public import BackfillStore

/// A whole stored series as contiguous columns (what the kernels read).
public struct SeriesColumns: Sendable {
    public var ts: [Int64] = []
    public var open: [Double] = []
    public var high: [Double] = []
    public var low: [Double] = []
    public var close: [Double] = []
    public var volume: [Double] = []

    public init() {}

    public var count: Int { ts.count }

    /// Reads every stored candle of a series in time order.
    public static func read(_ store: any CandleStore, symbol: Symbol, timeframe: Timeframe) throws -> SeriesColumns {
        var s = SeriesColumns()
        try store.readCandles(symbol: symbol, timeframe: timeframe, start: .min, end: .max, batchSize: 65_536) { b in
            s.ts.append(contentsOf: UnsafeBufferPointer(start: b.ts, count: b.count))
            s.open.append(contentsOf: UnsafeBufferPointer(start: b.open, count: b.count))
            s.high.append(contentsOf: UnsafeBufferPointer(start: b.high, count: b.count))
            s.low.append(contentsOf: UnsafeBufferPointer(start: b.low, count: b.count))
            s.close.append(contentsOf: UnsafeBufferPointer(start: b.close, count: b.count))
            s.volume.append(contentsOf: UnsafeBufferPointer(start: b.volume, count: b.count))
        }
        return s
    }

    /// Computes the v1 features of the whole series.
    public func features(path: FeatureKernels.Path? = nil) -> FeatureBatch {
        let out = FeatureBatch(capacity: count)
        features(path: path, into: out)
        return out
    }

    /// Computes the v1 features of the whole series into `out` (capacity >= count).
    public func features(path: FeatureKernels.Path?, into out: FeatureBatch) {
        guard count > 0 else {
            out.count = 0
            return
        }
        ts.withUnsafeBufferPointer { t in
            open.withUnsafeBufferPointer { o in
                high.withUnsafeBufferPointer { h in
                    low.withUnsafeBufferPointer { l in
                        close.withUnsafeBufferPointer { c in
                            guard let t = t.baseAddress, let o = o.baseAddress, let h = h.baseAddress,
                                let l = l.baseAddress, let c = c.baseAddress
                            else { return }
                            FeatureKernels.computeV1(
                                ts: t, open: o, high: h, low: l, close: c, count: count, into: out, path: path)
                        }
                    }
                }
            }
        }
    }
}
