internal import BackfillABI
import BackfillCore
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An instance made by a plugin loaded into this process: the Swift face of the C vtable. It
/// serves the host directly (`--isolation none`) and, in a provider's child process, the calls
/// the host sends there.
///
/// Async calls run on a dispatch queue, off the cooperative pool, because plugin calls block
/// (network, disk). A provider without the thread-safe capability gets a serial queue, so its
/// calls never overlap.
final class NativeInstance: InstanceBackend, @unchecked Sendable {
    let plugin: NativePlugin
    private let instance: OpaquePointer
    private let queue: DispatchQueue

    init(plugin: NativePlugin, configuration: [String: String]) throws(ProviderError) {
        self.plugin = plugin
        let d = plugin.descriptor.pointee
        var keys: [UnsafeMutablePointer<CChar>?] = []
        var values: [UnsafeMutablePointer<CChar>?] = []
        for (k, v) in configuration.sorted(by: { $0.key < $1.key }) {
            keys.append(strdup(k))
            values.append(strdup(v))
        }
        defer {
            for p in keys { free(p) }
            for p in values { free(p) }
        }
        var entries = zip(keys, values).map { bf_config_entry(key: UnsafePointer($0), value: UnsafePointer($1)) }
        var out: OpaquePointer?
        var message = [CChar](repeating: 0, count: 1024)
        // The loader refused descriptors without create, destroy and fetch_candles.
        guard let create = d.create else { throw ProviderError(kind: .permanent, message: "the plugin has no create function") }
        let status = entries.withUnsafeMutableBufferPointer { buf in
            create(buf.baseAddress, buf.count, &out, &message, message.count)
        }
        guard status == Int32(BF_OK), let out else {
            throw ProviderError(
                status: status == 0 ? Int32(BF_PERMANENT) : status, message: text(message), retryAfterMs: -1)
        }
        instance = out
        let concurrent = plugin.metadata.capabilities.contains(.threadSafe)
        queue = DispatchQueue(
            label: "backfill.provider.\(plugin.metadata.name)", attributes: concurrent ? [.concurrent] : [])
    }

    deinit { plugin.descriptor.pointee.destroy?(instance) }

    func fetchPage(_ request: CandleRequest, cursor: String?, into batch: CandleBatch, pageLimit: Int?) async
        -> Result<PageInfo, ProviderError>
    {
        await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.fetchPageBlocking(request, cursor: cursor, into: batch, pageLimit: pageLimit))
            }
        }
    }

    func fetchEvents(_ request: EventRequest) async -> Result<EventPage, ProviderError> {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.fetchEventsBlocking(request, emit: nil)) }
        }
    }

    func makeBatch(capacity: Int) -> CandleBatch { CandleBatch(capacity: capacity) }

    /// One page of candles into `batch` (its contents are replaced), blocking the calling thread.
    func fetchPageBlocking(_ request: CandleRequest, cursor: String?, into batch: CandleBatch, pageLimit: Int?)
        -> Result<PageInfo, ProviderError>
    {
        var sink = bf_candle_sink(
            struct_size: UInt32(MemoryLayout<bf_candle_sink>.size), capacity: UInt32(clamping: batch.capacity),
            ts: batch.ts, open: batch.open, high: batch.high, low: batch.low, close: batch.close,
            volume: batch.volume, vwap: batch.vwap, trades: batch.trades)
        var cursorOut = [CChar](repeating: 0, count: 4096)
        var message = [CChar](repeating: 0, count: 1024)
        var requestId = [CChar](repeating: 0, count: 128)
        let limit = UInt32(clamping: min(pageLimit ?? batch.capacity, batch.capacity))
        var retryAfter: Int64 = -1
        var rejectedRows = 0
        let status: Int32 = request.symbol.text.withCString { symbol in
            withOptionalCString(request.ticker) { ticker in
                withOptionalCString(cursor) { cursorIn in
                    cursorOut.withUnsafeMutableBufferPointer { cursorBuffer in
                        message.withUnsafeMutableBufferPointer { messageBuffer in
                            requestId.withUnsafeMutableBufferPointer { idBuffer in
                                var req = bf_candle_request(
                                    struct_size: UInt32(MemoryLayout<bf_candle_request>.size), page_limit: limit,
                                    symbol: symbol, ticker: ticker, asset_class: request.assetClass.abiValue,
                                    timeframe: request.timeframe.abiIndex, start_ms: request.start, end_ms: request.end,
                                    cursor: cursorIn)
                                var result = bf_page_result(
                                    struct_size: UInt32(MemoryLayout<bf_page_result>.size), count: 0, rejected: 0,
                                    reserved: 0, retry_after_ms: -1, next_cursor: cursorBuffer.baseAddress,
                                    next_cursor_capacity: cursorBuffer.count, message: messageBuffer.baseAddress,
                                    message_capacity: messageBuffer.count, request_id: idBuffer.baseAddress,
                                    request_id_capacity: idBuffer.count)
                                guard let fetch = plugin.descriptor.pointee.fetch_candles else { return Int32(BF_PERMANENT) }
                                let s = fetch(instance, &req, &sink, &result)
                                batch.count = Int(min(result.count, limit))
                                retryAfter = result.retry_after_ms
                                rejectedRows = Int(result.rejected)
                                return s
                            }
                        }
                    }
                }
            }
        }
        let next = text(cursorOut)
        if status == Int32(BF_OK) {
            let id = text(requestId)
            return .success(
                PageInfo(
                    count: batch.count, rejected: rejectedRows, nextCursor: next.isEmpty ? nil : next, requestId: id.isEmpty ? nil : id))
        }
        batch.count = 0
        return .failure(ProviderError(status: status, message: text(message), retryAfterMs: retryAfter))
    }

    /// One page of corporate events, blocking the calling thread; `emit`, when given, receives
    /// each event as the plugin delivers it (a child process forwards them one by one), else they
    /// are collected into the page.
    func fetchEventsBlocking(_ r: EventRequest, emit: ((CorporateEvent) -> Void)?) -> Result<EventPage, ProviderError> {
        guard let fetch = plugin.descriptor.pointee.fetch_events else {
            return .failure(ProviderError(kind: .badRequest, message: "provider '\(plugin.metadata.name)' serves no corporate events"))
        }
        let collector = EventCollector(emit: emit)
        var sink = bf_event_sink(
            struct_size: UInt32(MemoryLayout<bf_event_sink>.size), reserved: 0,
            context: Unmanaged.passUnretained(collector).toOpaque(), emit: eventCallback)
        var cursorOut = [CChar](repeating: 0, count: 4096)
        var message = [CChar](repeating: 0, count: 1024)
        var retryAfter: Int64 = -1
        let kinds = CorporateEvent.Kind.abiBits(r.kinds)
        let status: Int32 = r.symbol.text.withCString { sym in
            withOptionalCString(r.ticker) { tick in
                withOptionalCString(r.cursor) { cur in
                    cursorOut.withUnsafeMutableBufferPointer { cb in
                        message.withUnsafeMutableBufferPointer { mb in
                            var req = bf_event_request(
                                struct_size: UInt32(MemoryLayout<bf_event_request>.size), kinds: kinds, symbol: sym,
                                ticker: tick, asset_class: r.assetClass.abiValue, reserved: 0, start_ms: r.start, end_ms: r.end,
                                cursor: cur)
                            var result = bf_page_result(
                                struct_size: UInt32(MemoryLayout<bf_page_result>.size), count: 0, rejected: 0,
                                reserved: 0, retry_after_ms: -1, next_cursor: cb.baseAddress,
                                next_cursor_capacity: cb.count, message: mb.baseAddress, message_capacity: mb.count, request_id: nil,
                                request_id_capacity: 0)
                            let s = fetch(instance, &req, &sink, &result)
                            retryAfter = result.retry_after_ms
                            return s
                        }
                    }
                }
            }
        }
        guard status == Int32(BF_OK) else {
            return .failure(ProviderError(status: status, message: text(message), retryAfterMs: retryAfter))
        }
        let next = text(cursorOut)
        return .success(EventPage(events: collector.events, nextCursor: next.isEmpty ? nil : next))
    }
}

/// Receives events during one fetch_events call: keeps them, or hands each to `emit`.
final class EventCollector {
    var events: [CorporateEvent] = []
    let emit: ((CorporateEvent) -> Void)?
    init(emit: ((CorporateEvent) -> Void)?) { self.emit = emit }
    func add(_ e: CorporateEvent) { if let emit { emit(e) } else { events.append(e) } }
}

private let eventCallback: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<bf_event>?) -> Int32 = {
    context, event in
    guard let context, let event else { return Int32(BF_BAD_REQUEST) }
    let collector = Unmanaged<EventCollector>.fromOpaque(context).takeUnretainedValue()
    // Read only the fields the plugin's struct_size covers (it may be an older, shorter event).
    let e = event.pointee
    guard Int(e.struct_size) >= ABILayout.start(of: \bf_event.currency) else { return Int32(BF_BAD_REQUEST) }
    let currency = withUnsafeBytes(of: e.currency) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    func date(_ v: Int64) -> Int64? { v == Int64.min ? nil : v }
    let kind: CorporateEvent.Kind
    switch e.kind {
    case Int32(BF_EVENT_SPLIT): kind = .split
    case Int32(BF_EVENT_DIVIDEND): kind = .dividend
    case Int32(BF_EVENT_EARNINGS) where Int(e.struct_size) >= ABILayout.end(of: \bf_event.revenue_actual): kind = .earnings
    case Int32(BF_EVENT_TICKER_CHANGE) where Int(e.struct_size) >= ABILayout.end(of: \bf_event.ticker): kind = .tickerChange
    case Int32(BF_EVENT_LISTING): kind = .listing
    case Int32(BF_EVENT_DELISTING): kind = .delisting
    default: return Int32(BF_BAD_REQUEST)  // a kind this host does not know, or one without its fields
    }
    var ticker: String?
    if kind == .tickerChange {
        let t = withUnsafeBytes(of: e.ticker) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        guard !t.isEmpty else { return Int32(BF_BAD_REQUEST) }
        ticker = t
    }
    var earnings: CorporateEvent.Earnings?
    if kind == .earnings {
        let period = withUnsafeBytes(of: e.fiscal_period) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        let time: CorporateEvent.Earnings.Time =
            switch e.report_time {
            case Int32(BF_REPORT_BEFORE_OPEN): .beforeOpen
            case Int32(BF_REPORT_AFTER_CLOSE): .afterClose
            case Int32(BF_REPORT_DURING_MARKET): .duringMarket
            default: .unknown
            }
        earnings = CorporateEvent.Earnings(
            time: time, fiscalYear: Int(e.fiscal_year), fiscalPeriod: period, epsEstimate: e.eps_estimate,
            epsActual: e.eps_actual, revenueEstimate: e.revenue_estimate, revenueActual: e.revenue_actual)
    }
    collector.add(
        CorporateEvent(
            kind: kind, exDate: e.ex_date_ms,
            splitFrom: e.split_from, splitTo: e.split_to, cashAmount: e.cash_amount,
            currency: Int(e.struct_size) >= ABILayout.end(of: \bf_event.currency) ? currency : "",
            payDate: date(e.pay_date_ms), recordDate: date(e.record_date_ms),
            declarationDate: date(e.declaration_date_ms), earnings: earnings, ticker: ticker))
    return Int32(BF_OK)
}

/// Calls `body` with a C string for `text`, or NULL.
func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}

/// The NUL-terminated text in a C buffer.
func text(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
