/// A set of half-open [start, end) ranges of instants, kept merged and sorted.
public struct RangeSet: Sendable, Equatable {
    public private(set) var ranges: [(Int64, Int64)] = []

    public init() {}

    public static func == (a: RangeSet, b: RangeSet) -> Bool { a.ranges.elementsEqual(b.ranges) { $0 == $1 } }

    public mutating func insert(_ a: Int64, _ b: Int64) {
        guard a < b else { return }
        var lo = a, hi = b
        var out: [(Int64, Int64)] = []
        var placed = false
        for r in ranges {
            if r.1 < lo {
                out.append(r)
            } else if r.0 > hi {
                if !placed {
                    out.append((lo, hi))
                    placed = true
                }
                out.append(r)
            } else {
                lo = min(lo, r.0)
                hi = max(hi, r.1)
            }
        }
        if !placed { out.append((lo, hi)) }
        ranges = out
    }

    public func contains(_ t: Int64) -> Bool {
        let i = firstEnding(after: t)
        return i < ranges.count && ranges[i].0 <= t
    }

    /// The first instant after `t` where membership changes (a range's start or end), or nil.
    public func edge(after t: Int64) -> Int64? {
        let i = firstEnding(after: t)
        guard i < ranges.count else { return nil }
        return ranges[i].0 > t ? ranges[i].0 : ranges[i].1
    }

    /// Index of the first range ending after `t` (binary search).
    private func firstEnding(after t: Int64) -> Int {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].1 <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The parts of [a, b) not in the set.
    public func missing(_ a: Int64, _ b: Int64) -> [(Int64, Int64)] {
        var out: [(Int64, Int64)] = []
        var cursor = a
        for r in ranges where r.1 > a && r.0 < b {
            if r.0 > cursor { out.append((cursor, r.0)) }
            cursor = max(cursor, r.1)
        }
        if cursor < b { out.append((cursor, b)) }
        return out
    }
}
