public import BackfillCore

/// One symbol/timeframe of a run.
public struct PairKey: Sendable, Hashable, CustomStringConvertible {
    public var symbol: Symbol
    public var timeframe: Timeframe
    public init(_ symbol: Symbol, _ timeframe: Timeframe) {
        self.symbol = symbol
        self.timeframe = timeframe
    }
    /// "SPY/1d".
    public var description: String { "\(symbol)/\(timeframe)" }
}
