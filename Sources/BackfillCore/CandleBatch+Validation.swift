/// Why a row was rejected before it could reach the store.
public enum RowProblem: String, Sendable, CaseIterable {
    case nonFinite = "non-finite price or volume"
    case highBelowLow = "high below low"
    case outsideBar = "open or close outside [low, high]"
    case negative = "negative price or volume"
    case outOfOrder = "timestamp not after the previous row"
    case outOfRange = "timestamp outside the requested range"

    /// What is wrong with a bar's values, if anything: ingest's rules, in its order (non-finite,
    /// negative, high below low, open or close outside [low, high]); `backfill verify`'s `ohlc`
    /// check applies the same.
    @inline(__always)
    public static func of(open o: Double, high h: Double, low l: Double, close c: Double, volume v: Double) -> RowProblem? {
        if !(o.isFinite && h.isFinite && l.isFinite && c.isFinite && v.isFinite) { return .nonFinite }
        if o < 0 || h < 0 || l < 0 || c < 0 || v < 0 { return .negative }
        if h < l { return .highBelowLow }
        if o < l || o > h || c < l || c > h { return .outsideBar }
        return nil
    }
}

/// What validation removed from a batch.
public struct ValidationReport: Sendable {
    /// Rows removed.
    public var rejected: Int = 0
    /// The first problem seen and the timestamp of its row, for the log line.
    public var first: (problem: RowProblem, ts: Int64)?

    public init() {}
}

extension CandleBatch {
    /// Removes, in place, the rows that must never be stored: non-finite or negative values,
    /// high < low, open/close outside [low, high], timestamps out of order or outside
    /// `[start, end)`.
    ///
    /// - Parameter after: the timestamp of the last row already accepted for this request, so
    ///   order is also checked across pages.
    /// - Returns: how many rows were removed and the first reason.
    public func validate(start: Int64, end: Int64, after: Int64?) -> ValidationReport {
        var report = ValidationReport()
        var last = after ?? Int64.min
        var kept = 0
        for i in 0..<count {
            if let problem = problem(at: i, start: start, end: end, last: last) {
                report.rejected += 1
                if report.first == nil { report.first = (problem, ts[i]) }
                continue
            }
            last = ts[i]
            if kept != i { moveRow(from: i, to: kept) }
            kept += 1
        }
        count = kept
        return report
    }

    @inline(__always)
    private func problem(at i: Int, start: Int64, end: Int64, last: Int64) -> RowProblem? {
        if let bad = RowProblem.of(open: open[i], high: high[i], low: low[i], close: close[i], volume: volume[i]) { return bad }
        let t = ts[i]
        if t < start || t >= end { return .outOfRange }
        if t <= last { return .outOfOrder }
        return nil
    }
}
