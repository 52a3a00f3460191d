internal import BackfillCore

/// The messages between the host and a provider's child process, one per SOCK_SEQPACKET
/// datagram (docs/plugins.md, "Isolation": the protocol). Candle rows never travel in them:
/// they are written by the plugin straight into memory both processes map.
///
/// Encoding: a one-byte type, then the fields in order, little-endian; strings and optional
/// strings as a 32-bit length (0xFFFFFFFF for nil) and UTF-8 bytes.
enum ChildMessage: Sendable {
    /// child → host, serve mode: the plugin loaded; what its descriptor declares.
    case hello(ProviderMetadata)
    /// child → host: the plugin did not load (the loader's one-line error, as parts).
    case loadFailed(kind: String, path: String, reason: String)
    /// host → child: make the instance with this configuration.
    case create([String: String])
    /// child → host: the instance exists.
    case created
    /// child → host: `create` failed.
    case createFailed(ProviderError)
    /// host → child, with the shared-memory file attached: map batch `id` of `capacity` rows.
    case mapBatch(id: UInt32, capacity: UInt32)
    /// host → child: batch `id` is gone; unmap it.
    case unmapBatch(id: UInt32)
    /// host → child: one page of candles into batch `batch`.
    case fetchCandles(call: UInt64, batch: UInt32, pageLimit: UInt32, request: CandleRequest, cursor: String?)
    /// child → host: the page call's answer (its rows are in the batch).
    case candlesDone(call: UInt64, Result<PageInfo, ProviderError>)
    /// host → child: one page of corporate events.
    case fetchEvents(call: UInt64, request: EventRequest)
    /// child → host: one event of the call in flight.
    case event(call: UInt64, CorporateEvent)
    /// child → host: the events call's answer.
    case eventsDone(call: UInt64, Result<String?, ProviderError>)
    /// child → host: the plugin's `log` call.
    case log(level: Int32, message: String)
    /// child → host, scan mode: about to load file number `index`.
    case loading(index: UInt32)
    /// child → host: the plugin is now running call `call` (a call not started when the child
    /// dies was only waiting behind another, and is not the one that killed it).
    case started(call: UInt64)

    /// A message that does not decode (a bug, or a child of another version).
    struct Malformed: Error {}

    func encoded() -> [UInt8] {
        var w = WireWriter()
        switch self {
        case .hello(let m):
            w.byte(1)
            w.metadata(m)
        case .loadFailed(let kind, let path, let reason):
            w.byte(2)
            w.string(kind)
            w.string(path)
            w.string(reason)
        case .create(let config):
            w.byte(3)
            w.u32(UInt32(config.count))
            for (k, v) in config.sorted(by: { $0.key < $1.key }) {
                w.string(k)
                w.string(v)
            }
        case .created:
            w.byte(4)
        case .createFailed(let e):
            w.byte(5)
            w.error(e)
        case .mapBatch(let id, let capacity):
            w.byte(6)
            w.u32(id)
            w.u32(capacity)
        case .unmapBatch(let id):
            w.byte(7)
            w.u32(id)
        case .fetchCandles(let call, let batch, let limit, let r, let cursor):
            w.byte(8)
            w.u64(call)
            w.u32(batch)
            w.u32(limit)
            w.string(r.symbol.text)
            w.optional(r.ticker)
            w.i64(Int64(r.assetClass.abiValue))
            w.i64(Int64(r.timeframe.abiIndex))
            w.i64(r.start)
            w.i64(r.end)
            w.optional(cursor)
        case .candlesDone(let call, let result):
            w.byte(9)
            w.u64(call)
            switch result {
            case .success(let page):
                w.byte(0)
                w.u32(UInt32(page.count))
                w.u32(UInt32(clamping: page.rejected))
                w.optional(page.nextCursor)
                w.optional(page.requestId)
            case .failure(let e):
                w.byte(1)
                w.error(e)
            }
        case .fetchEvents(let call, let r):
            w.byte(10)
            w.u64(call)
            w.string(r.symbol.text)
            w.optional(r.ticker)
            w.i64(Int64(r.assetClass.abiValue))
            w.u32(CorporateEvent.Kind.abiBits(r.kinds))
            w.i64(r.start)
            w.i64(r.end)
            w.optional(r.cursor)
        case .event(let call, let e):
            w.byte(11)
            w.u64(call)
            w.string(e.kind.rawValue)
            w.i64(e.exDate)
            w.double(e.splitFrom)
            w.double(e.splitTo)
            w.double(e.cashAmount)
            w.string(e.currency)
            for d in [e.payDate, e.recordDate, e.declarationDate] { w.i64(d ?? Int64.min) }
            if let x = e.earnings {
                w.byte(1)
                w.string(x.time.rawValue)
                w.i64(Int64(x.fiscalYear))
                w.string(x.fiscalPeriod)
                for v in [x.epsEstimate, x.epsActual, x.revenueEstimate, x.revenueActual] { w.double(v) }
            } else {
                w.byte(0)
            }
            w.optional(e.ticker)
        case .eventsDone(let call, let result):
            w.byte(12)
            w.u64(call)
            switch result {
            case .success(let next):
                w.byte(0)
                w.optional(next)
            case .failure(let e):
                w.byte(1)
                w.error(e)
            }
        case .log(let level, let message):
            w.byte(13)
            w.i64(Int64(level))
            w.string(message)
        case .loading(let index):
            w.byte(14)
            w.u32(index)
        case .started(let call):
            w.byte(15)
            w.u64(call)
        }
        return w.bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> ChildMessage {
        var r = WireReader(bytes)
        switch try r.byte() {
        case 1: return .hello(try r.metadata())
        case 2: return .loadFailed(kind: try r.string(), path: try r.string(), reason: try r.string())
        case 3:
            var config: [String: String] = [:]
            for _ in 0..<(try r.u32()) { config[try r.string()] = try r.string() }
            return .create(config)
        case 4: return .created
        case 5: return .createFailed(try r.error())
        case 6: return .mapBatch(id: try r.u32(), capacity: try r.u32())
        case 7: return .unmapBatch(id: try r.u32())
        case 8:
            let call = try r.u64(), batch = try r.u32(), limit = try r.u32()
            let request = CandleRequest(
                symbol: try r.symbol(), ticker: try r.optional(), assetClass: try r.assetClass(), timeframe: try r.timeframe(),
                start: try r.i64(), end: try r.i64())
            return .fetchCandles(call: call, batch: batch, pageLimit: limit, request: request, cursor: try r.optional())
        case 9:
            let call = try r.u64()
            if try r.byte() == 0 {
                let count = Int(try r.u32()), rejected = Int(try r.u32())
                let next = try r.optional()
                return .candlesDone(
                    call: call, .success(PageInfo(count: count, rejected: rejected, nextCursor: next, requestId: try r.optional())))
            }
            return .candlesDone(call: call, .failure(try r.error()))
        case 10:
            let call = try r.u64()
            let request = EventRequest(
                symbol: try r.symbol(), ticker: try r.optional(), assetClass: try r.assetClass(),
                kinds: CorporateEvent.Kind.set(abiBits: try r.u32()), start: try r.i64(), end: try r.i64(), cursor: try r.optional())
            return .fetchEvents(call: call, request: request)
        case 11:
            let call = try r.u64()
            guard let kind = CorporateEvent.Kind(rawValue: try r.string()) else { throw Malformed() }
            let exDate = try r.i64(), from = try r.double(), to = try r.double(), cash = try r.double(), currency = try r.string()
            func date(_ v: Int64) -> Int64? { v == Int64.min ? nil : v }
            let pay = date(try r.i64()), record = date(try r.i64()), declared = date(try r.i64())
            var earnings: CorporateEvent.Earnings?
            if try r.byte() == 1 {
                guard let time = CorporateEvent.Earnings.Time(rawValue: try r.string()) else { throw Malformed() }
                let year = Int(try r.i64()), period = try r.string()
                earnings = CorporateEvent.Earnings(
                    time: time, fiscalYear: year, fiscalPeriod: period, epsEstimate: try r.double(), epsActual: try r.double(),
                    revenueEstimate: try r.double(), revenueActual: try r.double())
            }
            return .event(
                call: call,
                CorporateEvent(
                    kind: kind, exDate: exDate, splitFrom: from, splitTo: to, cashAmount: cash, currency: currency, payDate: pay,
                    recordDate: record, declarationDate: declared, earnings: earnings, ticker: try r.optional()))
        case 12:
            let call = try r.u64()
            if try r.byte() == 0 { return .eventsDone(call: call, .success(try r.optional())) }
            return .eventsDone(call: call, .failure(try r.error()))
        case 13: return .log(level: Int32(clamping: try r.i64()), message: try r.string())
        case 14: return .loading(index: try r.u32())
        case 15: return .started(call: try r.u64())
        default: throw Malformed()
        }
    }
}

/// Appends the wire encoding of values.
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func double(_ v: Double) { u64(v.bitPattern) }

    /// At most 64 KiB of a string: a message must fit one datagram.
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8.prefix(65_536))
        u32(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func optional(_ s: String?) {
        guard let s else { return u32(UInt32.max) }
        string(s)
    }

    mutating func error(_ e: ProviderError) {
        string(e.kind.rawValue)
        string(e.message)
        i64(e.retryAfterMs ?? -1)
    }

    mutating func metadata(_ m: ProviderMetadata) {
        string(m.path)
        string(m.name)
        string(m.version)
        string(m.summary)
        string(m.abiVersion)
        u64(m.capabilities.rawValue)
        u32(m.timeframes.reduce(0) { $0 | 1 << UInt32($1.abiIndex) })
        double(m.defaultRate)
        u64(UInt64(m.maxPageRows))
        byte(m.dailyStampsNewYorkMidnight ? 1 : 0)
        byte(m.fourHourAnchorNewYork ? 1 : 0)
        u32(UInt32(m.options.count))
        for o in m.options {
            string(o.name)
            optional(o.defaultValue)
            byte(o.secret ? 1 : 0)
            string(o.help)
        }
    }
}

/// Reads the wire encoding of values, refusing anything that runs past the end.
struct WireReader {
    let bytes: UnsafeRawBufferPointer
    var at = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private mutating func take(_ n: Int) throws(ChildMessage.Malformed) -> UnsafeRawBufferPointer {
        guard n >= 0, at + n <= bytes.count else { throw ChildMessage.Malformed() }
        defer { at += n }
        return UnsafeRawBufferPointer(rebasing: bytes[at..<(at + n)])
    }

    mutating func byte() throws(ChildMessage.Malformed) -> UInt8 { try take(1)[0] }
    mutating func u32() throws(ChildMessage.Malformed) -> UInt32 {
        UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self))
    }
    mutating func u64() throws(ChildMessage.Malformed) -> UInt64 {
        UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self))
    }
    mutating func i64() throws(ChildMessage.Malformed) -> Int64 { Int64(bitPattern: try u64()) }
    mutating func double() throws(ChildMessage.Malformed) -> Double { Double(bitPattern: try u64()) }

    mutating func string() throws(ChildMessage.Malformed) -> String {
        let n = try u32()
        return String(decoding: try take(Int(n)), as: UTF8.self)
    }

    mutating func optional() throws(ChildMessage.Malformed) -> String? {
        let n = try u32()
        guard n != UInt32.max else { return nil }
        return String(decoding: try take(Int(n)), as: UTF8.self)
    }

    mutating func symbol() throws(ChildMessage.Malformed) -> Symbol {
        guard let s = try? Symbol(try string()) else { throw ChildMessage.Malformed() }
        return s
    }

    mutating func assetClass() throws(ChildMessage.Malformed) -> AssetClass {
        let v = try i64()
        guard v >= 0, v < AssetClass.allCases.count else { throw ChildMessage.Malformed() }
        return AssetClass.allCases[Int(v)]
    }

    mutating func timeframe() throws(ChildMessage.Malformed) -> Timeframe {
        guard let tf = Timeframe(abiIndex: Int32(clamping: try i64())) else { throw ChildMessage.Malformed() }
        return tf
    }

    mutating func error() throws(ChildMessage.Malformed) -> ProviderError {
        guard let kind = ProviderError.Kind(rawValue: try string()) else { throw ChildMessage.Malformed() }
        let message = try string()
        let retry = try i64()
        return ProviderError(kind: kind, message: message, retryAfterMs: retry >= 0 ? retry : nil)
    }

    mutating func metadata() throws(ChildMessage.Malformed) -> ProviderMetadata {
        let path = try string(), name = try string(), version = try string(), summary = try string(), abi = try string()
        let caps = LoadedProvider.Capabilities(rawValue: try u64())
        let tfMask = try u32()
        let rate = try double()
        let rows = Int(clamping: try u64())
        let daily = try byte() == 1, fourHour = try byte() == 1
        var options: [LoadedProvider.OptionSpec] = []
        for _ in 0..<(try u32()) {
            options.append(
                LoadedProvider.OptionSpec(name: try string(), defaultValue: try optional(), secret: try byte() == 1, help: try string()))
        }
        return ProviderMetadata(
            path: path, name: name, version: version, summary: summary, abiVersion: abi, capabilities: caps,
            timeframes: Timeframe.allCases.filter { tfMask & (1 << UInt32($0.abiIndex)) != 0 }, defaultRate: rate,
            maxPageRows: rows, dailyStampsNewYorkMidnight: daily, fourHourAnchorNewYork: fourHour, options: options)
    }
}
