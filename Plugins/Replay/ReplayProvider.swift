public import BackfillABI
import BackfillPluginSDK

/// The entry point the host looks up with dlsym.
@c(bf_provider_entry)
public func bf_provider_entry(
    _ hostVersion: UInt32, _ host: UnsafePointer<bf_host_services>?
) -> UnsafePointer<bf_provider_descriptor>? {
    PluginExport.entry(ReplayProvider.self, hostVersion: hostVersion, host: host)
}

/// Serves candles and corporate events from a folder of CSV files, like a vendor's API would:
/// only the requested range, ascending, in pages. See docs/providers/replay.md.
///
/// Options: `root` (the folder, required), `page_size` (rows per page at most, like a vendor's
/// page limit; default: as many as the host asks for),
/// `faults` (a fault plan, default `<root>/faults.json` when that file exists).
final class ReplayProvider: ProviderPlugin, @unchecked Sendable {
    static let info = ProviderInfo(
        name: "replay", version: "1.0.0",
        description: "Replays candles and corporate events from CSV files (offline, reproducible)",
        capabilities: [.candles, .splits, .dividends, .earnings, .tickerChanges, .listings, .threadSafe],
        defaultRate: 0, maxPageRows: 1_000_000,
        options: [
            ProviderOption("root", help: "the folder of replay files (what --replay-dir sets)"),
            ProviderOption("page_size", help: "rows per page, 1 to 1000000 (else the host's page size)"),
            ProviderOption("faults", help: "a fault plan (else ROOT/faults.json when it exists)"),
        ])

    let root: String
    let pageSize: Int
    let faults: FaultPlan
    private var files: [String: ReplayFile] = [:]
    private let lock = PlainLock()

    init(configuration: [String: String]) throws(PluginFailure) {
        guard let root = configuration["root"], !root.isEmpty else {
            throw .badRequest("replay provider needs option root=DIR (or --replay-dir DIR)")
        }
        guard FileSystem.isDirectory(root) else {
            throw .badRequest("replay root '\(root)' is not a folder")
        }
        self.root = root
        if let text = configuration["page_size"] {
            guard let n = Int(text), n > 0, n <= Int(Self.info.maxPageRows) else {
                throw .badRequest("replay option page_size='\(text)' must be a whole number from 1 to \(Self.info.maxPageRows)")
            }
            pageSize = n
        } else {
            // Without the option, pages are as large as the host asks (request page_limit).
            pageSize = Int(Self.info.maxPageRows)
        }
        let faultPath = configuration["faults"] ?? root + "/faults.json"
        if configuration["faults"] != nil || FileSystem.exists(faultPath) {
            faults = try FaultPlan(path: faultPath)
        } else {
            faults = FaultPlan()
        }
    }

    static func safe(_ symbol: String) -> Bool {
        !symbol.isEmpty && !symbol.hasPrefix(".") && !symbol.contains("/") && !symbol.contains("\0")
    }

    /// The mapped file for a path, remapped when the file changed; nil when it does not exist.
    private func file(at path: String) throws(PluginFailure) -> ReplayFile? {
        guard let stamp = MappedFile.stamp(of: path) else { return nil }
        let cached = lock.locked { files[path] }
        if let cached, cached.map.stamp == stamp { return cached }
        let map: MappedFile
        do { map = try MappedFile(path: path) } catch {
            switch error {
            case .missing: return nil
            case .unreadable(let why): throw .permanent("\(path): cannot read: \(why)")
            }
        }
        let file = try ReplayFile(map: map)
        lock.locked { files[path] = file }
        return file
    }

    /// The folder a symbol's candles are read from: the request's ticker when a folder of that
    /// name exists (the host asks for FB's bars under the ticker FB when META's chain says so),
    /// else the symbol's.
    func folder(_ symbol: String, _ ticker: String?) -> String {
        guard let ticker, ticker != symbol, Self.safe(ticker), FileSystem.isDirectory("\(root)/\(ticker)") else { return symbol }
        return ticker
    }

    func fetchCandles(_ query: CandleQuery, into page: inout CandlePage) throws(PluginFailure) -> PageOutcome {
        guard Self.safe(query.symbol) else { throw .badRequest("invalid symbol '\(query.symbol)'") }
        guard query.timeframe >= 0, Int(query.timeframe) < FaultPlan.timeframeNames.count else {
            throw .badRequest("unknown timeframe index \(query.timeframe)")
        }
        try faults.before(symbol: query.symbol, timeframe: query.timeframe)
        let tf = FaultPlan.timeframeNames[Int(query.timeframe)]
        let folder = self.folder(query.symbol, query.ticker)
        let path = "\(root)/\(folder)/\(tf).csv"
        guard let file = try file(at: path) else {
            throw .noData("no replay file for \(folder) \(tf) (\(path))")
        }
        // Cursor: "<offset>:<last ts>:<hidden mask>"; empty on the first page.
        var offset: Int
        var last = Int64.min
        var mask: UInt64
        if query.cursor.isEmpty {
            offset = file.seek(to: query.start)
            mask = faults.hiddenMask(symbol: query.symbol, timeframe: query.timeframe, start: query.start, end: query.end)
        } else {
            let parts = query.cursor.split(separator: ":")
            guard parts.count == 3, let o = Int(parts[0]), let l = Int64(parts[1]), let m = UInt64(parts[2]),
                o >= file.dataStart, o <= file.map.size
            else { throw .badRequest("invalid replay cursor '\(query.cursor)'") }
            offset = o
            last = l
            mask = m
        }
        let limit = min(page.capacity, pageSize)
        let pageStart = offset
        // Whatever way this call returns, the bytes it scanned are done with.
        defer { file.map.release(from: pageStart, to: offset) }
        var rejected = 0
        var served = 0
        let size = file.map.size
        while offset < size {
            let end = file.lineEnd(from: offset)
            let row = file.parse(from: offset, to: end)
            switch row {
            case .blank: break
            case .bad(let why):
                rejected += 1
                HostLog.warning("\(path):\(file.lineNumber(at: offset)): \(why); row skipped")
            case .candle(let ts, let o, let h, let l, let c, let v, let vw, let n):
                if ts >= query.end { return PageOutcome(nextCursor: "", rejected: rejected) }
                if ts < query.start { break }
                if ts <= last {
                    rejected += 1
                    let kind = ts == last ? "duplicate ts" : "ts out of order"
                    HostLog.warning("\(path):\(file.lineNumber(at: offset)): \(kind) \(ts); row skipped")
                    break
                }
                if served == limit {
                    return PageOutcome(nextCursor: "\(offset):\(last):\(mask)", rejected: rejected)
                }
                last = ts
                if faults.isHidden(ts, mask: mask) { break }
                page.append(ts: ts, open: o, high: h, low: l, close: c, volume: v, vwap: vw, trades: n)
                served += 1
            }
            offset = end
        }
        return PageOutcome(nextCursor: "", rejected: rejected)
    }

    func fetchEvents(_ query: EventQuery, emit: (CorporateEvent) -> Bool) throws(PluginFailure) -> PageOutcome {
        guard Self.safe(query.symbol) else { throw .badRequest("invalid symbol '\(query.symbol)'") }
        var rejected = 0
        if query.wantsSplits {
            rejected += try EventFile.read(
                path: "\(root)/\(query.symbol)/splits.csv", kind: .splits, start: query.start, end: query.end, emit: emit)
        }
        if query.wantsDividends {
            rejected += try EventFile.read(
                path: "\(root)/\(query.symbol)/dividends.csv", kind: .dividends, start: query.start, end: query.end,
                emit: emit)
        }
        if query.wantsEarnings {
            rejected += try EventFile.read(
                path: "\(root)/\(query.symbol)/earnings.csv", kind: .earnings, start: query.start, end: query.end, emit: emit)
        }
        if query.wantsTickerChanges {
            rejected += try EventFile.read(
                path: "\(root)/\(query.symbol)/ticker_changes.csv", kind: .tickerChanges, start: query.start, end: query.end,
                emit: emit)
        }
        if query.wantsListings {
            rejected += try EventFile.read(
                path: "\(root)/\(query.symbol)/listing.csv", kind: .listing, start: query.start, end: query.end, emit: emit)
        }
        return PageOutcome(nextCursor: "", rejected: rejected)
    }
}
