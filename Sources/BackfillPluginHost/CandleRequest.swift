public import BackfillCore

/// One candle request as the host sends it to a provider.
public struct CandleRequest: Sendable {
    public var symbol: Symbol
    /// The user's provider-specific ticker, if set.
    public var ticker: String?
    public var assetClass: AssetClass
    public var timeframe: Timeframe
    /// Inclusive, epoch ms UTC.
    public var start: Int64
    /// Exclusive.
    public var end: Int64

    public init(
        symbol: Symbol, ticker: String? = nil, assetClass: AssetClass, timeframe: Timeframe, start: Int64,
        end: Int64
    ) {
        self.symbol = symbol
        self.ticker = ticker
        self.assetClass = assetClass
        self.timeframe = timeframe
        self.start = start
        self.end = end
    }
}
