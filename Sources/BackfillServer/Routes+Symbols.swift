import BackfillCore
import BackfillStore
import Hummingbird

/// `/api/v1/symbols`: the seed's `POST {"symbol": "AAPL", "asset_class": "stock"}` exactly
/// (also `ticker`), the list, deactivation (history kept) and reactivation.
extension API {
    static func json(_ r: SymbolRecord) -> JSON {
        .object([
            ("symbol", .string(r.symbol.text)), ("asset_class", .string(r.assetClass.rawValue)), ("active", .bool(r.active)),
            ("ticker", r.ticker.map { .string($0) } ?? .null), ("added_at", .string(UTCTime.iso(r.addedAt))),
        ])
    }

    func listSymbols(_ request: Request, _ context: ServerContext) async throws -> Response {
        let active = try Query(request).bool("active")
        let all = try await state.pool.run { try $0.symbols(activeOnly: false) }
        let chosen = all.filter { active == nil || $0.active == active }
        return .json(.object([("symbols", .array(chosen.map(Self.json)))]))
    }

    func addSymbol(_ request: Request, _ context: ServerContext) async throws -> Response {
        var request = request
        let body = try JSONBody(try await request.bodyBytes(context))
        try body.only(["symbol", "asset_class", "ticker"])
        let symbol = try Self.symbol(try body.string("symbol", required: true) ?? "", field: "field 'symbol'")
        let assetClass: AssetClass
        do { assetClass = try AssetClass.parse(try body.string("asset_class", required: true) ?? "") } catch let e as InputError {
            throw APIError.invalid("field 'asset_class': \(e.message)")
        }
        let ticker = try body.string("ticker")
        if let ticker, ticker.isEmpty || ticker.count > 64 { throw APIError.invalid("field 'ticker' must be 1 to 64 characters") }
        let record = SymbolRecord(symbol: symbol, assetClass: assetClass, ticker: ticker, addedAt: UTCTime.now())
        let (added, stored) = try await state.pool.run { store in
            let added = try store.upsertSymbols([record])
            return (added, try Self.record(store, symbol))
        }
        await audit(context, "symbol.add", symbol.text)
        return .json(Self.json(stored ?? record), added > 0 ? .created : .ok)
    }

    func updateSymbol(_ request: Request, _ context: ServerContext) async throws -> Response {
        var request = request
        let symbol = try Self.symbol(try context.parameters.require("symbol"), field: "path symbol")
        let body = try JSONBody(try await request.bodyBytes(context))
        try body.only(["active", "ticker"])
        let active = try body.bool("active")
        let ticker = try body.string("ticker")
        guard let existing = try await stored(symbol) else {
            throw APIError.notFound("no symbol '\(symbol)' (POST /api/v1/symbols adds it)")
        }
        let updated: SymbolRecord? = try await state.pool.run { store in
            if active == false {
                _ = try store.deactivate([symbol])
            } else {
                var r = existing
                if let ticker { r.ticker = ticker }
                _ = try store.upsertSymbols([r])
            }
            return try Self.record(store, symbol)
        }
        await audit(context, active == false ? "symbol.deactivate" : "symbol.update", symbol.text)
        return .json(Self.json(updated ?? existing))
    }

    func deactivateSymbol(_ request: Request, _ context: ServerContext) async throws -> Response {
        let symbol = try Self.symbol(try context.parameters.require("symbol"), field: "path symbol")
        guard try await stored(symbol) != nil else { throw APIError.notFound("no symbol '\(symbol)'") }
        let updated = try await state.pool.run { store in
            _ = try store.deactivate([symbol])
            return try Self.record(store, symbol)
        }
        await audit(context, "symbol.deactivate", symbol.text)
        return .json(updated.map(Self.json) ?? .null)
    }

    private func stored(_ symbol: Symbol) async throws -> SymbolRecord? {
        try await state.pool.run { try Self.record($0, symbol) }
    }

    /// The registry's record of `symbol`, active or not.
    /// A symbol's stored splits, dividends and earnings reports by date (`?kinds=` picks).
    func symbolEvents(_ request: Request, _ context: ServerContext) async throws -> Response {
        let symbol = try Self.symbol(context.parameters.get("symbol") ?? "", field: "path symbol")
        var kinds = Set(CorporateEvent.Kind.allCases)
        if let text = Query(request).string("kinds") {
            do throws(InputError) { kinds = try CorporateEvent.Kind.set(parsing: text) } catch {
                throw APIError.invalid("query 'kinds': \(error.message)")
            }
        }
        let (record, events) = try await state.pool.run { store in (try Self.record(store, symbol), try store.events(symbol: symbol)) }
        guard record != nil else { throw APIError.notFound("symbol '\(symbol)' is not registered") }
        let chosen = events.filter { kinds.contains($0.kind) }
        return .json(.object([("symbol", .string(symbol.text)), ("events", .array(chosen.map(\.rowJSON)))]))
    }

    static func record(_ store: any CandleStore, _ symbol: Symbol) throws(StoreError) -> SymbolRecord? {
        try store.symbols(activeOnly: false).first { $0.symbol == symbol }
    }

    static func symbol(_ text: String, field: String) throws(APIError) -> Symbol {
        do { return try Symbol(text) } catch { throw APIError.invalid("\(field): \(error.message)") }
    }
}
