public import BackfillABI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Log lines to the host (the only way a plugin may print).
public enum HostLog {
    nonisolated(unsafe) static var services: bf_host_services?

    /// Logs one line at `level` (`BF_LOG_*`); dropped when the host gave no log service.
    public static func log(_ level: Int32, _ message: String) {
        guard let s = services, let log = s.log else { return }
        message.withCString { log(s.context, level, $0) }
    }

    public static func warning(_ message: String) { log(Int32(BF_LOG_WARNING), message) }
    public static func info(_ message: String) { log(Int32(BF_LOG_INFO), message) }
    public static func debug(_ message: String) { log(Int32(BF_LOG_DEBUG), message) }
}

/// Turns a ``ProviderPlugin`` type into the C descriptor the host loads.
public enum PluginExport {
    // One plugin type per shared object, fixed by the first entry call.
    nonisolated(unsafe) private static var pluginType: (any ProviderPlugin.Type)?
    nonisolated(unsafe) private static var descriptor: UnsafeMutablePointer<bf_provider_descriptor>?

    /// The body of a Swift plugin's `bf_provider_entry`: agrees the major version and returns
    /// the descriptor (built once), or nil when the host speaks another major version.
    public static func entry(
        _ type: any ProviderPlugin.Type, hostVersion: UInt32, host: UnsafePointer<bf_host_services>?
    ) -> UnsafePointer<bf_provider_descriptor>? {
        guard hostVersion >> 16 == UInt32(BF_ABI_VERSION_MAJOR) else { return nil }
        if let host, host.pointee.struct_size >= UInt32(MemoryLayout<bf_host_services>.size) {
            HostLog.services = host.pointee
        }
        if let descriptor { return UnsafePointer(descriptor) }
        pluginType = type
        let info = type.info
        let d = UnsafeMutablePointer<bf_provider_descriptor>.allocate(capacity: 1)
        d.initialize(to: bf_provider_descriptor())
        d.pointee.struct_size = UInt32(MemoryLayout<bf_provider_descriptor>.size)
        d.pointee.abi_version = (UInt32(BF_ABI_VERSION_MAJOR) << 16) | UInt32(BF_ABI_VERSION_MINOR)
        d.pointee.name = UnsafePointer(strdup(info.name))
        d.pointee.version = UnsafePointer(strdup(info.version))
        d.pointee.description = UnsafePointer(strdup(info.description))
        d.pointee.capabilities = info.capabilities.rawValue
        d.pointee.timeframes = info.timeframes.reduce(0) { $0 | (1 << UInt32($1)) }
        d.pointee.daily_stamp = info.dailyStamp
        d.pointee.default_rate = info.defaultRate
        d.pointee.four_hour_anchor = info.fourHourAnchor
        d.pointee.max_page_rows = info.maxPageRows
        d.pointee.create = createThunk
        d.pointee.destroy = destroyThunk
        d.pointee.fetch_candles = fetchCandlesThunk
        if !info.capabilities.isDisjoint(with: [.splits, .dividends, .earnings, .tickerChanges, .listings]) {
            d.pointee.fetch_events = fetchEventsThunk
        }
        if !info.options.isEmpty {
            // Lives as long as the process, like the descriptor; the last entry ends the table.
            let table = UnsafeMutablePointer<bf_option_spec>.allocate(capacity: info.options.count + 1)
            for (i, o) in info.options.enumerated() {
                table[i] = bf_option_spec(
                    name: UnsafePointer(strdup(o.name)), default_value: o.defaultValue.map { UnsafePointer(strdup($0)) },
                    secret: o.secret ? 1 : 0, help: UnsafePointer(strdup(o.help)))
            }
            table[info.options.count] = bf_option_spec()
            d.pointee.options = UnsafePointer(table)
        }
        descriptor = d
        return UnsafePointer(d)
    }

    final class Box {
        let plugin: any ProviderPlugin
        init(_ plugin: any ProviderPlugin) { self.plugin = plugin }
    }

    static func box(_ instance: OpaquePointer?) -> Box? {
        guard let instance else { return nil }
        return Unmanaged<Box>.fromOpaque(UnsafeRawPointer(instance)).takeUnretainedValue()
    }

    static func write(_ text: String, to buffer: UnsafeMutablePointer<CChar>?, capacity: Int) {
        guard let buffer, capacity > 0 else { return }
        var n = 0
        for byte in text.utf8 {
            if n + 1 >= capacity { break }
            buffer[n] = CChar(bitPattern: byte)
            n += 1
        }
        buffer[n] = 0
    }

    static func string(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }

    private static let createThunk:
        @convention(c) (
            UnsafePointer<bf_config_entry>?, Int, UnsafeMutablePointer<OpaquePointer?>?,
            UnsafeMutablePointer<CChar>?, Int
        ) -> Int32 = { config, count, out, message, capacity in
            guard let out, let type = PluginExport.pluginType else { return Int32(BF_PERMANENT) }
            out.pointee = nil
            var dict: [String: String] = [:]
            for i in 0..<count {
                if let config, let k = string(config[i].key) { dict[k] = string(config[i].value) ?? "" }
            }
            do {
                let plugin = try type.init(configuration: dict)
                out.pointee = OpaquePointer(Unmanaged.passRetained(Box(plugin)).toOpaque())
                return Int32(BF_OK)
            } catch let failure as PluginFailure {
                write(failure.message, to: message, capacity: capacity)
                return failure.status
            } catch {
                write("provider failed to start", to: message, capacity: capacity)
                return Int32(BF_PERMANENT)
            }
        }

    private static let destroyThunk: @convention(c) (OpaquePointer?) -> Void = { instance in
        guard let instance else { return }
        Unmanaged<Box>.fromOpaque(UnsafeRawPointer(instance)).release()
    }

    private static func finish(
        _ result: UnsafeMutablePointer<bf_page_result>?, _ body: () throws(PluginFailure) -> PageOutcome
    ) -> Int32 {
        do {
            let outcome = try body()
            if let result {
                result.pointee.rejected = UInt32(clamping: outcome.rejected)
                write(outcome.nextCursor, to: result.pointee.next_cursor, capacity: result.pointee.next_cursor_capacity)
            }
            return Int32(BF_OK)
        } catch {
            if let result {
                result.pointee.retry_after_ms = error.retryAfterMs
                write("", to: result.pointee.next_cursor, capacity: result.pointee.next_cursor_capacity)
                write(error.message, to: result.pointee.message, capacity: result.pointee.message_capacity)
            }
            return error.status
        }
    }

    private static let fetchCandlesThunk:
        @convention(c) (
            OpaquePointer?, UnsafePointer<bf_candle_request>?, UnsafeMutablePointer<bf_candle_sink>?,
            UnsafeMutablePointer<bf_page_result>?
        ) -> Int32 = { instance, request, sink, result in
            guard let box = box(instance), let request, let sink else { return Int32(BF_BAD_REQUEST) }
            let r = request.pointee
            let query = CandleQuery(
                symbol: string(r.symbol) ?? "", ticker: string(r.ticker), assetClass: r.asset_class,
                timeframe: r.timeframe, start: r.start_ms, end: r.end_ms,
                pageLimit: r.page_limit == 0 ? Int(sink.pointee.capacity) : Int(r.page_limit),
                cursor: string(r.cursor) ?? "")
            var page = CandlePage(sink: sink, limit: query.pageLimit)
            let status = finish(result) { () throws(PluginFailure) in
                try box.plugin.fetchCandles(query, into: &page)
            }
            result?.pointee.count = UInt32(page.count)
            return status
        }

    private static let fetchEventsThunk:
        @convention(c) (
            OpaquePointer?, UnsafePointer<bf_event_request>?, UnsafeMutablePointer<bf_event_sink>?,
            UnsafeMutablePointer<bf_page_result>?
        ) -> Int32 = { instance, request, sink, result in
            guard let box = box(instance), let request, let sink, let emit = sink.pointee.emit else {
                return Int32(BF_BAD_REQUEST)
            }
            let r = request.pointee
            let query = EventQuery(
                symbol: string(r.symbol) ?? "", ticker: string(r.ticker), assetClass: r.asset_class,
                wantsSplits: r.kinds & (1 << UInt32(BF_EVENT_SPLIT)) != 0,
                wantsDividends: r.kinds & (1 << UInt32(BF_EVENT_DIVIDEND)) != 0,
                wantsEarnings: r.kinds & (1 << UInt32(BF_EVENT_EARNINGS)) != 0,
                wantsTickerChanges: r.kinds & (1 << UInt32(BF_EVENT_TICKER_CHANGE)) != 0,
                wantsListings: r.kinds & (1 << UInt32(BF_EVENT_LISTING) | 1 << UInt32(BF_EVENT_DELISTING)) != 0,
                start: r.start_ms, end: r.end_ms, cursor: string(r.cursor) ?? "")
            var emitted: UInt32 = 0
            let status = finish(result) { () throws(PluginFailure) in
                try box.plugin.fetchEvents(query) { event in
                    var e = bf_event()
                    e.struct_size = UInt32(MemoryLayout<bf_event>.size)
                    e.pay_date_ms = Int64.min
                    e.record_date_ms = Int64.min
                    e.declaration_date_ms = Int64.min
                    switch event {
                    case .split(let date, let from, let to):
                        e.kind = Int32(BF_EVENT_SPLIT)
                        e.ex_date_ms = date
                        e.split_from = from
                        e.split_to = to
                    case .dividend(let ex, let cash, let currency, let pay, let record, let declared):
                        e.kind = Int32(BF_EVENT_DIVIDEND)
                        e.ex_date_ms = ex
                        e.cash_amount = cash
                        e.pay_date_ms = pay ?? Int64.min
                        e.record_date_ms = record ?? Int64.min
                        e.declaration_date_ms = declared ?? Int64.min
                        fill(&e.currency, currency)
                    case .earnings(let date, let x):
                        e.kind = Int32(BF_EVENT_EARNINGS)
                        e.ex_date_ms = date
                        e.report_time = x.time
                        e.fiscal_year = x.fiscalYear
                        e.eps_estimate = x.epsEstimate
                        e.eps_actual = x.epsActual
                        e.revenue_estimate = x.revenueEstimate
                        e.revenue_actual = x.revenueActual
                        fill(&e.fiscal_period, x.fiscalPeriod)
                        fill(&e.currency, x.currency)
                    case .tickerChange(let date, let ticker):
                        e.kind = Int32(BF_EVENT_TICKER_CHANGE)
                        e.ex_date_ms = date
                        fill(&e.ticker, ticker)
                    case .listing(let date):
                        e.kind = Int32(BF_EVENT_LISTING)
                        e.ex_date_ms = date
                    case .delisting(let date):
                        e.kind = Int32(BF_EVENT_DELISTING)
                        e.ex_date_ms = date
                    }
                    emitted += 1
                    return emit(sink.pointee.context, &e) == Int32(BF_OK)
                }
            }
            result?.pointee.count = emitted
            return status
        }
}

/// Writes `text` into a fixed-size C char array of the ABI, truncated to leave its NUL.
private func fill<Field>(_ field: inout Field, _ text: String) {
    withUnsafeMutableBytes(of: &field) { raw in
        for (i, byte) in text.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
    }
}
