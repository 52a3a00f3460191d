#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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

    /// The batch whose memory a view reads (nil: this batch owns its columns).
    private let base: FeatureBatch?

    public init(capacity: Int) {
        let n = max(1, capacity)
        self.capacity = n
        ts = .allocate(capacity: n)
        columns = (0..<Self.names.count).map { _ in Self.alignedColumn(n) }
        base = nil
    }

    /// The rows of `base` from `offset` on, without a copy (what a streaming computation hands
    /// to the store: the chunk after the bars it kept as history). `count` starts at 0.
    public init(viewing base: FeatureBatch, from offset: Int) {
        precondition(offset >= 0 && offset < base.capacity)
        self.base = base
        capacity = base.capacity - offset
        ts = base.ts + offset
        columns = base.columns.map { $0 + offset }
    }

    deinit {
        guard base == nil else { return }
        ts.deallocate()
        for c in columns { Self.releaseColumn(c) }
    }

    /// A column of `n` doubles starting on a 64-byte boundary (a cache line, and one AVX-512
    /// vector), so the kernels' vector stores never straddle two lines (measured: misaligned
    /// columns cost the fused AVX-512 pass about a fifth of its throughput). A column of 4 MiB or
    /// more starts on a 2 MiB boundary and asks Linux for transparent huge pages: a fresh column is
    /// first touched by the kernel that fills it, and with 4 KiB pages those page faults cost more
    /// than the computation (docs/performance.md). Release it with ``releaseColumn(_:)``.
    public static func alignedColumn(_ n: Int) -> UnsafeMutablePointer<Double> {
        let bytes = max(1, n) * MemoryLayout<Double>.stride
        let huge = bytes >= 4 << 20
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, huge ? 2 << 20 : 64, bytes) == 0, let raw else {
            fatalError("out of memory: a feature column of \(bytes) bytes")
        }
        #if os(Linux)
            if huge { _ = madvise(raw, bytes, MADV_HUGEPAGE) }  // a hint; without THP, ordinary pages
        #endif
        return raw.bindMemory(to: Double.self, capacity: max(1, n))
    }

    /// Frees a column made by ``alignedColumn(_:)``.
    public static func releaseColumn(_ column: UnsafeMutablePointer<Double>) { free(column) }
}
