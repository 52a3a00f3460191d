internal import BackfillCore
public import BackfillStore
import Foundation

/// `--record DIR`: what the run stored for its range, written into the replay provider's folder
/// format (merged with rows already recorded outside the range), so the run replays offline.
public enum Recorder {
    /// Writes `<dir>/<SYMBOL>/<timeframe>.csv` for every pair of the report that did not fail.
    ///
    /// - Returns: the number of files written.
    public static func write(report: RunReport, store: any CandleStore, to dir: String) throws -> Int {
        var files = 0
        for p in report.pairs where p.failure == nil {
            let folder = dir + "/" + p.symbol.text
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let path = folder + "/\(p.timeframe.rawValue).csv"
            var rows: [Int64: String] = [:]
            if let old = try? String(contentsOfFile: path, encoding: .utf8) {
                for line in old.split(separator: "\n").dropFirst() {
                    guard let ts = Int64(line.prefix { $0 != "," }), ts < report.rangeStart || ts >= report.rangeEnd else { continue }
                    rows[ts] = String(line)
                }
            }
            try store.readCandles(symbol: p.symbol, timeframe: p.timeframe, start: report.rangeStart, end: report.rangeEnd, batchSize: 8192)
            { batch in
                for i in 0..<batch.count { rows[batch.ts[i]] = CandleCSV.line(batch, i) }
            }
            var text = CandleCSV.header
            for (_, line) in rows.sorted(by: { $0.key < $1.key }) { text += line + "\n" }
            try AtomicFile.write(text, to: path)
            files += 1
        }
        return files
    }
}
