public import BackfillCore

/// A whole series as contiguous columns (what the kernels read; the tests' and benchmarks' one
/// call over a series, which ``FeatureStream`` must equal).
public struct SeriesColumns: Sendable {
    public var ts: [Int64] = []
    public var open: [Double] = []
    public var high: [Double] = []
    public var low: [Double] = []
    public var close: [Double] = []
    public var volume: [Double] = []

    public init() {}

    public var count: Int { ts.count }

    /// Appends a batch's rows (its ts and OHLCV columns).
    public mutating func append(_ batch: CandleBatch) {
        let n = batch.count
        ts += UnsafeBufferPointer(start: batch.ts, count: n)
        open += UnsafeBufferPointer(start: batch.open, count: n)
        high += UnsafeBufferPointer(start: batch.high, count: n)
        low += UnsafeBufferPointer(start: batch.low, count: n)
        close += UnsafeBufferPointer(start: batch.close, count: n)
        volume += UnsafeBufferPointer(start: batch.volume, count: n)
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
