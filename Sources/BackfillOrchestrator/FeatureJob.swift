internal import BackfillCore
internal import BackfillFeatures
public import BackfillStore

/// Computes the v1 features of stored series with the C kernels and upserts them: `backfill
/// features` and the run's features stage (`run --features`) both use it.
///
/// Each pair's whole stored series is read in time order (so EMA, ATR and RSI never depend on
/// where a job starts), computed, and written in transactions of 50,000 rows; pairs run
/// `concurrency` at a time.
public struct FeatureJob: Sendable {
    public let store: StoreQueue
    public let concurrency: Int
    public let emit: @Sendable (RunEvent) -> Void

    public init(store: StoreQueue, concurrency: Int, emit: @escaping @Sendable (RunEvent) -> Void) {
        self.store = store
        self.concurrency = max(1, concurrency)
        self.emit = emit
    }

    /// Computes every pair; a cancelled task (a stop) starts no further pair.
    ///
    /// - Parameter standalone: true for `backfill features` (for the observers' presentation).
    public func run(_ pairs: [PairKey], standalone: Bool) async -> FeatureSummary {
        let clock = ContinuousClock()
        let started = clock.now
        var summary = FeatureSummary()
        summary.symbols = Set(pairs.map(\.symbol)).count
        summary.kernels = FeatureKernels.activePath.rawValue
        emit(
            .featuresStarted(
                RunEvent.FeaturesStarted(
                    pairs: pairs.count, symbols: summary.symbols, kernels: summary.kernels, concurrency: concurrency, standalone: standalone
                )))
        await withTaskGroup(of: FeatureOutcome.self) { group in
            var next = 0
            func launch() {
                guard next < pairs.count, !Task.isCancelled else { return }
                let pair = pairs[next]
                next += 1
                group.addTask { await self.compute(pair) }
            }
            for _ in 0..<concurrency { launch() }
            for await outcome in group {
                summary.outcomes.append(outcome)
                emit(.featuresComputed(outcome))
                launch()
            }
        }
        // Outcomes in the order the pairs were asked for, whatever order they finished in.
        let order = Dictionary(pairs.enumerated().map { ($0.element, $0.offset) }) { first, _ in first }
        summary.outcomes.sort { order[$0.pair, default: 0] < order[$1.pair, default: 0] }
        summary.seconds = Self.seconds(clock.now - started)
        emit(.featuresFinished(summary))
        return summary
    }

    /// One pair: read its whole series, compute, write.
    func compute(_ pair: PairKey) async -> FeatureOutcome {
        var o = FeatureOutcome(pair: pair)
        let clock = ContinuousClock()
        let (symbol, tf) = (pair.symbol, pair.timeframe)
        do {
            var t0 = clock.now
            let columns = try await store.run { try SeriesColumns.read($0, symbol: symbol, timeframe: tf) }
            o.read = Self.seconds(clock.now - t0)
            guard columns.count > 0 else { return o }
            t0 = clock.now
            let features = columns.features()
            o.compute = Self.seconds(clock.now - t0)
            o.processed = columns.count
            t0 = clock.now
            o.counts = try await store.run { store in
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
            o.write = Self.seconds(clock.now - t0)
        } catch {
            o.error = error.message
        }
        return o
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
