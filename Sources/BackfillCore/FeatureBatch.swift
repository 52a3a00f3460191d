/// Feature columns for a run of bars: the v1 set, one contiguous buffer per feature, NaN where a
/// feature is undefined (stored as NULL).
public final class FeatureBatch: @unchecked Sendable {
    /// The v1 feature names, in column order (the database's and the CSV export's).
    public static let names = ["ret_1", "logret_1", "vol_20", "atr_14", "natr_14", "sma_20", "ema_20", "rsi_14", "slope_20"]

    public let capacity: Int
    public var count = 0
    /// Bar start, epoch ms UTC (the candle key).
    public let ts: UnsafeMutablePointer<Int64>
    /// `columns[k]` is feature `names[k]`.
    public let columns: [UnsafeMutablePointer<Double>]

    public init(capacity: Int) {
        let n = max(1, capacity)
        self.capacity = n
        ts = .allocate(capacity: n)
        columns = (0..<Self.names.count).map { _ in Self.alignedColumn(n) }
    }

    deinit {
        ts.deallocate()
        for c in columns { UnsafeMutableRawPointer(c).deallocate() }
    }

    /// A column of `n` doubles starting on a 64-byte boundary (a cache line, and one AVX-512
    /// vector): the kernels' vector stores then never straddle two lines (measured: misaligned
    /// columns cost the fused AVX-512 pass about a fifth of its throughput).
    public static func alignedColumn(_ n: Int) -> UnsafeMutablePointer<Double> {
        UnsafeMutableRawPointer.allocate(byteCount: max(1, n) * MemoryLayout<Double>.stride, alignment: 64)
            .bindMemory(to: Double.self, capacity: max(1, n))
    }
}
