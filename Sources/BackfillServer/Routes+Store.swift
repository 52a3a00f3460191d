import BackfillCore
import BackfillOrchestrator
import BackfillPluginHost
import BackfillPresentation
import BackfillReport
import BackfillSettings
import BackfillSetup
import BackfillStore
import HTTPTypes
import Hummingbird
import NIOCore

/// What the store holds, read the way `backfill matrix`, `gaps` and `export` read it: the
/// completeness matrix, gaps with their class, a series' sessions, and candles and features
/// streamed in chunks.
extension API {
    /// The completeness of the query's pairs and range (`symbols`, `timeframes`, `days` or
    /// `start`/`end`, `provider`), with the server's settings as defaults.
    func completeness(_ q: Query, symbols: String? = nil, timeframe: String? = nil, sessions: Bool = false) async throws
        -> Setup.Completeness
    {
        var flags = q.reportFlags
        if let symbols { flags.set("run.symbols", list: [symbols], flag: "path symbol") }
        if let timeframe { flags.set("run.timeframes", list: [timeframe], flag: "path timeframe") }
        let settings = try await state.launcher.settings(flags)
        let (start, end, provider, registry) = (q.string("start"), q.string("end"), q.string("provider"), state.registry)
        // A mistake in the query is a SetupError: carried out of the store's queue as it is
        // (the queue would make any other error a database failure).
        let result: Result<Setup.Completeness, SetupError> = try await state.pool.run { store in
            do throws(SetupError) {
                return .success(
                    try Setup.completeness(
                        settings, store: store, start: start, end: end, provider: provider, registry: { () throws(SetupError) in registry },
                        names: ("start", "end"), sessions: sessions))
            } catch {
                return .failure(error)
            }
        }
        do { return try result.get() } catch { throw APIError.setup(error) }
    }

    func matrix(_ request: Request, _ context: ServerContext) async throws -> Response {
        let q = Query(request)
        let format = try q.choice("format", ["json", "text", "svg"])
        let percent = try q.bool("percent") ?? false
        let c = try await completeness(q)
        switch format {
        case "svg":
            return .text(Heatmap.matrix(symbols: c.symbols, timeframes: c.timeframes, cells: c.cells), type: "image/svg+xml")
        case "text":
            let text = MatrixText.text(
                symbols: c.symbols, timeframes: c.timeframes, cell: { s, tf in c.cells[PairKey(s, tf)].map { ($0.mark, $0.percent) } },
                percent: percent)
            return .text(text + "\n", type: "text/plain; charset=utf-8")
        default:
            let rows: [JSON] = c.symbols.map { s in
                .object([
                    ("symbol", .string(s.text)),
                    (
                        "cells",
                        .object(
                            c.timeframes.compactMap { tf in
                                guard let cell = c.cells[PairKey(s, tf)] else { return nil }
                                var fields: [(String, JSON)] = [
                                    ("mark", .string(cell.mark.rawValue)), ("status", .string(cell.status.rawValue)),
                                    ("expected", .int(Int64(cell.expected))), ("present", .int(Int64(cell.present))),
                                    ("gaps", .int(Int64(cell.gaps.count))),
                                ]
                                if percent { fields.append(("percent", .number((cell.percent * 10).rounded() / 10))) }
                                return (tf.rawValue, .object(fields))
                            })
                    ),
                ])
            }
            return .json(
                .object([
                    ("range", Self.range(c.range)), ("timeframes", .array(c.timeframes.map { .string($0.rawValue) })),
                    ("symbols", .array(rows)),
                ]))
        }
    }

    static func range(_ r: (Int64, Int64)) -> JSON {
        .object([("start", .string(UTCTime.iso(r.0))), ("end", .string(UTCTime.iso(r.1)))])
    }

    func gaps(_ request: Request, _ context: ServerContext) async throws -> Response {
        let q = Query(request)
        let classes = try q.string("class").map { text throws(APIError) in
            try text.split(separator: ",").map { name throws(APIError) in
                guard let c = GapClass(rawValue: String(name)) else {
                    throw APIError.invalid(
                        "query parameter 'class': unknown gap class '\(name)'; classes: \(GapClass.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                return c
            }
        }
        let c = try await completeness(q, symbols: q.string("symbol"), timeframe: q.string("timeframe"))
        var gaps: [Gap] = []
        for s in c.symbols { for tf in c.timeframes { gaps += c.cells[PairKey(s, tf)]?.gaps ?? [] } }
        if let classes { gaps = gaps.filter { classes.contains($0.gapClass) } }
        return .json(.object([("range", Self.range(c.range)), ("gaps", .array(gaps.map(ResultsJSON.gap)))]))
    }

    func sessions(_ request: Request, _ context: ServerContext) async throws -> Response {
        let q = Query(request)
        let format = try q.choice("format", ["json", "svg"])
        let (symbol, tf) = try Self.series(context)
        let c = try await completeness(q, symbols: symbol.text, timeframe: tf.rawValue, sessions: true)
        let cell = c.cells[PairKey(symbol, tf)]
        let sessions = cell?.sessions ?? []
        if format == "svg" {
            return .text(Heatmap.calendar(symbol: symbol, timeframe: tf, sessions: sessions), type: "image/svg+xml")
        }
        return .json(
            .object([
                ("symbol", .string(symbol.text)), ("timeframe", .string(tf.rawValue)), ("range", Self.range(c.range)),
                ("mark", cell.map { .string($0.mark.rawValue) } ?? .null),
                (
                    "sessions",
                    .array(
                        sessions.map { s in
                            .object([
                                ("date", .string(UTCTime.isoDate(s.day * UTCTime.msPerDay))), ("expected", .int(Int64(s.expected))),
                                ("present", .int(Int64(s.present))),
                            ])
                        })
                ),
                ("gaps", .array((cell?.gaps ?? []).map(ResultsJSON.gap))),
            ]))
    }

    static func series(_ context: ServerContext) throws(APIError) -> (Symbol, Timeframe) {
        let symbol = try symbol(context.parameters.get("symbol") ?? "", field: "path symbol")
        do { return (symbol, try Timeframe.parse(context.parameters.get("timeframe") ?? "")) } catch {
            throw APIError.invalid("path timeframe: \(error.message)")
        }
    }

    func candles(_ request: Request, _ context: ServerContext) async throws -> Response {
        try await stream(request, context, header: CandleCSV.header, columns: "candles") { store, s, tf, from, to, rows, csv in
            var chunk = Chunk()
            do {
                try store.readCandles(symbol: s, timeframe: tf, start: from, end: to, batchSize: rows) { b in
                    for i in 0..<b.count {
                        if csv {
                            chunk.text += CandleCSV.line(b, i) + "\n"
                        } else {
                            if chunk.rows + i > 0 { chunk.text += ",\n" }
                            var line = CandleCSV.jsonLine(b, i, symbol: s, timeframe: tf)
                            line.removeLast()
                            chunk.text += line
                        }
                    }
                    chunk.rows += b.count
                    chunk.last = b.count > 0 ? b.ts[b.count - 1] : nil
                    throw ChunkRead.full
                }
            } catch ChunkRead.full {}
            return chunk
        }
    }

    func features(_ request: Request, _ context: ServerContext) async throws -> Response {
        let header = "ts," + FeatureBatch.names.joined(separator: ",") + "\n"
        return try await stream(request, context, header: header, columns: "features") { store, s, tf, from, to, rows, csv in
            var chunk = Chunk()
            do {
                try store.readFeatures(symbol: s, timeframe: tf, start: from, end: to, batchSize: rows) { b in
                    for i in 0..<b.count {
                        if csv {
                            chunk.text += b.csvLine(i) + "\n"
                        } else {
                            if chunk.rows + i > 0 { chunk.text += ",\n" }
                            chunk.text += b.jsonObject(i)
                        }
                    }
                    chunk.rows += b.count
                    chunk.last = b.count > 0 ? b.ts[b.count - 1] : nil
                    throw ChunkRead.full
                }
            } catch ChunkRead.full {}
            return chunk
        }
    }

    /// Ends a store read after its first batch: a chunk is read per store call, so a long
    /// series never sits in memory and the connection is free between chunks.
    enum ChunkRead: Error { case full }

    /// Rows read per store call while streaming (one SQL query each).
    static let chunkRows = 10_000

    /// Rows read by one store call, as text (CSV lines, or JSON objects separated by commas),
    /// their number and the last row's time.
    struct Chunk: Sendable {
        var text = ""
        var rows = 0
        var last: Int64?
    }

    /// Streams a series' rows in `[start, end)`, at most `limit` (default 10,000, at most
    /// 100,000) in chunks of ``chunkRows``, as CSV or as one JSON document whose `next` is the query
    /// for the following page (null at the end).
    func stream(
        _ request: Request, _ context: ServerContext, header: String, columns: String,
        read: @escaping @Sendable (any CandleStore, Symbol, Timeframe, Int64, Int64, Int, Bool) throws -> Chunk
    ) async throws -> Response {
        let q = Query(request)
        let (symbol, tf) = try Self.series(context)
        let format = try q.choice("format", ["json", "csv"])
        let limit = try q.int("limit", default: 10_000, range: 1...100_000)
        let from = try q.time("start") ?? 0
        let to = try q.time("end") ?? Int64.max
        guard from < to else { throw APIError.invalid("query parameter 'start' must be before 'end'") }
        let known = try await state.pool.run { try Self.record($0, symbol) != nil }
        guard known else { throw APIError.notFound("no symbol '\(symbol)'") }
        let pool = state.pool
        let path = request.uri.path
        let body = ResponseBody { writer in
            var cursor = from, sent = 0, more = false
            if format == "csv" {
                try await writer.write(ByteBuffer(string: header))
            } else {
                try await writer.write(ByteBuffer(string: "{\"symbol\":\"\(symbol)\",\"timeframe\":\"\(tf)\",\"\(columns)\":["))
            }
            while sent < limit {
                let rows = min(Self.chunkRows, limit - sent)
                let start = cursor
                let chunk: Chunk = try await pool.run { store in
                    try read(store, symbol, tf, start, to, rows, format == "csv")
                }
                // A full chunk may have more behind it; a short one ends the range.
                let n = chunk.rows
                if n == 0 { break }
                try await writer.write(ByteBuffer(string: format == "csv" ? chunk.text : (sent > 0 ? ",\n" : "\n") + chunk.text))
                sent += n
                cursor = (chunk.last ?? cursor) + 1
                more = n == rows
                if n < rows { break }
            }
            if format == "json" {
                let next =
                    more && sent == limit
                    ? "\"\(path)?format=json&start=\(cursor)\(to == Int64.max ? "" : "&end=\(to)")&limit=\(limit)\""
                    : "null"
                try await writer.write(ByteBuffer(string: "\n],\"next\":\(next)}\n"))
            }
            try await writer.finish(nil)
        }
        let type = format == "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8"
        return Response(status: .ok, headers: [.contentType: type], body: body)
    }
}
