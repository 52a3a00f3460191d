internal import BackfillCalendar
internal import BackfillCore
internal import BackfillPluginHost
internal import BackfillStore

extension RunEngine {
    /// Stage 1: every pair's missing ranges, `concurrency` pairs at a time, page by page.
    func fetchStage(_ state: inout RunState) async {
        emit(.stageStarted(.fetch))
        let pairs = state.pairs
        let todo = state.todo
        let fetched: [PairKey: PairReport] = await stop.cancellable { [self] in
            var done: [PairKey: PairReport] = [:]
            await withTaskGroup(of: PairReport.self) { group in
                var next = 0
                func launch() {
                    guard next < pairs.count, !Task.isCancelled else { return }
                    let (record, tf) = pairs[next]
                    next += 1
                    let ranges = todo[PairKey(record.symbol, tf)] ?? []
                    group.addTask { await self.fetchPair(record, tf, ranges) }
                }
                for _ in 0..<max(1, options.concurrency) { launch() }
                for await pair in group {
                    done[pair.key] = pair
                    emit(.pairFinished(pair))
                    launch()
                }
            }
            return done
        }
        // Report pairs in the order they were asked for; pairs a stop kept from starting say so.
        state.report.pairs = pairs.map { record, tf in
            if let p = fetched[PairKey(record.symbol, tf)] { return p }
            var p = PairReport(symbol: record.symbol, timeframe: tf)
            p.stopped = true
            emit(.pairFinished(p))
            return p
        }
        emit(.stageFinished(.fetch))
    }

    /// The failed report of a pair whose timeframe the provider does not serve (nil when it does).
    func unserved(_ symbol: Symbol, _ tf: Timeframe) -> PairReport? {
        guard !plan.instance.provider.timeframes.contains(tf) else { return nil }
        var report = PairReport(symbol: symbol, timeframe: tf)
        let failure = "provider '\(providerName)' does not serve \(tf)"
        report.status = .failed
        report.failure = failure
        report.errors.append(failure)
        return report
    }

    func fetchPair(_ record: SymbolRecord, _ tf: Timeframe, _ ranges: [(Int64, Int64)]) async -> PairReport {
        if let failed = unserved(record.symbol, tf) { return failed }
        var report = PairReport(symbol: record.symbol, timeframe: tf)
        if ranges.isEmpty {
            report.skippedCovered = true
            return report
        }
        await fetchRanges(record, tf, ranges, stage: .fetch, into: &report)
        return report
    }

    /// Fetches ranges of bar keys page by page through the provider caller (rate-limited,
    /// retried), validates each page and stores it with its coverage in one transaction.
    ///
    /// A range is cut at the symbol's ticker changes: before a rename, the provider is asked for
    /// the ticker of the time (FB's bars for META before 2022-06-11), stored under the symbol, and
    /// the coverage records the ticker.
    ///
    /// A stop ends it after the page in flight has been stored; the pair is then `stopped`.
    func fetchRanges(
        _ record: SymbolRecord, _ tf: Timeframe, _ ranges: [(Int64, Int64)], stage: RunStage, into report: inout PairReport
    ) async {
        let batch = plan.instance.makeBatch(capacity: pageLimit)
        let key = PairKey(record.symbol, tf)
        let (instance, limit) = (plan.instance, pageLimit)
        let chain = await tickerChain(record.symbol)
        // Nothing before the listing or after the delisting is asked for (gap detection knows
        // those bars are not expected: before_listing, after_delisting).
        let listing = await listing(record.symbol)
        let ranges = ranges.compactMap { listing.clip($0.0, $0.1) }
        let runId = currentRunId
        let source = CandleSource(provider: providerName, runId: runId)
        for (keysFrom, keysTo, renamed) in ranges.flatMap({ chain.segments($0.0, $0.1) }) {
            let (a, b) = ExpectedBars.requestRange(tf, keysFrom, keysTo)
            let request = CandleRequest(
                symbol: record.symbol, ticker: renamed ?? record.ticker, assetClass: record.assetClass, timeframe: tf, start: a, end: b)
            var cursor: String?
            var pageFrom = a
            var lastTs: Int64?
            pages: while true {
                let from = cursor
                let call = await caller.call(key.description) { () async throws(ProviderError) in
                    try await instance.fetchPage(request, cursor: from, into: batch, pageLimit: limit)
                }
                report.requests += call.requests
                report.retries += call.retries
                var totals = count(requests: call.requests, candles: 0)
                let page: PageInfo
                switch call.result {
                case .success(let p)?:
                    page = p
                case .failure(let error)? where error.kind == .noData:
                    report.noData = true
                    await saveCoverage(pageFrom, b, .empty, nil, renamed, key, &report)
                    break pages
                case .failure(let error)? where !call.stopped:
                    fail(error, &report)
                    await saveCoverage(pageFrom, b, .failed, error.description, renamed, key, &report)
                    break pages
                case .failure?, nil:
                    // Stopped while waiting for a slot or a retry: nothing answered, nothing to record.
                    report.stopped = true
                    return
                }
                let validation = batch.validate(start: a, end: b, after: lastTs)
                report.rejected += page.rejected + validation.rejected
                if let first = validation.first {
                    emit(
                        .rowsRejected(
                            RunEvent.RowsRejected(pair: key, count: validation.rejected, firstTs: first.ts, problem: first.problem.rawValue)
                        ))
                }
                let pageTo: Int64 = page.nextCursor == nil ? b : (batch.count > 0 ? batch.ts[batch.count - 1] + 1 : pageFrom)
                if batch.count > 0 { lastTs = batch.ts[batch.count - 1] }
                let coverage =
                    settled(pageTo) > pageFrom
                    ? CoverageRecord(
                        start: pageFrom, end: settled(pageTo), provider: providerName, outcome: .fetched, recordedAt: UTCTime.now(),
                        ticker: renamed, runId: runId, requestId: page.requestId)
                    : nil
                do {
                    let symbol = record.symbol
                    let counts = try await store.run {
                        try $0.write(batch, symbol: symbol, timeframe: tf, coverage: coverage, source: source)
                    }
                    report.candles += batch.count
                    report.inserted += counts.inserted
                    report.updated += counts.updated
                    totals = count(requests: 0, candles: batch.count)
                    emit(
                        .pageFetched(
                            RunEvent.Page(
                                pair: key, stage: stage, candles: batch.count, inserted: counts.inserted, updated: counts.updated,
                                requestsDone: totals.requests, requestsPlanned: totals.planned, candlesDone: totals.candles,
                                rate: limiter.rate)))
                } catch {
                    let message = "storage: \(error.message)"
                    report.errors.append(message)
                    report.status = .failed
                    report.failure = message
                    return
                }
                pageFrom = max(pageFrom, pageTo)
                guard let next = page.nextCursor else { break pages }
                if Task.isCancelled {
                    report.stopped = true
                    return
                }
                cursor = next
            }
            if Task.isCancelled {
                report.stopped = true
                return
            }
        }
    }

    /// A request that failed for good: the error is the pair's; statuses that no retry or
    /// later range can fix fail the pair.
    private func fail(_ error: ProviderError, _ report: inout PairReport) {
        report.errors.append(error.description)
        switch error.kind {
        case .unauthorized, .badRequest, .permanent, .crashed, .timedOut:
            // A crash or a hang that repeated in a fresh child process is the pair's failure:
            // its other ranges would only cost the plugin more crashes.
            report.status = .failed
            report.failure = error.description
        case .notEntitled:
            report.status = .notEntitled
            report.failure = error.description
        default: break
        }
    }

    /// `end` clipped to the settle window's start: the part of an answer that counts as final.
    func settled(_ end: Int64) -> Int64 { options.settleFrom.map { min(end, $0) } ?? end }

    private func saveCoverage(
        _ a: Int64, _ b: Int64, _ outcome: CoverageRecord.Outcome, _ detail: String?, _ ticker: String?, _ key: PairKey,
        _ report: inout PairReport
    ) async {
        guard a < b else { return }
        // An answer (fetched or empty) counts only up to the settle window; a failure is kept whole.
        let end = outcome == .failed ? b : settled(b)
        guard end > a else { return }
        let record = CoverageRecord(
            start: a, end: end, provider: providerName, outcome: outcome, recordedAt: UTCTime.now(), detail: detail, ticker: ticker,
            runId: currentRunId)
        do {
            try await store.run { try $0.recordCoverage(record, symbol: key.symbol, timeframe: key.timeframe) }
        } catch {
            report.errors.append("storage: \(error.message)")
        }
    }
}
