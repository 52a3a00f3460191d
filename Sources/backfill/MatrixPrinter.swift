import BackfillCore
import BackfillOrchestrator
import Foundation

/// The completeness matrix as text: symbols down, timeframes across.
enum MatrixPrinter {
    /// Cells: ✓ complete, ✗ holes remain or the pair failed, ~ only provider_empty or pending gaps, · not
    /// asked; with `percent`, the share of expected bars present.
    static func text(
        symbols: [Symbol], timeframes: [Timeframe], cell: (Symbol, Timeframe) -> (mark: String, percent: Double)?,
        percent: Bool
    ) -> String {
        let width = max(8, (symbols.map(\.text.count).max() ?? 0) + 2)
        let col = percent ? 8 : 6
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var lines = [pad("Symbol", width) + timeframes.map { pad($0.rawValue, col) }.joined()]
        lines.append(String(repeating: "-", count: width + col * timeframes.count))
        for s in symbols {
            var row = pad(s.text, width)
            for tf in timeframes {
                guard let c = cell(s, tf) else {
                    row += pad("·", col)
                    continue
                }
                row += pad(percent ? String(format: "%.1f%%", c.percent) : c.mark, col)
            }
            lines.append(row)
        }
        lines.append("✓ complete   ✗ holes remain (fetch_failed or suspect) or failed   ~ only provider_empty or pending gaps")
        return lines.joined(separator: "\n")
    }

    static func text(report: RunReport, percent: Bool = false) -> String {
        let byKey = Dictionary(uniqueKeysWithValues: report.pairs.map { ("\($0.symbol)/\($0.timeframe)", $0) })
        return text(
            symbols: report.symbols, timeframes: report.timeframes,
            cell: { s, tf in
                guard let p = byKey["\(s)/\(tf)"] else { return nil }
                let mark = p.failure != nil ? "✗" : (p.status == .complete ? "✓" : (p.status == .emptyGaps ? "~" : "✗"))
                return (mark, p.expected == 0 ? 100 : Double(p.present) * 100 / Double(p.expected))
            }, percent: percent)
    }
}
