internal import BackfillCalendar
internal import BackfillCore
internal import BackfillStore

extension RunEngine {
    /// Stage 2: every pair's gaps against its calendar, from the store.
    func gapStage(_ state: inout RunState) async {
        emit(.stageStarted(.gaps))
        // Most pairs of a large universe may hold nothing: their lookups answer from one list.
        _ = try? await store.run { try $0.beginSeriesSnapshot() }
        for (index, (record, tf)) in state.pairs.enumerated() {
            guard !stop.isRequested else { break }
            let key = PairKey(record.symbol, tf)
            switch await detect(record, tf) {
            case .success(let c):
                state.completeness[key] = c
                state.report.gapsDetected += c.gaps
                emit(.gapsDetected(key, c.gaps))
            case .failure(let error):
                markUnreadable(&state.report.pairs[index])
                emit(.detectionFailed(key, error.message))
            }
        }
        _ = try? await store.run { $0.endSeriesSnapshot() }
        emit(.stageFinished(.gaps))
    }

    /// Stage 3: refetch each pair's fetch_failed and suspect gaps, up to `gapRetries` attempts,
    /// detecting again after each.
    func refillStage(_ state: inout RunState) async {
        emit(.stageStarted(.refill))
        for (index, (record, tf)) in state.pairs.enumerated() {
            let key = PairKey(record.symbol, tf)
            guard !stop.isRequested, let current = state.completeness[key], state.report.pairs[index].failure == nil else { continue }
            let snapshot = state.report.pairs[index]
            let runId = state.report.runId
            let (pair, after, filled) = await stop.cancellable { [self] in await refill(record, tf, current, snapshot, runId) }
            state.report.pairs[index] = pair
            state.completeness[key] = after
            state.report.summary.gapsFilled += filled
        }
        emit(.stageFinished(.refill))
    }

    /// Refill attempts of one pair; returns the pair's report, its completeness after the last
    /// attempt, and how many gaps were filled.
    private func refill(_ record: SymbolRecord, _ tf: Timeframe, _ start: PairCompleteness, _ pair: PairReport, _ runId: Int64?) async -> (
        PairReport, PairCompleteness, Int
    ) {
        var (pair, current, filled) = (pair, start, 0)
        let key = PairKey(record.symbol, tf)
        let attempts = options.gapRetries
        for attempt in 1...max(1, attempts) where attempts > 0 {
            let refillable = current.gaps.filter(\.gapClass.isHole)
            guard !refillable.isEmpty else { break }
            var fetched = 0
            if options.distributed {
                // All the pair's gaps at once, as jobs for the workers.
                for gap in refillable {
                    emit(.gapRefill(RunEvent.GapRefill(pair: key, gap: gap, attempt: attempt, maxAttempts: attempts, phase: .started)))
                }
                let sub = await distributedRefill(record, tf, refillable.map { refillKeys($0, tf) }, runId: runId)
                fetched = sub.candles
                pair.absorb(sub)
                if sub.stopped { return (pair, current, filled) }
            }
            for gap in refillable where !options.distributed {
                emit(.gapRefill(RunEvent.GapRefill(pair: key, gap: gap, attempt: attempt, maxAttempts: attempts, phase: .started)))
                var sub = PairReport(symbol: record.symbol, timeframe: tf)
                await fetchRanges(record, tf, [refillKeys(gap, tf)], stage: .refill, into: &sub)
                fetched += sub.candles
                pair.absorb(sub)
                if sub.stopped { return (pair, current, filled) }
            }
            let detected = await detect(record, tf)
            guard case .success(let after) = detected else {
                if case .failure(let error) = detected { emit(.warning("\(key): gap detection failed: \(error.message)")) }
                markUnreadable(&pair)
                break
            }
            for gap in refillable {
                let still = after.gaps.filter { $0.gapClass.isHole && $0.first <= gap.last && $0.last >= gap.first }
                let phase: RunEvent.GapRefill.Phase =
                    still.isEmpty ? .filled(candles: fetched) : .stillMissing(bars: still.reduce(0) { $0 + $1.missing })
                if still.isEmpty { filled += 1 }
                emit(.gapRefill(RunEvent.GapRefill(pair: key, gap: gap, attempt: attempt, maxAttempts: attempts, phase: phase)))
            }
            current = after
            for i in current.gaps.indices where current.gaps[i].gapClass.isHole { current.gaps[i].attempts = attempt }
        }
        return (pair, current, filled)
    }

    /// The bar keys a refill asks for: from the gap's first missing bar to the end of its last,
    /// with the refill margin, inside the run's range (fetchRanges widens them into the stamps a
    /// vendor may use).
    func refillKeys(_ gap: Gap, _ tf: Timeframe) -> (Int64, Int64) {
        let margin = ExpectedBars.refillMargin(tf)
        return (max(options.start, gap.first - margin), min(options.end, gap.last + tf.milliseconds + margin))
    }

    /// A pair whose gap detection could not read the store: it fails (a check that did not run
    /// must never read as "complete").
    private func markUnreadable(_ pair: inout PairReport) {
        pair.failure = pair.failure ?? "gap detection failed (store unreadable)"
        pair.status = .failed
    }

    /// Gap detection for one pair.
    func detect(_ record: SymbolRecord, _ tf: Timeframe) async -> Result<PairCompleteness, StoreError> {
        let (detector, a, b) = (self.detector, options.start, options.end)
        do {
            return .success(
                try await store.run {
                    try detector.detect(store: $0, symbol: record.symbol, assetClass: record.assetClass, timeframe: tf, start: a, end: b)
                })
        } catch {
            return .failure(error)
        }
    }

    /// Known-empty ranges are recorded so later runs never ask for them again.
    func recordKnownEmpty(_ state: RunState) async {
        for (key, c) in state.completeness {
            for gap in c.gaps where gap.gapClass == .providerEmpty {
                let record = CoverageRecord(
                    start: gap.first, end: gap.last + key.timeframe.milliseconds, provider: providerName, outcome: .empty,
                    recordedAt: UTCTime.now(), detail: "provider_empty: \(gap.missing) bars")
                _ = try? await store.run { try $0.recordCoverage(record, symbol: key.symbol, timeframe: key.timeframe) }
            }
        }
    }

    /// Each pair's final status, counts against the calendar and remaining gaps.
    func settlePairs(_ state: inout RunState) {
        for i in state.report.pairs.indices {
            let key = state.report.pairs[i].key
            guard let c = state.completeness[key] else {
                // Never checked: the run stopped before its gap detection.
                if state.report.pairs[i].failure == nil { state.report.pairs[i].status = .interrupted }
                continue
            }
            state.report.pairs[i].expected = c.expected
            state.report.pairs[i].present = c.present
            if state.report.pairs[i].failure == nil {
                state.report.pairs[i].status = state.report.pairs[i].stopped ? .interrupted : c.status
            }
            state.report.gapsRemaining += c.gaps
        }
    }
}
