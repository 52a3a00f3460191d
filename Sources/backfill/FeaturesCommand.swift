import ArgumentParser
import BackfillCore
import BackfillFeatures
import BackfillOrchestrator
import BackfillStore
import Foundation

/// `backfill features`: compute the v1 features of stored candles and upsert them.
struct Features: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute ret_1, logret_1, vol_20, atr_14, natr_14, sma_20, ema_20, rsi_14, slope_20 for stored candles.",
        discussion: """
            Each symbol/timeframe is computed over its whole stored series in time order (so EMA, \
            ATR and RSI never depend on where a run starts) with the C kernels \
            (BACKFILL_KERNELS=scalar|avx2|avx512 forces a path), in parallel across pairs; rows are upserted \
            into the features table. docs/features.md states the arithmetic.
            """)

    @OptionGroup var selection: PairSelection
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Pairs computed at once (default: the number of cores).") var concurrency: Int?

    func run() async throws {
        if let problem = FeatureKernels.environmentProblem(Environment.all["BACKFILL_KERNELS"]) {
            throw CLIFailure.usage(problem)
        }
        let timeframes = try selection.timeframeList()
        let store = try db.open()
        let symbols = try selection.resolveSymbols(store)
        let writer = StoreWriter(store)
        let observer = ConsoleObserver()
        observer.banner("FEATURE ENRICHMENT PIPELINE STARTED")
        observer.line("Loaded \(symbols.count) symbol\(symbols.count == 1 ? "" : "s"); kernels: \(FeatureKernels.activePath.rawValue)")
        let pairs = symbols.flatMap { s in timeframes.map { (s.symbol, $0) } }
        let started = Date()
        let workers = max(1, concurrency ?? ProcessInfo.processInfo.activeProcessorCount)

        struct Outcome: Sendable {
            var symbol: Symbol
            var timeframe: Timeframe
            var processed = 0
            var counts = WriteCounts()
            var read = 0.0, compute = 0.0, write = 0.0
            var error: String?
        }
        var outcomes: [Outcome] = []
        await withTaskGroup(of: Outcome.self) { group in
            var next = 0
            func launch() {
                guard next < pairs.count else { return }
                let (symbol, tf) = pairs[next]
                next += 1
                group.addTask {
                    var o = Outcome(symbol: symbol, timeframe: tf)
                    do {
                        var t0 = Date()
                        let columns = try await writer.run { try SeriesColumns.read($0, symbol: symbol, timeframe: tf) }
                        o.read = Date().timeIntervalSince(t0)
                        guard columns.count > 0 else { return o }
                        t0 = Date()
                        let features = columns.features()
                        o.compute = Date().timeIntervalSince(t0)
                        o.processed = columns.count
                        t0 = Date()
                        o.counts = try await writer.run { store in
                            var counts = WriteCounts()
                            let chunk = FeatureBatch(capacity: 50_000)
                            var start = 0
                            while start < features.count {
                                let n = min(chunk.capacity, features.count - start)
                                chunk.ts.update(from: features.ts + start, count: n)
                                for k in chunk.columns.indices { chunk.columns[k].update(from: features.columns[k] + start, count: n) }
                                chunk.count = n
                                counts += try store.writeFeatures(chunk, symbol: symbol, timeframe: tf)
                                start += n
                            }
                            return counts
                        }
                        o.write = Date().timeIntervalSince(t0)
                    } catch let error as StoreError {
                        o.error = error.message
                    } catch {
                        o.error = "\(error)"
                    }
                    return o
                }
            }
            for _ in 0..<workers { launch() }
            for await o in group {
                outcomes.append(o)
                if let error = o.error {
                    observer.line("  \(o.symbol)/\(o.timeframe): ✗ \(error)")
                } else if o.processed > 0 {
                    observer.line(
                        "  \(o.symbol)/\(o.timeframe): ✓ processed=\(o.processed), inserted=\(o.counts.inserted), updated=\(o.counts.updated)"
                    )
                }
                launch()
            }
        }
        let processed = outcomes.reduce(0) { $0 + $1.processed }
        let failed = Set(outcomes.filter { $0.error != nil }.map(\.symbol))
        let read = outcomes.reduce(0) { $0 + $1.read }, compute = outcomes.reduce(0) { $0 + $1.compute }
        let write = outcomes.reduce(0) { $0 + $1.write }
        observer.stage("ENRICHMENT SUMMARY")
        observer.line("Duration: \(Orchestrator.duration(Date().timeIntervalSince(started)))")
        observer.line("Symbols Processed: \(symbols.count)")
        observer.line("  Successful: \(symbols.count - failed.count)")
        observer.line("  Failed: \(failed.count)")
        observer.line("Total Records Processed: \(Orchestrator.group(processed))")
        observer.line(
            "Total Features Computed: \(Orchestrator.group(processed * FeatureBatch.names.count)) (\(FeatureBatch.names.count) per record)")
        let total = max(1e-9, read + compute + write)
        observer.line(
            String(
                format: "Time split: store read %.2fs (%.0f%%), kernels %.3fs (%.1f%%), store write %.2fs (%.0f%%)",
                read, read / total * 100, compute, compute / total * 100, write, write / total * 100))
        observer.rule()
        if !failed.isEmpty { throw CLIFailure(message: "", exitCode: 1) }
    }
}
