public import BackfillCore
internal import BackfillKernels

/// A series' v1 features a chunk at a time: the same bits as one pass over the whole series
/// (`bf_features_v1_stream`), in memory that does not grow with the series.
///
/// Append up to ``chunk`` bars, ``compute()``, write the returned rows, and go on; the stream keeps
/// the last bars the next chunk's windows reach back to. Its ``checkpoint`` bytes, stored after a
/// chunk, let a later process resume after that chunk's last bar (``init(chunk:checkpoint:history:)``).
/// The columns are allocated once, so from the second chunk on the kernels write warm pages. Used
/// from one task at a time.
public final class FeatureStream: @unchecked Sendable {
    /// Bars kept in front of each chunk (the previous chunks' last ones).
    public static let history = Int(BF_V1_STREAM_HISTORY)

    /// Bars per chunk.
    public let chunk: Int
    private var state = bf_v1_stream()
    private let ts: UnsafeMutablePointer<Int64>
    private let open, high, low, close: UnsafeMutablePointer<Double>
    private let out: FeatureBatch
    /// Bars at the front kept from earlier chunks, and new bars after them.
    private var held = 0, pending = 0
    private var computed = false

    /// A stream from a series' first bar, computing with `path`.
    public init(chunk: Int, path: FeatureKernels.Path) {
        self.chunk = max(1, chunk)
        let n = Self.history + self.chunk
        ts = .allocate(capacity: n)
        open = FeatureBatch.alignedColumn(n)
        high = FeatureBatch.alignedColumn(n)
        low = FeatureBatch.alignedColumn(n)
        close = FeatureBatch.alignedColumn(n)
        out = FeatureBatch(capacity: n)
        bf_v1_stream_init(&state, path.c)
    }

    /// Resumes from ``checkpoint`` bytes, `history` being the series' last min(``history``, bars)
    /// bars up to the checkpoint's. Nil when the bytes are not a stream of this build, their path
    /// is not available here, or `history` is not that many bars.
    public convenience init?(chunk: Int, checkpoint: [UInt8], history: CandleBatch) {
        var saved = bf_v1_stream()
        guard checkpoint.count == MemoryLayout<bf_v1_stream>.size else { return nil }
        withUnsafeMutableBytes(of: &saved) { $0.copyBytes(from: checkpoint) }
        guard saved.layout == UInt32(BF_V1_STREAM_LAYOUT), let path = FeatureKernels.Path(c: saved.path), path.isAvailable,
            history.count == min(Self.history, Int(saved.bars))
        else { return nil }
        self.init(chunk: chunk, path: path)
        state = saved
        let n = history.count
        ts.update(from: history.ts, count: n)
        open.update(from: history.open, count: n)
        high.update(from: history.high, count: n)
        low.update(from: history.low, count: n)
        close.update(from: history.close, count: n)
        held = n
    }

    deinit {
        ts.deallocate()
        for c in [open, high, low, close] { FeatureBatch.releaseColumn(c) }
    }

    /// Bars computed so far (over every process that continued this stream).
    public var bars: Int { Int(state.bars) }
    /// The path this stream computes with.
    public var path: FeatureKernels.Path { FeatureKernels.Path(c: state.path) ?? .scalar }
    /// The stream's state as bytes (after ``compute()``: resumes after the last computed bar).
    public var checkpoint: [UInt8] { withUnsafeBytes(of: state) { Array($0) } }
    /// Appends bars `[from, from + count)` of `batch` (at most ``chunk`` a chunk).
    public func append(_ batch: CandleBatch, from: Int = 0, count: Int) {
        if computed { keepHistory() }
        precondition(count <= chunk - pending)
        let at = held + pending
        ts.advanced(by: at).update(from: batch.ts + from, count: count)
        open.advanced(by: at).update(from: batch.open + from, count: count)
        high.advanced(by: at).update(from: batch.high + from, count: count)
        low.advanced(by: at).update(from: batch.low + from, count: count)
        close.advanced(by: at).update(from: batch.close + from, count: count)
        pending += count
    }

    /// Computes the appended bars; their rows (valid until the next ``append(_:from:count:)``).
    public func compute() -> FeatureBatch {
        if computed { keepHistory() }
        let rows = FeatureBatch(viewing: out, from: held)
        rows.count = pending
        guard pending > 0 else { return rows }
        let input = bf_ohlc(open: open, high: high, low: low, close: close)
        let columns: [UnsafeMutablePointer<Double>?] = out.columns
        let rc = columns.withUnsafeBufferPointer { bf_features_v1_stream(&state, input, held, pending, $0.baseAddress) }
        precondition(rc == 0, "the feature stream's history is out of step")
        (out.ts + held).update(from: ts + held, count: pending)
        computed = true
        return rows
    }

    /// After a computed chunk: its last bars become the next chunk's history.
    private func keepHistory() {
        let total = held + pending, keep = min(Self.history, total), from = total - keep
        if from > 0 {
            ts.update(from: ts + from, count: keep)
            for c in [open, high, low, close] { c.update(from: c + from, count: keep) }
        }
        held = keep
        pending = 0
        computed = false
    }
}

extension FeatureKernels.Path {
    init?(c: UInt32) {
        switch c {
        case BF_PATH_SCALAR.rawValue: self = .scalar
        case BF_PATH_AVX2.rawValue: self = .avx2
        case BF_PATH_AVX512.rawValue: self = .avx512
        case BF_PATH_NEON.rawValue: self = .neon
        default: return nil
        }
    }
}
