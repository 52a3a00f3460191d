internal import BackfillCore
internal import BackfillStore

extension RunEngine {
    /// The events stage: splits and dividends of the run's symbols, ex dates from the range's
    /// start to a year after its end (declared future dividends).
    func eventsStage(_ state: inout RunState) async {
        emit(.stageStarted(.events))
        let fetcher = EventFetcher(instance: plan.instance, store: store, caller: caller)
        let (symbols, start, end) = (options.symbols, options.start, options.end + 366 * UTCTime.msPerDay)
        let outcomes = await stop.cancellable { await fetcher.fetch(symbols, start: start, end: end, standalone: false) }
        state.report.events = outcomes
        for o in outcomes {
            if let error = o.error { state.report.errors.append("\(o.symbol) events: \(error)") }
        }
        emit(.stageFinished(.events))
    }

    /// Always, after the refills: the stored bars this run's fetches changed (kept in
    /// `revisions`, also by workers of a distributed run) become `revisions` findings.
    func revisionStage(_ state: inout RunState) async {
        guard let id = state.report.runId else { return }
        let found = (try? await store.run { try $0.revisions(start: .min, end: .max, runId: id) }) ?? []
        guard !found.isEmpty else { return }
        let findings = RevisionCheck.findings(found)
        state.report.findings = findings
        emit(.verified(findings))
    }

    /// The verify stage: the checks of `backfill verify` over every pair's stored bars in the
    /// run's range (what was there and what this run stored); this run's revisions are already
    /// reported (``revisionStage(_:)``).
    func verifyStage(_ state: inout RunState) async {
        emit(.stageStarted(.verify))
        let pairs = state.pairs.map { ($0.record, $0.timeframe) }
        let verifier = Verifier(store: store, checks: VerifyCheck.defaults.filter { $0 != .revisions })
        let (start, end) = (options.start, options.end)
        do {
            let findings = try await verifier.verify(pairs, start: start, end: end)
            state.report.findings = (state.report.findings ?? []) + findings
            emit(.verified(findings))
        } catch {
            state.report.errors.append("verify: \(error.message)")
            state.report.findings = []
        }
        emit(.stageFinished(.verify))
    }

    /// The features stage: the features of every pair whose candles this run inserted or updated.
    func featuresStage(_ state: inout RunState) async {
        emit(.stageStarted(.features))
        let changed = state.report.pairs.filter { $0.failure == nil && $0.inserted + $0.updated > 0 }.map(\.key)
        let job = FeatureJob(store: store, concurrency: options.featureConcurrency) { [self] in emit($0) }
        let summary = await stop.cancellable { await job.run(changed, standalone: false) }
        state.report.features = summary
        for o in summary.outcomes {
            if let error = o.error { state.report.errors.append("\(o.pair) features: \(error)") }
        }
        emit(.stageFinished(.features))
    }

    /// `--record`: the stored rows of every pair that did not fail, as replay files.
    func recordStage(_ state: inout RunState, _ dir: String) async {
        let report = state.report
        do {
            let files = try await store.run { try Recorder.write(report: report, store: $0, to: dir) }
            emit(.recorded(folder: dir, files: files))
        } catch {
            state.report.errors.append("record: \(error.message)")
            emit(.warning("could not record to \(dir): \(error.message)"))
        }
    }

    /// Totals, status and exit code; the results document (file and runs row); the last event.
    func finish(_ state: inout RunState) async {
        summarize(&state.report)
        state.report.summary.throttledRequests = await limiter.throttled
        state.report.summary.rateLimitWaits = await limiter.pauses
        state.report.summary.finishedAt = UTCTime.now()
        var document = ResultsJSON.document(state.report)
        if let path = options.resultsPath {
            do {
                try AtomicFile.write(document.text(indent: 2) + "\n", to: path)
                state.report.resultsPath = path
            } catch {
                state.report.resultsError = error.message
                state.report.errors.append("results: \(error.message)")
                if state.report.summary.exitCode == 0 {
                    state.report.summary.exitCode = 1
                    state.report.summary.status = .incomplete
                }
                document = ResultsJSON.document(state.report)  // the runs row says why
            }
        }
        if let id = state.report.runId {
            let (report, summary) = (state.report, document.text())
            _ = try? await store.run { try $0.finishRun(RunRecord(report, summary: summary, id: id)) }
        }
        emit(.runFinished(state.report))
    }

    private func summarize(_ report: inout RunReport) {
        var s = report.summary
        let bySymbol = Dictionary(grouping: report.pairs, by: \.symbol)
        s.symbolsProcessed = bySymbol.count
        s.symbolsFailed = bySymbol.values.filter { $0.contains { $0.failure != nil } }.count
        s.symbolsSuccessful = s.symbolsProcessed - s.symbolsFailed
        var pairErrors: [String] = []
        for p in report.pairs {
            s.requests += p.requests
            s.retries += p.retries
            s.candlesInserted += p.inserted
            s.candlesUpdated += p.updated
            s.badRowsRejected += p.rejected
            pairErrors += p.errors.map { "\(p.symbol)/\(p.timeframe): \($0)" }
        }
        report.errors = pairErrors + report.errors
        s.requests += report.events.reduce(0) { $0 + $1.requests }
        s.requests += report.tickerChecks.reduce(0) { $0 + $1.requests }
        for g in report.gapsDetected { s.gapsDetected[g.gapClass, default: 0] += 1 }
        s.gapsRemaining = report.gapsRemaining.count
        report.stopReason = stop.reason
        if let reason = stop.reason {
            s.status = .interrupted
            s.exitCode = reason.exitCode
        } else {
            let holes = report.gapsRemaining.contains { $0.gapClass.isHole }
            let failed = report.pairs.contains { $0.failure != nil }
            let stagesFailed =
                report.events.contains { $0.error != nil } || report.features?.outcomes.contains { $0.error != nil } == true
                || report.findings?.contains { $0.severity == .error } == true
                || report.errors.contains { $0.hasPrefix("verify: ") }
            s.status = holes || failed || stagesFailed ? .incomplete : .complete
            s.exitCode = s.status == .complete ? 0 : 1
        }
        report.summary = s
    }
}
