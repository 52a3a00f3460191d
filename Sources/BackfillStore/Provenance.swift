public import BackfillCore

/// Which stored range each bar of a series came from: its provider, run and request.
///
/// Coverage records are per fetched page and may overlap (a refill inside an earlier range, a
/// `--force` re-fetch with other page edges); a bar belongs to the newest `fetched` record that
/// contains it, the write that last brought its values. Bars younger than the settle window when
/// fetched have no record until a later run asks for them again (docs/storage.md), and bars
/// written outside a run (an import) have none: their provenance is unknown (nil).
public struct Provenance: Sendable {
    /// Disjoint ranges, ascending, each with the record that owns it.
    private var segments: [(start: Int64, end: Int64, record: Int)] = []
    public let records: [CoverageRecord]

    public init(_ coverage: [CoverageRecord]) {
        records = coverage
        let order = coverage.indices.filter { coverage[$0].outcome == .fetched }.sorted {
            (coverage[$0].recordedAt, $0) < (coverage[$1].recordedAt, $1)
        }
        for i in order { paint(coverage[i].start, coverage[i].end, i) }
    }

    /// Reads a series' coverage over [start, end).
    public init(store: any CandleStore, symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64) throws(StoreError) {
        self.init(try store.coverage(symbol: symbol, timeframe: timeframe, start: start, end: end))
    }

    /// Lays record `r` over [a, b), above what is there.
    private mutating func paint(_ a: Int64, _ b: Int64, _ r: Int) {
        guard a < b else { return }
        var next: [(start: Int64, end: Int64, record: Int)] = []
        next.reserveCapacity(segments.count + 2)
        for s in segments {
            if s.end <= a || s.start >= b {
                next.append(s)
                continue
            }
            if s.start < a { next.append((s.start, a, s.record)) }
            if s.end > b { next.append((b, s.end, s.record)) }
        }
        next.append((a, b, r))
        segments = next.sorted { $0.start < $1.start }
    }

    /// The index in ``records`` of the record bar `ts` came from, or nil.
    public func record(at ts: Int64) -> Int? {
        var lo = 0, hi = segments.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if segments[mid].end <= ts { lo = mid + 1 } else { hi = mid }
        }
        return lo < segments.count && segments[lo].start <= ts ? segments[lo].record : nil
    }
}
