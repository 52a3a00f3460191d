internal import BackfillCore
internal import BackfillFeatures
public import BackfillStore

/// Computes the v1 features of stored series with the C kernels and upserts them: `backfill
/// features` and the run's features stage (`run --features`) both use it.
///
/// Each pair's series is read in time order a chunk at a time (``FeatureStream``: the same bits as
/// one pass over the whole series, memory flat whatever its length), computed, and written a
/// chunk per transaction. After each chunk the stream's state is stored as a checkpoint, so the
/// next job reads only the bars after the last one computed, unless a write inserted or changed
/// candles before it (that write dropped the checkpoints after its first changed bar: the job
/// resumes from the newest one left). Pairs run `concurrency` at a time.
public struct FeatureJob: Sendable {
    public let store: StoreQueue
    /// Where chunks are read (a second connection, so reads overlap the writes); nil: `store`.
    public let reader: StoreQueue?
    public let concurrency: Int
    /// Every pair from its first bar (checkpoints dropped).
    public let force: Bool
    /// Bars per chunk.
    public let chunk: Int
    public let emit: @Sendable (RunEvent) -> Void

    /// Bars per chunk by default: about 15 columns of 8-byte values in memory, 8 MiB a pair.
    public static let defaultChunk = 65_536

    public init(
        store: StoreQueue, reader: StoreQueue? = nil, concurrency: Int, force: Bool = false, chunk: Int = FeatureJob.defaultChunk,
        emit: @escaping @Sendable (RunEvent) -> Void
    ) {
        self.store = store
        self.reader = reader
        self.concurrency = max(1, concurrency)
        self.force = force
        self.chunk = max(1, chunk)
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

    /// One pair, a chunk at a time: resume after the newest checkpoint computed on the active
    /// path (or from the first bar), read a chunk, compute it, write its rows, store the stream's
    /// state after it, and go on until the series ends.
    func compute(_ pair: PairKey) async -> FeatureOutcome {
        var o = FeatureOutcome(pair: pair)
        let clock = ContinuousClock()
        let (symbol, tf) = (pair.symbol, pair.timeframe)
        let (path, force, chunk) = (FeatureKernels.activePath, force, chunk)
        do {
            var t0 = clock.now
            let (stream, after) = try await store.run { store in
                try Self.start(store, symbol, tf, path: path, force: force, chunk: chunk)
            }
            o.resumed = stream.bars
            o.read += Self.seconds(clock.now - t0)
            var from = after.map { $0 + 1 } ?? .min
            var saving = true
            // The next chunk is read (on the reader's connection) while this one is written, so
            // the store's read and write overlap; the stream copies a chunk in before the next
            // read reuses the buffer.
            let buffer = CandleBatch(capacity: chunk)
            let reader = self.reader ?? store
            func read(_ start: Int64, _ buffer: CandleBatch) -> Task<(Int64, Int, Double), any Error> {
                Task {
                    let t = ContinuousClock.now
                    let (revision, got) = try await reader.run { store in
                        (
                            try store.candleRevision(symbol: symbol, timeframe: tf),
                            try store.readPrices(symbol: symbol, timeframe: tf, from: start, into: buffer)
                        )
                    }
                    return (revision, got, Self.seconds(ContinuousClock.now - t))
                }
            }
            var next = read(from, buffer)
            defer { next.cancel() }
            while true {
                let (revision, got, readSeconds) = try await next.value
                o.read += readSeconds
                guard got > 0 else { break }
                stream.append(buffer, count: got)
                t0 = clock.now
                let rows = stream.compute()
                o.compute += Self.seconds(clock.now - t0)
                o.processed += rows.count
                let last = rows.ts[rows.count - 1]
                from = last + 1
                let more = got == chunk
                if more { next = read(from, buffer) }
                let checkpoint = FeatureCheckpoint(ts: last, bars: stream.bars, path: stream.path.rawValue, state: stream.checkpoint)
                t0 = clock.now
                let keep = saving
                let (counts, saved) = try await store.run { store in
                    let counts = try store.writeFeatures(rows, symbol: symbol, timeframe: tf)
                    let saved =
                        keep
                        ? try store.saveFeatureCheckpoint(
                            checkpoint, symbol: symbol, timeframe: tf, revision: revision, spacing: chunk) : false
                    return (counts, saved)
                }
                o.write += Self.seconds(clock.now - t0)
                o.counts += counts
                // Candles changed under the computation: its rows stand until the next run, which
                // resumes before the change (the write dropped the checkpoints after it).
                if !saved { saving = false }
                guard more else { break }
            }
            o.changedDuring = !saving
        } catch let error as StoreError {
            o.error = error.message
        } catch {
            o.error = "\(error)"
        }
        return o
    }

    /// The stream a pair's computation starts with, and the last bar it already covers: the
    /// newest checkpoint's (when it was computed on `path` and its history bars are there), else
    /// a new stream from the first bar, every checkpoint dropped.
    static func start(_ store: any CandleStore, _ symbol: Symbol, _ tf: Timeframe, path: FeatureKernels.Path, force: Bool, chunk: Int)
        throws -> (FeatureStream, Int64?)
    {
        let newest = try store.latestFeatureCheckpoint(symbol: symbol, timeframe: tf)
        if !force, let cp = newest, cp.path == path.rawValue {
            let history = try store.lastCandles(
                symbol: symbol, timeframe: tf, through: cp.ts, count: min(FeatureStream.history, cp.bars))
            if history.count > 0, history.ts[history.count - 1] == cp.ts,
                let stream = FeatureStream(chunk: chunk, checkpoint: cp.state, history: history)
            {
                return (stream, cp.ts)
            }
        }
        // From the first bar: checkpoints of another path or build go (none: nothing to write).
        if newest != nil { try store.dropFeatureCheckpoints(symbol: symbol, timeframe: tf) }
        return (FeatureStream(chunk: chunk, path: path), nil)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
