/// A split, a dividend, an earnings report or a ticker change: what a provider reports and what the store keeps
/// (with the symbol and the provider, `StoredEvent`). Dates are 00:00 UTC, epoch ms.
public struct CorporateEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case split, dividend, earnings
        /// From `exDate` on the security trades as `ticker` (a rename such as FB to META).
        case tickerChange = "ticker_change"
        /// `exDate` is the security's first trading day (ABI 1.4).
        case listing
        /// `exDate` is the security's last trading day (ABI 1.4).
        case delisting

        /// What a provider reports about a symbol's identity, over all time, replaced whole when
        /// asked again: its ticker chain and its first and last trading days.
        public static let identity: [Kind] = [.tickerChange, .listing, .delisting]

        /// The kinds a comma-separated list names (`export events --kinds`, the API's `?kinds=`).
        public static func set(parsing text: String) throws(InputError) -> Set<Kind> {
            var kinds: Set<Kind> = []
            for k in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let kind = Kind(rawValue: String(k)) else {
                    throw .invalid("unknown kind '\(k)'; valid: \(allCases.map(\.rawValue).joined(separator: ", "))")
                }
                kinds.insert(kind)
            }
            return kinds
        }
    }
    public var kind: Kind
    /// Execution (split), ex-dividend, report (earnings) or first-trading (ticker change) date.
    public var exDate: Int64
    /// A split of `splitFrom` shares into `splitTo` (0 for a dividend).
    public var splitFrom: Double
    public var splitTo: Double
    /// Cash per share (0 for a split), in `currency`.
    public var cashAmount: Double
    public var currency: String
    public var payDate: Int64?
    public var recordDate: Int64?
    public var declarationDate: Int64?
    /// An earnings report's details (kind `earnings`; nil otherwise).
    public var earnings: Earnings?
    /// The ticker in effect from `exDate` (kind `tickerChange`, in the provider's notation; nil
    /// otherwise).
    public var ticker: String?

    /// What an earnings report said, as far as the provider gives it (NaN: not given).
    public struct Earnings: Sendable, Equatable {
        /// When it came out, relative to the regular session of its date.
        public enum Time: String, Sendable, CaseIterable {
            case unknown
            case beforeOpen = "before_open"
            case afterClose = "after_close"
            case duringMarket = "during_market"
        }
        public var time: Time
        /// The fiscal year and period ("Q1" ... "Q4", "H1", "H2", "FY"; 0 and "" when unknown).
        public var fiscalYear: Int
        public var fiscalPeriod: String
        public var epsEstimate: Double
        public var epsActual: Double
        public var revenueEstimate: Double
        public var revenueActual: Double

        public init(
            time: Time = .unknown, fiscalYear: Int = 0, fiscalPeriod: String = "", epsEstimate: Double = .nan,
            epsActual: Double = .nan, revenueEstimate: Double = .nan, revenueActual: Double = .nan
        ) {
            self.time = time
            self.fiscalYear = fiscalYear
            self.fiscalPeriod = fiscalPeriod
            self.epsEstimate = epsEstimate
            self.epsActual = epsActual
            self.revenueEstimate = revenueEstimate
            self.revenueActual = revenueActual
        }

        /// Equal when every field is, NaN equal to NaN (an unknown figure is the same unknown).
        public static func == (a: Earnings, b: Earnings) -> Bool {
            func same(_ x: Double, _ y: Double) -> Bool { x.isNaN ? y.isNaN : x == y }
            return a.time == b.time && a.fiscalYear == b.fiscalYear && a.fiscalPeriod == b.fiscalPeriod
                && same(a.epsEstimate, b.epsEstimate) && same(a.epsActual, b.epsActual)
                && same(a.revenueEstimate, b.revenueEstimate) && same(a.revenueActual, b.revenueActual)
        }
    }

    public init(
        kind: Kind, exDate: Int64, splitFrom: Double = 0, splitTo: Double = 0, cashAmount: Double = 0,
        currency: String = "", payDate: Int64? = nil, recordDate: Int64? = nil, declarationDate: Int64? = nil,
        earnings: Earnings? = nil, ticker: String? = nil
    ) {
        self.kind = kind
        self.exDate = exDate
        self.splitFrom = splitFrom
        self.splitTo = splitTo
        self.cashAmount = cashAmount
        self.currency = currency
        self.payDate = payDate
        self.recordDate = recordDate
        self.declarationDate = declarationDate
        self.earnings = earnings
        self.ticker = ticker
    }
}
