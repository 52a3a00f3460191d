public import BackfillABI

/// A data provider written in Swift, exported through the C ABI by ``PluginExport``.
///
/// Implement this protocol in a dynamic-library target that depends only on `BackfillPluginSDK`,
/// then export the one entry point:
///
/// ```swift
/// @c(bf_provider_entry)
/// public func bf_provider_entry(
///     _ hostVersion: UInt32, _ host: UnsafePointer<bf_host_services>?
/// ) -> UnsafePointer<bf_provider_descriptor>? {
///     PluginExport.entry(MyProvider.self, hostVersion: hostVersion, host: host)
/// }
/// ```
///
/// The host calls ``fetchCandles(_:into:)`` once per page; rate limiting, retries, validation and
/// storage are the host's.
public protocol ProviderPlugin: AnyObject {
    /// What the provider is and serves; read once, when the host loads the plugin.
    static var info: ProviderInfo { get }
    /// Makes an instance from the user's configuration (`--provider-option key=value`).
    ///
    /// - Throws: ``PluginFailure`` (usually `.badRequest`) naming the bad or missing option.
    init(configuration: [String: String]) throws(PluginFailure)
    /// Writes one page of candles for the query into `page` and says where the next page starts.
    func fetchCandles(_ query: CandleQuery, into page: inout CandlePage) throws(PluginFailure) -> PageOutcome
    /// Emits one page of corporate events; the default implementation answers `.badRequest`.
    func fetchEvents(_ query: EventQuery, emit: (CorporateEvent) -> Bool) throws(PluginFailure) -> PageOutcome
}

extension ProviderPlugin {
    public func fetchEvents(_ query: EventQuery, emit: (CorporateEvent) -> Bool) throws(PluginFailure)
        -> PageOutcome
    {
        throw .badRequest("provider '\(Self.info.name)' serves no corporate events")
    }
}

/// The static description of a provider (becomes the ABI descriptor).
/// One option a plugin accepts: the value it takes when not given (nil: none, or not known
/// statically, say so in `help`), whether it is secret (never shown or recorded), one line of help.
public struct ProviderOption: Sendable {
    public var name: String
    public var defaultValue: String?
    public var secret: Bool
    public var help: String

    public init(_ name: String, default defaultValue: String? = nil, secret: Bool = false, help: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.secret = secret
        self.help = help
    }
}

public struct ProviderInfo: Sendable {
    /// What a provider can do.
    public struct Capabilities: OptionSet, Sendable {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }
        public static let candles = Capabilities(rawValue: 1 << 0)
        public static let splits = Capabilities(rawValue: 1 << 1)
        public static let dividends = Capabilities(rawValue: 1 << 2)
        /// Calls on one instance may run concurrently.
        public static let threadSafe = Capabilities(rawValue: 1 << 3)
        /// Earnings reports through ``ProviderPlugin/fetchEvents(_:emit:)`` (ABI 1.2).
        public static let earnings = Capabilities(rawValue: 1 << 4)
        /// Ticker changes (renames) through ``ProviderPlugin/fetchEvents(_:emit:)`` (ABI 1.3).
        public static let tickerChanges = Capabilities(rawValue: 1 << 5)
        /// First and last trading days through ``ProviderPlugin/fetchEvents(_:emit:)`` (ABI 1.4).
        public static let listings = Capabilities(rawValue: 1 << 6)
    }

    public var name: String
    public var version: String
    public var description: String
    public var capabilities: Capabilities
    /// ABI timeframe indices served (`BF_TF_1M` = 0 ... `BF_TF_1W` = 7).
    public var timeframes: [Int32]
    /// Requests per second allowed by default; 0 = unlimited.
    public var defaultRate: Double
    /// Largest page this provider returns.
    public var maxPageRows: UInt32
    /// `BF_DAILY_STAMP_*`.
    public var dailyStamp: Int32
    /// `BF_ANCHOR_4H_*`.
    public var fourHourAnchor: Int32
    /// The options the plugin's `init(configuration:)` accepts (ABI 1.1): listed by `backfill
    /// providers`, and each run records their values (given, else the default).
    public var options: [ProviderOption]

    public init(
        name: String, version: String, description: String, capabilities: Capabilities,
        timeframes: [Int32] = Array(0..<8), defaultRate: Double, maxPageRows: UInt32,
        dailyStamp: Int32 = Int32(BF_DAILY_STAMP_UTC_MIDNIGHT),
        fourHourAnchor: Int32 = Int32(BF_ANCHOR_4H_UTC_MIDNIGHT), options: [ProviderOption] = []
    ) {
        self.options = options
        self.name = name
        self.version = version
        self.description = description
        self.capabilities = capabilities
        self.timeframes = timeframes
        self.defaultRate = defaultRate
        self.maxPageRows = maxPageRows
        self.dailyStamp = dailyStamp
        self.fourHourAnchor = fourHourAnchor
    }
}

/// A failed call, carried back to the host as an ABI status and message.
public struct PluginFailure: Error, Sendable {
    /// The `BF_*` status.
    public let status: Int32
    /// One line, no secrets.
    public let message: String
    /// With rate limiting: how long to wait, or -1.
    public let retryAfterMs: Int64

    private init(_ status: Int32, _ message: String, retryAfterMs: Int64 = -1) {
        self.status = status
        self.message = message
        self.retryAfterMs = retryAfterMs
    }

    public static func noData(_ m: String) -> PluginFailure { .init(Int32(BF_NO_DATA), m) }
    public static func rateLimited(_ m: String, retryAfterMs: Int64 = -1) -> PluginFailure {
        .init(Int32(BF_RATE_LIMITED), m, retryAfterMs: retryAfterMs)
    }
    public static func transient(_ m: String) -> PluginFailure { .init(Int32(BF_TRANSIENT), m) }
    public static func unauthorized(_ m: String) -> PluginFailure { .init(Int32(BF_UNAUTHORIZED), m) }
    public static func notEntitled(_ m: String) -> PluginFailure { .init(Int32(BF_NOT_ENTITLED), m) }
    public static func badRequest(_ m: String) -> PluginFailure { .init(Int32(BF_BAD_REQUEST), m) }
    public static func permanent(_ m: String) -> PluginFailure { .init(Int32(BF_PERMANENT), m) }
}

/// One candle request as the host made it.
public struct CandleQuery: Sendable {
    public var symbol: String
    /// The user's provider-specific ticker, if set.
    public var ticker: String?
    /// `BF_ASSET_*`.
    public var assetClass: Int32
    /// `BF_TF_*`.
    public var timeframe: Int32
    /// Inclusive, epoch ms UTC.
    public var start: Int64
    /// Exclusive.
    public var end: Int64
    /// Rows wanted at most in this page.
    public var pageLimit: Int
    /// "" for the first page.
    public var cursor: String
}

/// What a page call reports besides its rows.
public struct PageOutcome: Sendable {
    /// Where the next page starts; "" when the range is done.
    public var nextCursor: String
    /// Source rows skipped as malformed (each logged with where it was).
    public var rejected: Int

    public init(nextCursor: String = "", rejected: Int = 0) {
        self.nextCursor = nextCursor
        self.rejected = rejected
    }
}

/// The host's column buffers for one page.
public struct CandlePage {
    private let sink: UnsafeMutablePointer<bf_candle_sink>
    /// Rows the page can take (already limited to the request's page size).
    public let capacity: Int
    /// Rows written so far.
    public private(set) var count = 0

    init(sink: UnsafeMutablePointer<bf_candle_sink>, limit: Int) {
        self.sink = sink
        self.capacity = min(Int(sink.pointee.capacity), limit)
    }

    /// Whether the page is full.
    public var isFull: Bool { count >= capacity }

    /// Appends one row; returns false (and writes nothing) when the page is full.
    @inline(__always)
    @discardableResult
    public mutating func append(
        ts: Int64, open: Double, high: Double, low: Double, close: Double, volume: Double,
        vwap: Double = .nan, trades: Int64 = -1
    ) -> Bool {
        guard count < capacity else { return false }
        let s = sink.pointee
        s.ts[count] = ts
        s.open[count] = open
        s.high[count] = high
        s.low[count] = low
        s.close[count] = close
        s.volume[count] = volume
        s.vwap[count] = vwap
        s.trades[count] = trades
        count += 1
        return true
    }
}

/// A corporate-events request.
public struct EventQuery: Sendable {
    public var symbol: String
    public var ticker: String?
    public var assetClass: Int32
    public var wantsSplits: Bool
    public var wantsDividends: Bool
    public var wantsEarnings: Bool
    /// The symbol's whole chain of tickers (ABI 1.3; asked alone, over all time).
    public var wantsTickerChanges: Bool
    /// The symbol's first and last trading days (ABI 1.4; asked alone, over all time).
    public var wantsListings: Bool = false
    public var start: Int64
    public var end: Int64
    public var cursor: String
}

/// A split, a dividend, an earnings report or a ticker change.
public enum CorporateEvent: Sendable {
    /// `from` old shares became `to` new ones on `executionDate` (ms at 00:00 UTC).
    case split(executionDate: Int64, from: Double, to: Double)
    /// `cash` per share, ex on `exDate`; other dates nil when unknown.
    case dividend(exDate: Int64, cash: Double, currency: String, payDate: Int64?, recordDate: Int64?, declarationDate: Int64?)
    /// A report on `date` (ms at 00:00 UTC of the exchange's date); unknown figures NaN.
    case earnings(date: Int64, report: EarningsReport)
    /// From `date` (ms at 00:00 UTC) the security trades as `ticker` (at most 31 bytes): one of
    /// these per ticker it ever had, its first listing's included.
    case tickerChange(date: Int64, ticker: String)
    /// The security's first trading day (ms at 00:00 UTC).
    case listing(date: Int64)
    /// The security's last trading day (ms at 00:00 UTC).
    case delisting(date: Int64)
}

/// What an earnings report said (ABI 1.2's fields of `bf_event`).
public struct EarningsReport: Sendable {
    /// `BF_REPORT_*`: 0 unknown, 1 before the open, 2 after the close, 3 during the session.
    public var time: Int32
    public var fiscalYear: Int32
    /// "Q1" ... "Q4", "H1", "H2", "FY" or "" (at most 7 bytes).
    public var fiscalPeriod: String
    public var epsEstimate: Double
    public var epsActual: Double
    public var revenueEstimate: Double
    public var revenueActual: Double
    /// The reported currency ("" when unknown).
    public var currency: String

    public init(
        time: Int32 = 0, fiscalYear: Int32 = 0, fiscalPeriod: String = "", epsEstimate: Double = .nan, epsActual: Double = .nan,
        revenueEstimate: Double = .nan, revenueActual: Double = .nan, currency: String = ""
    ) {
        self.time = time
        self.fiscalYear = fiscalYear
        self.fiscalPeriod = fiscalPeriod
        self.epsEstimate = epsEstimate
        self.epsActual = epsActual
        self.revenueEstimate = revenueEstimate
        self.revenueActual = revenueActual
        self.currency = currency
    }
}
