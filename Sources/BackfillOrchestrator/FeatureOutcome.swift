public import BackfillStore

/// What computing one pair's features did.
public struct FeatureOutcome: Sendable {
    public var pair: PairKey
    /// Bars computed (0: the store holds no candles for the pair, or none after the last computed).
    public var processed = 0
    /// Bars already computed before (the checkpoint the job resumed from; 0: from the first bar).
    public var resumed = 0
    /// Candles of the pair changed while it was computed: the next job computes them again.
    public var changedDuring = false
    public var counts = WriteCounts()
    /// Seconds reading candles, in the kernels, writing features.
    public var read = 0.0, compute = 0.0, write = 0.0
    public var error: String?

    public init(pair: PairKey) { self.pair = pair }
}
