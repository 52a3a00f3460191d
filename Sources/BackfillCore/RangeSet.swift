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
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].1 <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo < ranges.count && ranges[lo].0 <= t
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
