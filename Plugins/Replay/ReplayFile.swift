import BackfillPluginSDK
import BackfillText

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One candle CSV of the replay folder, memory-mapped, with the column layout read from its header.
///
/// Pages are served by binary search to the first row at or after the request's start, then a
/// forward scan; a small range out of a large file touches only the pages it needs.
final class ReplayFile: @unchecked Sendable {
    let map: MappedFile
    /// Byte offset of the first data row.
    let dataStart: Int
    /// Column index of each field, -1 when absent (vwap, trades).
    let columns: Columns
    // Line numbers are needed only to report a bad row; counting newlines is done lazily and
    // remembered, so reporting many bad rows in a scan stays linear.
    private var lineMark: (offset: Int, line: Int) = (0, 1)
    private let lineLock = PlainLock()

    struct Columns {
        var ts = -1, open = -1, high = -1, low = -1, close = -1, volume = -1, vwap = -1, trades = -1
        var count = 0
    }

    static let required = ["ts", "open", "high", "low", "close", "volume"]

    init(map: MappedFile) throws(PluginFailure) {
        self.map = map
        guard let base = map.base else {
            throw .permanent("\(map.path):1: empty file, expected header ts,open,high,low,close,volume")
        }
        let end = map.size
        var i = 0
        while i < end, base[i] != 10 { i += 1 }
        var headerEnd = i
        if headerEnd > 0, base[headerEnd - 1] == 13 { headerEnd -= 1 }
        let header = String(
            decoding: UnsafeRawBufferPointer(start: base, count: headerEnd), as: UTF8.self)
        var cols = Columns()
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters()
        }
        cols.count = names.count
        for (index, name) in names.enumerated() {
            switch name {
            case "ts": cols.ts = index
            case "open": cols.open = index
            case "high": cols.high = index
            case "low": cols.low = index
            case "close": cols.close = index
            case "volume": cols.volume = index
            case "vwap": cols.vwap = index
            case "trades": cols.trades = index
            default:
                throw .permanent(
                    "\(map.path):1: unknown column '\(name)'; the header is ts,open,high,low,close,volume[,vwap][,trades]")
            }
        }
        let got = Self.required.filter { names.contains($0) }
        guard got.count == Self.required.count, Array(names.prefix(6)) == Self.required else {
            throw .permanent(
                "\(map.path):1: bad header '\(header.prefix(80))'; expected ts,open,high,low,close,volume[,vwap][,trades]")
        }
        columns = cols
        dataStart = min(i + 1, end)
    }

    /// One parsed row, or why it could not be.
    enum Row {
        case candle(ts: Int64, o: Double, h: Double, l: Double, c: Double, v: Double, vw: Double, n: Int64)
        case bad(String)
        case blank
    }

    /// The offset just past the line that starts at `offset`.
    @inline(__always)
    func lineEnd(from offset: Int) -> Int {
        guard let base = map.base else { return offset }
        let remaining = map.size - offset
        if remaining <= 0 { return map.size }
        if let nl = memchr(base + offset, 10, remaining) {
            return UnsafePointer<CChar>(nl.assumingMemoryBound(to: CChar.self)) - base + 1
        }
        return map.size
    }

    /// Parses the line [start, end) (end includes the newline, if any).
    func parse(from start: Int, to end: Int) -> Row {
        guard let base = map.base else { return .blank }
        var stop = end
        if stop > start, base[stop - 1] == 10 { stop -= 1 }
        if stop > start, base[stop - 1] == 13 { stop -= 1 }
        if stop == start { return .blank }
        // Split into at most 8 fields without allocating.
        var fieldStart = (0, 0, 0, 0, 0, 0, 0, 0)
        var fieldEnd = (0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var p = start
        withUnsafeMutableBytes(of: &fieldStart) { fs in
            withUnsafeMutableBytes(of: &fieldEnd) { fe in
                let s = fs.bindMemory(to: Int.self), e = fe.bindMemory(to: Int.self)
                while n < 8 {
                    s[n] = p
                    while p < stop, base[p] != 44 { p += 1 }
                    e[n] = p
                    n += 1
                    if p >= stop { break }
                    p += 1
                }
            }
        }
        if p < stop || n != columns.count {
            return .bad("expected \(columns.count) fields, found \(p < stop ? "more" : String(n))")
        }
        func field(_ index: Int) -> (UnsafePointer<CChar>, Int) {
            withUnsafeBytes(of: fieldStart) { fs in
                withUnsafeBytes(of: fieldEnd) { fe in
                    let s = fs.load(fromByteOffset: index * 8, as: Int.self)
                    let e = fe.load(fromByteOffset: index * 8, as: Int.self)
                    return (base + s, e - s)
                }
            }
        }
        var ts: Int64 = 0
        let (tp, tn) = field(columns.ts)
        guard bf_parse_time(tp, tn, &ts) == 1 else { return .bad("unparseable ts '\(text(tp, tn))'") }
        var values: (Double, Double, Double, Double, Double) = (0, 0, 0, 0, 0)
        let names = ["open", "high", "low", "close", "volume"]
        let idx = [columns.open, columns.high, columns.low, columns.close, columns.volume]
        for k in 0..<5 {
            let (fp, fn) = field(idx[k])
            var v = 0.0
            guard bf_parse_double(fp, fn, &v) == 1 else {
                return .bad("unparseable \(names[k]) '\(text(fp, fn))'")
            }
            guard v.isFinite else { return .bad("\(names[k]) is \(text(fp, fn))") }
            switch k {
            case 0: values.0 = v
            case 1: values.1 = v
            case 2: values.2 = v
            case 3: values.3 = v
            default: values.4 = v
            }
        }
        let (o, h, l, c, v) = values
        if h < l { return .bad("high \(h) below low \(l)") }
        if v < 0 { return .bad("negative volume \(v)") }
        var vw = Double.nan
        if columns.vwap >= 0 {
            let (fp, fn) = field(columns.vwap)
            if fn > 0, bf_parse_double(fp, fn, &vw) != 1 || !vw.isFinite {
                return .bad("unparseable vwap '\(text(fp, fn))'")
            }
        }
        var trades: Int64 = -1
        if columns.trades >= 0 {
            let (fp, fn) = field(columns.trades)
            if fn > 0, bf_parse_int64(fp, fn, &trades) != 1 || trades < 0 {
                return .bad("unparseable trades '\(text(fp, fn))'")
            }
        }
        return .candle(ts: ts, o: o, h: h, l: l, c: c, v: v, vw: vw, n: trades)
    }

    private func text(_ p: UnsafePointer<CChar>, _ n: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(start: p, count: min(n, 40)), as: UTF8.self)
    }

    /// The timestamp of the row at `offset`, if it parses.
    private func timestamp(at offset: Int) -> Int64? {
        guard case .candle(let ts, _, _, _, _, _, _, _) = parse(from: offset, to: lineEnd(from: offset)) else {
            return nil
        }
        return ts
    }

    /// The offset of a line at or before the first row whose ts is >= `target` (binary search,
    /// then the caller scans forward).
    func seek(to target: Int64) -> Int {
        guard let base = map.base else { return dataStart }
        var lo = dataStart
        var hi = map.size
        while hi - lo > 4096 {
            let mid = lo + (hi - lo) / 2
            var line = mid
            if base[mid - 1] != 10 { line = lineEnd(from: mid) }
            if line >= hi {
                hi = mid
                continue
            }
            guard let ts = timestamp(at: line) else { break }
            if ts < target { lo = line } else { hi = line }
        }
        return lo
    }

    /// The 1-based line number of the line starting at `offset`.
    func lineNumber(at offset: Int) -> Int {
        lineLock.locked {
            guard let base = map.base else { return 1 }
            var (from, line) = offset >= lineMark.offset ? lineMark : (0, 1)
            while from < offset, let nl = memchr(base + from, 10, offset - from) {
                from = UnsafePointer<CChar>(nl.assumingMemoryBound(to: CChar.self)) - base + 1
                line += 1
            }
            lineMark = (offset, line)
            return line
        }
    }
}

/// A pthread mutex around a closure.
final class PlainLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil) }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var s = self
        while let c = s.first, c == " " || c == "\r" || c == "\t" || c == "\u{FEFF}" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\r" || c == "\t" { s.removeLast() }
        return String(s)
    }
}
