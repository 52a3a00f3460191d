internal import BackfillCalendar
public import BackfillCore
internal import BackfillFeatures
public import BackfillPluginHost
public import BackfillStore

/// `verify --against PROVIDER`: the same range fetched from a second provider, through the
/// engine's policy (its rate limit, the retrying caller, ingest's validation), never stored, and
/// compared with the stored bars bar by bar, matched by the gap detector's keys (a daily bar
/// stamped 00:00 UTC by one vendor and 00:00 New York by another is the same day).
public struct SecondVendor: Sendable {
    public let instance: ProviderInstance
    let caller: ProviderCaller
    /// Prices agree within this share of the stored price (10 bp): vendors round differently and
    /// build bars from differently filtered tapes, by cents, not by percent.
    public static let priceTolerance = 1e-3
    /// Findings of price differences listed per pair; the rest are counted in the last one.
    static let listed = 20
    /// Told before each pair is fetched: its number (from 1), how many, and the pair (a
    /// terminal's progress line; nil: quiet).
    public var progress: (@Sendable (Int, Int, String) -> Void)?

    public init(instance: ProviderInstance, rate: Double? = nil, retry: RetryPolicy = RetryPolicy()) {
        self.instance = instance
        caller = ProviderCaller(limiter: RateLimiter(rate: rate ?? instance.provider.defaultRate), policy: retry)
    }

    /// The second provider's bars of a pair over [start, end): all pages, validated, as columns;
    /// the failure that ended the fetch, if any.
    func fetch(_ record: SymbolRecord, _ tf: Timeframe, _ start: Int64, _ end: Int64) async -> (SeriesColumns, String?) {
        var out = SeriesColumns()
        let limit = max(1, min(50_000, instance.provider.maxPageRows))
        let batch = instance.makeBatch(capacity: limit)
        let (a, b) = ExpectedBars.requestRange(tf, start, end)
        let request = CandleRequest(
            symbol: record.symbol, ticker: record.ticker, assetClass: record.assetClass, timeframe: tf, start: a, end: b)
        var cursor: String?
        var last: Int64?
        let instance = self.instance
        while true {
            let from = cursor
            let call = await caller.call("\(record.symbol)/\(tf) (\(instance.provider.name))") { () async throws(ProviderError) in
                try await instance.fetchPage(request, cursor: from, into: batch, pageLimit: limit)
            }
            switch call.result {
            case .success(let page)?:
                _ = batch.validate(start: a, end: b, after: last)
                if batch.count > 0 { last = batch.ts[batch.count - 1] }
                out.append(batch)
                guard let next = page.nextCursor else { return (out, nil) }
                cursor = next
            case .failure(let e)? where e.kind == .noData: return (out, nil)
            case .failure(let e)?: return (out, e.description)
            case nil: return (out, "stopped")
            }
        }
    }

    /// The findings of one pair: bars only one side has, and prices that differ.
    func findings(
        _ record: SymbolRecord, _ tf: Timeframe, stored: SeriesColumns, start: Int64, end: Int64
    ) async -> [Finding] {
        let (other, failure) = await fetch(record, tf, start, end)
        let name = instance.provider.name
        func finding(_ severity: Finding.Severity, _ ts: Int64, _ message: String, _ evidence: [(String, JSON)] = []) -> Finding {
            Finding(
                check: .against, severity: severity, symbol: record.symbol, timeframe: tf, ts: ts, message: message,
                evidence: [("against", .string(name))] + evidence)
        }
        if let failure {
            return [finding(.warning, start, "could not fetch the range from \(name): \(failure); nothing compared")]
        }
        return Self.compare(stored, other, tf: tf, calendar: MarketCalendar(record.assetClass), start: start, end: end, name: name, finding)
    }

    /// Stored bars against the other provider's, both ascending, keyed alike; only keys in
    /// [start, end) count.
    static func compare(
        _ mine: SeriesColumns, _ theirs: SeriesColumns, tf: Timeframe, calendar: MarketCalendar, start: Int64, end: Int64, name: String,
        _ finding: (Finding.Severity, Int64, String, [(String, JSON)]) -> Finding
    ) -> [Finding] {
        let expected = ExpectedBars(calendar: calendar, timeframe: tf)
        let from = ExpectedBars.requestRange(tf, start, end).0
        func keyed(_ s: SeriesColumns) -> [Int64: Int] {
            var m: [Int64: Int] = [:]
            for i in 0..<s.count where s.ts[i] >= from && s.ts[i] < end {
                m[expected.key(of: s.ts[i])] = i
            }
            return m
        }
        let a = keyed(mine), b = keyed(theirs)
        var out: [Finding] = []
        let onlyMine = a.keys.filter { b[$0] == nil }.sorted(), onlyTheirs = b.keys.filter { a[$0] == nil }.sorted()
        func days(_ keys: [Int64]) -> String {
            keys.prefix(5).map { UTCTime.iso(expected.start(ofKey: $0)) }.joined(separator: ", ") + (keys.count > 5 ? ", ..." : "")
        }
        if let first = onlyMine.first {
            out.append(
                finding(
                    .warning, expected.start(ofKey: first), "\(onlyMine.count) stored bar(s) that \(name) does not have: \(days(onlyMine))",
                    [("bars", .int(Int64(onlyMine.count)))]))
        }
        if let first = onlyTheirs.first {
            out.append(
                finding(
                    .warning, expected.start(ofKey: first),
                    "\(onlyTheirs.count) bar(s) \(name) has that the store does not: \(days(onlyTheirs))",
                    [("bars", .int(Int64(onlyTheirs.count)))]))
        }
        var differing = 0
        for key in a.keys.sorted() {
            guard let i = a[key], let j = b[key] else { continue }
            let fields: [(String, Double, Double)] = [
                ("open", mine.open[i], theirs.open[j]), ("high", mine.high[i], theirs.high[j]), ("low", mine.low[i], theirs.low[j]),
                ("close", mine.close[i], theirs.close[j]),
            ]
            let off = fields.filter { abs($0.1 - $0.2) > priceTolerance * abs($0.1) }
            guard !off.isEmpty else { continue }
            differing += 1
            guard differing <= listed else { continue }
            let text = off.map { "\($0.0) \(NumberFormat.decimal($0.1)) here, \(NumberFormat.decimal($0.2)) at \(name)" }.joined(
                separator: "; ")
            out.append(
                finding(
                    .warning, expected.start(ofKey: key), text,
                    off.flatMap { [("stored_\($0.0)", JSON.number($0.1)), ("\(name)_\($0.0)", JSON.number($0.2))] }))
        }
        if differing > listed {
            out.append(
                finding(
                    .warning, end - 1, "\(differing - listed) more bar(s) whose prices differ from \(name)'s (\(differing) in all)",
                    [("bars", .int(Int64(differing)))]))
        }
        return out.sorted { $0.ts < $1.ts }
    }
}
