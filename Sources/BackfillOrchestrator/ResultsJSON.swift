public import BackfillCore

/// A JSON value with ordered object keys, written without Foundation.
public indirect enum JSON: Sendable, Equatable {
    case object([(String, JSON)])
    case array([JSON])
    case string(String)
    case number(Double)
    case int(Int64)
    case bool(Bool)
    case null

    public static func == (a: JSON, b: JSON) -> Bool { a.text() == b.text() }

    /// The serialized text; `indent` > 0 pretty-prints.
    public func text(indent: Int = 0) -> String {
        var out = ""
        write(&out, indent: indent, level: 0)
        return out
    }

    private func write(_ out: inout String, indent: Int, level: Int) {
        let pad = indent > 0 ? "\n" + String(repeating: " ", count: indent * (level + 1)) : ""
        let close = indent > 0 ? "\n" + String(repeating: " ", count: indent * level) : ""
        switch self {
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (k, v)) in members.enumerated() {
                out += (i > 0 ? "," : "") + pad
                JSON.string(k).write(&out, indent: indent, level: level + 1)
                out += indent > 0 ? ": " : ":"
                v.write(&out, indent: indent, level: level + 1)
            }
            out += close + "}"
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, v) in items.enumerated() {
                out += (i > 0 ? "," : "") + pad
                v.write(&out, indent: indent, level: level + 1)
            }
            out += close + "]"
        case .string(let s):
            out += "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if u.value < 0x20 {
                        let hex = String(u.value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(u)
                    }
                }
            }
            out += "\""
        case .number(let d): out += d.isFinite ? NumberFormat.decimal(d) : "null"
        case .int(let i): out += String(i)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        }
    }
}

/// The results file of `backfill run` (schema in docs/results-json.md).
public enum ResultsJSON {
    /// Bumped when a field changes meaning or is removed; adding fields keeps the version.
    public static let schemaVersion = 1

    public static func gap(_ g: Gap) -> JSON {
        .object([
            ("symbol", .string(g.symbol.text)), ("timeframe", .string(g.timeframe.rawValue)),
            ("class", .string(g.gapClass.rawValue)), ("start", .string(UTCTime.iso(g.first))),
            ("end", .string(UTCTime.iso(g.last))), ("missing", .int(Int64(g.missing))), ("attempts", .int(Int64(g.attempts))),
        ])
    }

    /// The matrix as { symbol: { timeframe: {mark, expected, present, percent, status} } }.
    public static func matrix(_ report: RunReport) -> JSON {
        var rows: [(String, JSON)] = []
        for symbol in report.symbols {
            var cells: [(String, JSON)] = []
            for p in report.pairs where p.symbol == symbol {
                let mark = p.failure != nil ? "✗" : (p.status == .complete ? "✓" : (p.status == .emptyGaps ? "~" : "✗"))
                let percent = p.expected == 0 ? 100 : (Double(p.present) * 1000 / Double(p.expected)).rounded() / 10
                cells.append(
                    (
                        p.timeframe.rawValue,
                        .object([
                            ("mark", .string(mark)), ("status", .string(p.status.rawValue)), ("expected", .int(Int64(p.expected))),
                            ("present", .int(Int64(p.present))), ("percent", .number(percent)),
                        ])
                    ))
            }
            rows.append((symbol.text, .object(cells)))
        }
        return .object(rows)
    }

    public static func document(_ report: RunReport) -> JSON {
        let s = report.summary
        let summary: JSON = .object([
            ("started_at", .string(UTCTime.iso(s.startedAt))), ("finished_at", .string(UTCTime.iso(s.finishedAt))),
            ("duration_seconds", .number(Double(s.finishedAt - s.startedAt) / 1000)),
            ("provider", .string(report.provider)),
            ("range", .object([("start", .string(UTCTime.iso(report.rangeStart))), ("end", .string(UTCTime.iso(report.rangeEnd)))])),
            ("symbols_processed", .int(Int64(s.symbolsProcessed))), ("symbols_successful", .int(Int64(s.symbolsSuccessful))),
            ("symbols_failed", .int(Int64(s.symbolsFailed))), ("pairs", .int(Int64(s.pairs))),
            ("requests", .int(Int64(s.requests))), ("retries", .int(Int64(s.retries))),
            ("rate_limit_waits", .int(Int64(s.rateLimitWaits))), ("throttled_requests", .int(Int64(s.throttledRequests))),
            ("gaps_detected", .object(GapClass.allCases.map { ($0.rawValue, .int(Int64(s.gapsDetected[$0] ?? 0))) })),
            ("gaps_filled", .int(Int64(s.gapsFilled))), ("gaps_remaining", .int(Int64(s.gapsRemaining))),
            ("candles_inserted", .int(Int64(s.candlesInserted))), ("candles_updated", .int(Int64(s.candlesUpdated))),
            ("bad_rows_rejected", .int(Int64(s.badRowsRejected))), ("exit_code", .int(Int64(s.exitCode))),
        ])
        let pairs: JSON = .array(
            report.pairs.map { p in
                .object([
                    ("symbol", .string(p.symbol.text)), ("timeframe", .string(p.timeframe.rawValue)),
                    ("status", .string(p.status.rawValue)), ("candles", .int(Int64(p.candles))),
                    ("inserted", .int(Int64(p.inserted))), ("updated", .int(Int64(p.updated))),
                    ("rejected", .int(Int64(p.rejected))), ("requests", .int(Int64(p.requests))),
                    ("retries", .int(Int64(p.retries))), ("errors", .array(p.errors.map { .string($0) })),
                ])
            })
        return .object([
            ("schema_version", .int(Int64(schemaVersion))),
            ("summary", summary),
            ("options", .object(report.options.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("pairs", pairs),
            ("gaps_detected", .array(report.gapsDetected.map(gap))),
            ("gaps_remaining", .array(report.gapsRemaining.map(gap))),
            ("matrix", matrix(report)),
            ("errors", .array(report.errors.map { .string($0) })),
        ])
    }
}
