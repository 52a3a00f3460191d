public import BackfillCore
public import BackfillOrchestrator
import Foundation

/// The completeness matrix as text: symbols down, timeframes across.
public enum MatrixText {
    /// Cells: ✓ complete, ✗ holes remain or the pair failed, ~ only provider_empty or pending
    /// gaps, ? not checked (interrupted), · not asked; with `percent`, the share of expected bars
    /// present.
    public static func text(
        symbols: [Symbol], timeframes: [Timeframe], cell: (Symbol, Timeframe) -> (mark: CompletenessMark, percent: Double)?,
        percent: Bool
    ) -> String {
        let width = max(8, (symbols.map(\.text.count).max() ?? 0) + 2)
        let col = percent ? 8 : 6
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var lines = [pad("Symbol", width) + timeframes.map { pad($0.rawValue, col) }.joined()]
        lines.append(String(repeating: "-", count: width + col * timeframes.count))
        var unchecked = false
        for s in symbols {
            var row = pad(s.text, width)
            for tf in timeframes {
                guard let c = cell(s, tf) else {
                    row += pad("·", col)
                    continue
                }
                unchecked = unchecked || c.mark == .unchecked
                row += pad(percent ? String(format: "%.1f%%", c.percent) : c.mark.rawValue, col)
            }
            lines.append(row)
        }
        var legend: [CompletenessMark] = [.complete, .holes, .quiet]
        if unchecked { legend.append(.unchecked) }
        lines.append(legend.map { "\($0.rawValue) \($0.meaning)" }.joined(separator: "   "))
        return lines.joined(separator: "\n")
    }

    /// The matrix of a run's report.
    public static func text(report: RunReport, percent: Bool = false) -> String {
        let byKey = Dictionary(uniqueKeysWithValues: report.pairs.map { ($0.key, $0) })
        return text(
            symbols: report.symbols, timeframes: report.timeframes,
            cell: { s, tf in byKey[PairKey(s, tf)].map { ($0.status.mark, $0.percent) } }, percent: percent)
    }
}
