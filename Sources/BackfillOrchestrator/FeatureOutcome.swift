public import BackfillStore

/// What computing one pair's features did.
public struct FeatureOutcome: Sendable {
    public var pair: PairKey
    /// Bars computed (0: the store holds no candles for the pair).
    public var processed = 0
    public var counts = WriteCounts()
    /// Seconds reading candles, in the kernels, writing features.
    public var read = 0.0, compute = 0.0, write = 0.0
    public var error: String?

    public init(pair: PairKey) { self.pair = pair }
}
