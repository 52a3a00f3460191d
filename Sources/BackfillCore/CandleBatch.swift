/// Candles as columns: one contiguous buffer per field, allocated once and reused.
///
/// This is how candles move on the hot path (provider sink → validation → store → kernels): no
/// per-candle object, no per-candle allocation. `vwap` holds NaN and `trades` holds -1 where a
/// provider gave none.
///
/// A batch is owned by one task at a time; it is `Sendable` so ownership can move between tasks,
/// not so two tasks can touch it at once.
public final class CandleBatch: @unchecked Sendable {
    /// Rows each column can hold.
    public let capacity: Int
    /// Rows in use.
    public var count: Int = 0
    /// Bar start, epoch milliseconds UTC.
    public let ts: UnsafeMutablePointer<Int64>
    public let open: UnsafeMutablePointer<Double>
    public let high: UnsafeMutablePointer<Double>
    public let low: UnsafeMutablePointer<Double>
    public let close: UnsafeMutablePointer<Double>
    public let volume: UnsafeMutablePointer<Double>
    /// Volume-weighted average price, NaN when unknown.
    public let vwap: UnsafeMutablePointer<Double>
    /// Number of trades, -1 when unknown.
    public let trades: UnsafeMutablePointer<Int64>
    /// What owns the columns' memory when the batch does not (a mapping shared with a provider's
    /// child process); nil when the batch allocated them.
    public let storage: AnyObject?

    /// Allocates columns for `capacity` rows (at least 1).
    public init(capacity: Int) {
        let n = max(1, capacity)
        self.capacity = n
        ts = .allocate(capacity: n)
        open = .allocate(capacity: n)
        high = .allocate(capacity: n)
        low = .allocate(capacity: n)
        close = .allocate(capacity: n)
        volume = .allocate(capacity: n)
        vwap = .allocate(capacity: n)
        trades = .allocate(capacity: n)
        storage = nil
    }

    /// The bytes the eight columns of `capacity` rows take in one region (``init(capacity:region:storage:)``).
    public static func regionSize(capacity: Int) -> Int { 8 * MemoryLayout<Double>.stride * max(1, capacity) }

    /// Columns laid out one after the other in `region` (``regionSize(capacity:)`` bytes, 8-byte
    /// aligned): ts, open, high, low, close, volume, vwap, trades. `storage` owns the region and is
    /// kept alive as long as the batch.
    public init(capacity: Int, region: UnsafeMutableRawPointer, storage: AnyObject) {
        let n = max(1, capacity)
        self.capacity = n
        let column = n * MemoryLayout<Double>.stride
        ts = region.bindMemory(to: Int64.self, capacity: n)
        open = (region + column).bindMemory(to: Double.self, capacity: n)
        high = (region + 2 * column).bindMemory(to: Double.self, capacity: n)
        low = (region + 3 * column).bindMemory(to: Double.self, capacity: n)
        close = (region + 4 * column).bindMemory(to: Double.self, capacity: n)
        volume = (region + 5 * column).bindMemory(to: Double.self, capacity: n)
        vwap = (region + 6 * column).bindMemory(to: Double.self, capacity: n)
        trades = (region + 7 * column).bindMemory(to: Int64.self, capacity: n)
        self.storage = storage
    }

    deinit {
        guard storage == nil else { return }
        ts.deallocate()
        open.deallocate()
        high.deallocate()
        low.deallocate()
        close.deallocate()
        volume.deallocate()
        vwap.deallocate()
        trades.deallocate()
    }

    /// Appends one row; returns false when the batch is full.
    @discardableResult
    public func append(
        ts t: Int64, open o: Double, high h: Double, low l: Double, close c: Double, volume v: Double,
        vwap w: Double = .nan, trades n: Int64 = -1
    ) -> Bool {
        guard count < capacity else { return false }
        ts[count] = t
        open[count] = o
        high[count] = h
        low[count] = l
        close[count] = c
        volume[count] = v
        vwap[count] = w
        trades[count] = n
        count += 1
        return true
    }

    /// Copies row `from` onto row `to` (used to compact a batch in place).
    @inline(__always)
    func moveRow(from: Int, to: Int) {
        ts[to] = ts[from]
        open[to] = open[from]
        high[to] = high[from]
        low[to] = low[from]
        close[to] = close[from]
        volume[to] = volume[from]
        vwap[to] = vwap[from]
        trades[to] = trades[from]
    }

    /// All rows as values, for tests and small outputs (not for the hot path).
    public var rows: [Candle] { (0..<count).map(row) }

    /// One row as a value, for tests and small outputs (not for the hot path).
    public func row(_ i: Int) -> Candle {
        Candle(
            ts: ts[i], open: open[i], high: high[i], low: low[i], close: close[i], volume: volume[i],
            vwap: vwap[i].isNaN ? nil : vwap[i], trades: trades[i] < 0 ? nil : trades[i])
    }
}

/// One candle as a value: for tests, exports and small results, never the hot path.
public struct Candle: Sendable, Equatable {
    public var ts: Int64
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Double
    public var vwap: Double?
    public var trades: Int64?

    public init(
        ts: Int64, open: Double, high: Double, low: Double, close: Double, volume: Double,
        vwap: Double? = nil, trades: Int64? = nil
    ) {
        self.ts = ts
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.vwap = vwap
        self.trades = trades
    }
}
