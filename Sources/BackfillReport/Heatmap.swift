public import BackfillCore
public import BackfillOrchestrator

/// The completeness heatmaps as SVG, one renderer for the dashboard (which asks the server for
/// them) and `backfill report --html` (which inlines them): the matrix (symbols × timeframes,
/// each cell coloured by the share of expected bars present and marked ✓ ✗ ~ as in the text
/// matrix) and a series' calendar (one cell per session, by week, coloured the same way).
///
/// Every cell carries its facts as `data-` attributes (`data-symbol`, `data-timeframe`,
/// `data-mark`, `data-percent`; `data-date`, `data-expected`, `data-present`), so scripts and
/// tests read them from the page, and a `<title>` a browser shows on hover.
public enum Heatmap {
    /// The colour of a share of expected bars present (0...100): five steps, green to red.
    public static func colour(_ percent: Double, expected: Int = 1) -> String {
        guard expected > 0 else { return "#eaeef2" }
        switch percent {
        case 100...: return "#2da44e"
        case 99..<100: return "#7bc96f"
        case 90..<99: return "#e3b341"
        case 50..<90: return "#f0883e"
        default: return "#d1242f"
        }
    }

    /// The matrix heatmap. A pair without a cell is drawn empty (not asked).
    public static func matrix(symbols: [Symbol], timeframes: [Timeframe], cells: [PairKey: PairCompleteness]) -> String {
        let cellW = 54, cellH = 26, left = max(70, (symbols.map(\.text.count).max() ?? 4) * 8 + 16), top = 24
        let width = left + cellW * timeframes.count + 4, height = top + cellH * symbols.count + 4
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="heatmap matrix" width="\(width)" height="\(height)" \
            viewBox="0 0 \(width) \(height)" role="img" aria-label="completeness by symbol and timeframe" \
            font-family="ui-monospace, monospace" font-size="12">
            """
        for (c, tf) in timeframes.enumerated() {
            svg += "<text x=\"\(left + c * cellW + cellW / 2)\" y=\"16\" text-anchor=\"middle\">\(tf.rawValue)</text>"
        }
        for (r, s) in symbols.enumerated() {
            let y = top + r * cellH
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 17)\" text-anchor=\"end\">\(escape(s.text))</text>"
            for (c, tf) in timeframes.enumerated() {
                let x = left + c * cellW
                guard let cell = cells[PairKey(s, tf)] else {
                    svg += """
                        <g class="cell" data-symbol="\(escape(s.text))" data-timeframe="\(tf.rawValue)" data-mark="·">\
                        <rect x="\(x + 1)" y="\(y + 1)" width="\(cellW - 2)" height="\(cellH - 2)" rx="3" fill="#f6f8fa"/></g>
                        """
                    continue
                }
                let pct = (cell.percent * 10).rounded() / 10
                let title =
                    "\(s) \(tf): \(pct)% (\(cell.present) of \(cell.expected) bars), \(cell.status.rawValue), \(cell.gaps.count) gap(s)"
                svg += """
                    <g class="cell" data-symbol="\(escape(s.text))" data-timeframe="\(tf.rawValue)" data-mark="\(cell.mark.rawValue)" \
                    data-status="\(cell.status.rawValue)" data-percent="\(pct)" data-gaps="\(cell.gaps.count)" tabindex="0">\
                    <title>\(escape(title))</title>\
                    <rect x="\(x + 1)" y="\(y + 1)" width="\(cellW - 2)" height="\(cellH - 2)" rx="3" fill="\(colour(cell.percent, expected: cell.expected))"/>\
                    <text x="\(x + cellW / 2)" y="\(y + 17)" text-anchor="middle">\(cell.mark.rawValue)</text></g>
                    """
            }
        }
        return svg + "</svg>"
    }

    /// A series' calendar heatmap: weeks across, Monday to Sunday down; a day without a
    /// session (a weekend, a holiday) is left blank.
    public static func calendar(symbol: Symbol, timeframe: Timeframe, sessions: [SessionCount]) -> String {
        guard let first = sessions.first?.day, let last = sessions.last?.day else {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap calendar\" width=\"240\" height=\"20\">"
                + "<text x=\"0\" y=\"14\" font-size=\"12\">no sessions in the range</text></svg>"
        }
        let size = 12, gap = 2, left = 28, top = 18
        // Weeks start on Monday: weekday 0 is Sunday, so Monday-based row = (weekday + 6) % 7.
        func row(_ day: Int64) -> Int { (UTCTime.weekday(ofDays: day) + 6) % 7 }
        let firstMonday = first - Int64(row(first))
        let weeks = Int((last - firstMonday) / 7) + 1
        let width = left + weeks * (size + gap) + 4, height = top + 7 * (size + gap) + 4
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="heatmap calendar" width="\(width)" height="\(height)" \
            viewBox="0 0 \(width) \(height)" role="img" aria-label="\(escape(symbol.text)) \(timeframe.rawValue) completeness by session" \
            font-family="ui-monospace, monospace" font-size="10" data-symbol="\(escape(symbol.text))" data-timeframe="\(timeframe.rawValue)">
            """
        for (i, name) in ["Mon", "Wed", "Fri"].enumerated() {
            svg += "<text x=\"0\" y=\"\(top + (i * 2) * (size + gap) + 10)\">\(name)</text>"
        }
        var lastMonth = -1
        for s in sessions {
            let week = Int((s.day - firstMonday) / 7)
            let x = left + week * (size + gap), y = top + row(s.day) * (size + gap)
            let (year, month, dom) = UTCTime.civil(fromDays: s.day)
            if month != lastMonth && dom <= 7 {
                svg += "<text x=\"\(x)\" y=\"12\">\(monthNames[month - 1])\(month == 1 ? " \(year)" : "")</text>"
                lastMonth = month
            }
            let pct = s.expected == 0 ? 100 : Double(s.present) * 100 / Double(s.expected)
            let date = UTCTime.isoDate(s.day * UTCTime.msPerDay)
            svg += """
                <rect class="session" x="\(x)" y="\(y)" width="\(size)" height="\(size)" rx="2" fill="\(colour(pct, expected: s.expected))" \
                data-date="\(date)" data-expected="\(s.expected)" data-present="\(s.present)"><title>\(date): \(s.present) of \(s.expected) bars</title></rect>
                """
        }
        return svg + "</svg>"
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The legend of the colours, as HTML.
    public static var legend: String {
        let steps: [(Double, String)] = [(100, "100%"), (99.5, "99-100%"), (95, "90-99%"), (70, "50-90%"), (10, "under 50%")]
        return "<div class=\"legend\">"
            + steps.map { "<span><i style=\"background:\(colour($0.0))\"></i>\($0.1)</span>" }.joined()
            + "<span>✓ complete · ✗ holes (fetch_failed, suspect) · ~ only provider_empty or pending</span></div>"
    }

    /// Escapes text for XML and HTML.
    public static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
