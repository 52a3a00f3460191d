public import BackfillCore
public import BackfillOrchestrator
public import BackfillStore

/// `backfill report --html FILE`: the dashboard's heatmaps and the recent runs as one
/// self-contained HTML file (inline CSS and SVG, no script, nothing fetched), for cron users who
/// run no server.
public enum HTMLReport {
    /// The page.
    ///
    /// - Parameters:
    ///   - cells: every selected pair's completeness.
    ///   - runs: the recent runs, newest first.
    ///   - calendarLimit: at most this many series (those with gaps first) get a calendar.
    public static func page(
        database: String, generatedAt: Int64, range: (Int64, Int64), symbols: [Symbol], timeframes: [Timeframe],
        cells: [PairKey: PairCompleteness], runs: [RunRecord], calendarLimit: Int = 200
    ) -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Backfill completeness</title>
            <style>\(style)</style></head><body>
            <h1>Backfill completeness</h1>
            <p class="meta">\(Heatmap.escape(database)) · \(UTCTime.iso(range.0)) to \(UTCTime.iso(range.1)) (end exclusive) · \
            generated \(UTCTime.iso(generatedAt))</p>
            """
        html += section("Matrix", Heatmap.matrix(symbols: symbols, timeframes: timeframes, cells: cells) + Heatmap.legend)
        html += section("Gaps by class", gapCounts(cells))
        html += section("Recent runs", runTable(runs))
        var series = symbols.flatMap { s in timeframes.compactMap { tf in cells[PairKey(s, tf)].map { (PairKey(s, tf), $0) } } }
        series.sort { ($0.1.gaps.isEmpty ? 1 : 0, $0.0.symbol, $0.0.timeframe) < ($1.1.gaps.isEmpty ? 1 : 0, $1.0.symbol, $1.0.timeframe) }
        var calendars = ""
        for (key, cell) in series.prefix(calendarLimit) {
            let pct = (cell.percent * 10).rounded() / 10
            calendars += """
                <details class="series" data-symbol="\(Heatmap.escape(key.symbol.text))" data-timeframe="\(key.timeframe.rawValue)"\
                \(cell.gaps.isEmpty ? "" : " open")><summary>\(Heatmap.escape(key.symbol.text)) \(key.timeframe.rawValue): \
                \(cell.mark.rawValue) \(pct)%, \(cell.gaps.count) gap(s)</summary>
                \(Heatmap.calendar(symbol: key.symbol, timeframe: key.timeframe, sessions: cell.sessions))\(gapTable(cell.gaps))</details>
                """
        }
        if series.count > calendarLimit { calendars += "<p>\(series.count - calendarLimit) more series not drawn.</p>" }
        html += section("Series", calendars)
        return html + "</body></html>\n"
    }

    static func section(_ title: String, _ body: String) -> String { "<section><h2>\(title)</h2>\(body)</section>\n" }

    /// The gaps of a series as a table.
    public static func gapTable(_ gaps: [Gap]) -> String {
        guard !gaps.isEmpty else { return "<p class=\"none\">No gaps.</p>" }
        var t = "<table class=\"gaps\"><thead><tr><th>class</th><th>first missing bar</th><th>last</th><th>missing</th></tr></thead><tbody>"
        for g in gaps {
            t += """
                <tr class="gap" data-class="\(g.gapClass.rawValue)"><td>\(g.gapClass.rawValue)</td><td>\(UTCTime.iso(g.first))</td>\
                <td>\(UTCTime.iso(g.last))</td><td>\(g.missing)</td></tr>
                """
        }
        return t + "</tbody></table>"
    }

    static func gapCounts(_ cells: [PairKey: PairCompleteness]) -> String {
        var counts: [GapClass: (gaps: Int, bars: Int)] = [:]
        for cell in cells.values {
            for g in cell.gaps {
                let c = counts[g.gapClass] ?? (0, 0)
                counts[g.gapClass] = (c.gaps + 1, c.bars + g.missing)
            }
        }
        var t = "<table class=\"classes\"><thead><tr><th>class</th><th>gaps</th><th>missing bars</th></tr></thead><tbody>"
        for cls in GapClass.allCases {
            let c = counts[cls] ?? (0, 0)
            t += "<tr data-class=\"\(cls.rawValue)\"><td>\(cls.rawValue)</td><td>\(c.gaps)</td><td>\(c.bars)</td></tr>"
        }
        return t + "</tbody></table>"
    }

    static func runTable(_ runs: [RunRecord]) -> String {
        guard !runs.isEmpty else { return "<p class=\"none\">No runs yet.</p>" }
        var t = """
            <table class="runs"><thead><tr><th>id</th><th>started</th><th>duration</th><th>status</th><th>trigger</th>\
            <th>pairs</th><th>candles</th><th>gaps</th></tr></thead><tbody>
            """
        for r in runs {
            let seconds = r.finishedAt.map { Double($0 - r.startedAt) / 1000 }
            t += """
                <tr class="run" data-status="\(r.status)"><td>\(r.id)</td><td>\(UTCTime.iso(r.startedAt))</td>\
                <td>\(seconds.map { NumberFormat.decimal(($0 * 10).rounded() / 10) + " s" } ?? "-")</td><td>\(r.status)</td>\
                <td>\(Heatmap.escape(r.trigger ?? ""))</td><td>\(r.pairs)</td><td>\(r.candles)</td><td>\(r.gaps)</td></tr>
                """
        }
        return t + "</tbody></table>"
    }

    /// The stylesheet the report and the dashboard share.
    public static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1f2328;max-width:1200px}
        h1{font-size:22px}h2{font-size:17px;margin-top:28px}.meta{color:#59636e}
        table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d1d9e0;padding:3px 8px;text-align:left;font-variant-numeric:tabular-nums}
        th{background:#f6f8fa}.legend{display:flex;gap:14px;flex-wrap:wrap;margin:6px 0;color:#59636e}
        .legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-1px}
        .heatmap .cell{cursor:pointer}.heatmap .cell:hover rect,.heatmap .cell:focus rect{stroke:#1f2328;stroke-width:2}
        details.series{margin:10px 0}summary{cursor:pointer;font-weight:600}.none{color:#59636e}
        """
}
