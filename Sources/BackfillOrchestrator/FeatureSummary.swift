public import BackfillCore

/// The totals of a features job.
public struct FeatureSummary: Sendable {
    public var outcomes: [FeatureOutcome] = []
    public var symbols = 0
    public var seconds = 0.0
    public var kernels = ""
    /// Pairs the job was asked for whose store holds no candles.
    public var empty: [PairKey] { outcomes.filter { $0.processed == 0 && $0.error == nil }.map(\.pair) }
    public var failedSymbols: Set<Symbol> { Set(outcomes.filter { $0.error != nil }.map(\.pair.symbol)) }
    public var processed: Int { outcomes.reduce(0) { $0 + $1.processed } }

    public init() {}
}
