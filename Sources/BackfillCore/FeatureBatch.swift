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
        columns = (0..<Self.names.count).map { _ in UnsafeMutablePointer<Double>.allocate(capacity: n) }
    }

    deinit {
        ts.deallocate()
        for c in columns { c.deallocate() }
    }
}
