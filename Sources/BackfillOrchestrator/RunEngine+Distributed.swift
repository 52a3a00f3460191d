internal import BackfillCalendar
internal import BackfillCore
internal import BackfillPluginHost
internal import BackfillStore
import Foundation

/// What a worker reports for a job: its part of the pair's report.
struct JobResult: Codable {
    var candles = 0
    var inserted = 0
    var updated = 0
    var rejected = 0
    var requests = 0
    var retries = 0
    var errors: [String] = []
    var failure: String?
    var status: PairReport.Status = .complete
    var noData = false
    var stopped = false

    init(_ r: PairReport) {
        (candles, inserted, updated, rejected, requests, retries) = (r.candles, r.inserted, r.updated, r.rejected, r.requests, r.retries)
        (errors, failure, status, noData, stopped) = (r.errors, r.failure, r.status, r.noData, r.stopped)
    }

    var text: String { (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}" }

    static func parse(_ text: String?) -> JobResult? {
        text.flatMap { try? JSONDecoder().decode(JobResult.self, from: Data($0.utf8)) }
    }
}

extension PairReport {
    /// Adds a job's part of the work, with its failure (the first that fails the pair wins).
    mutating func absorb(job: Job) {
        switch job.state {
        case .done:
            guard let r = JobResult.parse(job.result) else { return absorbFailure("job \(job.id): its result is unreadable") }
            var part = PairReport(symbol: symbol, timeframe: timeframe)
            (part.candles, part.inserted, part.updated, part.rejected) = (r.candles, r.inserted, r.updated, r.rejected)
            (part.requests, part.retries, part.errors, part.stopped) = (r.requests, r.retries, r.errors, r.stopped)
            absorb(part)
            noData = noData || r.noData
            if failure == nil, r.status == .failed || r.status == .notEntitled {
                failure = r.failure
                status = r.status
            }
        case .failed:
            absorbFailure("job \(job.id) failed: \(job.error ?? "no reason recorded")")
        case .pending, .claimed, .cancelled:
            stopped = true
        }
    }

    private mutating func absorbFailure(_ message: String) {
        errors.append(message)
        if failure == nil {
            failure = message
            status = .failed
        }
    }
}

extension RunEngine {
    /// Bars per job at most: a job is a few pages, so a lost worker costs little to redo.
    static let jobBars: Int64 = 100_000

    /// Stage 1 of a distributed run: the planned ranges as jobs in the database, fetched by
    /// whichever workers claim them; waits until every job is done, failed or cancelled.
    func distributedFetchStage(_ state: inout RunState) async {
        emit(.stageStarted(.fetch))
        var planned: [(PairKey, JobSpec)] = []
        var reports: [PairKey: PairReport] = [:]
        for (record, tf) in state.pairs {
            let key = PairKey(record.symbol, tf)
            if let failed = unserved(record.symbol, tf) {
                reports[key] = failed
                continue
            }
            var report = PairReport(symbol: record.symbol, timeframe: tf)
            let ranges = state.todo[key] ?? []
            report.skippedCovered = ranges.isEmpty
            reports[key] = report
            planned += jobSpecs(record, tf, ranges, stage: .fetch).map { (key, $0) }
        }
        for job in await runJobs(state.report.runId, planned.map(\.1), stage: .fetch) {
            reports[PairKey(job.spec.symbol, job.spec.timeframe)]?.absorb(job: job)
        }
        state.report.pairs = state.pairs.map { record, tf in
            reports[PairKey(record.symbol, tf)] ?? PairReport(symbol: record.symbol, timeframe: tf)
        }
        for p in state.report.pairs { emit(.pairFinished(p)) }
        emit(.stageFinished(.fetch))
    }

    /// The refill of some ranges of one pair through workers: one report for all of them.
    func distributedRefill(_ record: SymbolRecord, _ tf: Timeframe, _ ranges: [(Int64, Int64)], runId: Int64?) async -> PairReport {
        var report = PairReport(symbol: record.symbol, timeframe: tf)
        for job in await runJobs(runId, jobSpecs(record, tf, ranges, stage: .refill), stage: .refill) { report.absorb(job: job) }
        return report
    }

    /// Ranges of bar keys cut into jobs of at most ``jobBars`` bars.
    private func jobSpecs(_ record: SymbolRecord, _ tf: Timeframe, _ ranges: [(Int64, Int64)], stage: RunStage) -> [JobSpec] {
        let span = Self.jobBars * tf.milliseconds
        var specs: [JobSpec] = []
        for (a, b) in ranges {
            var from = a
            while from < b {
                let to = min(b, from + span)
                specs.append(
                    JobSpec(
                        stage: stage.rawValue, provider: providerName, symbol: record.symbol, assetClass: record.assetClass,
                        ticker: record.ticker, timeframe: tf, start: from, end: to, settleFrom: options.settleFrom, pageSize: pageLimit))
                from = to
            }
        }
        return specs
    }

    /// Enqueues jobs and waits for them (polling the queue); a stop cancels the ones no worker
    /// holds yet and stops waiting. Returns every job as last seen.
    private func runJobs(_ runId: Int64?, _ specs: [JobSpec], stage: RunStage) async -> [Job] {
        guard !specs.isEmpty else { return [] }
        guard let runId else {
            emit(.warning("the run has no id (its row could not be written): no jobs were queued"))
            return []
        }
        let ids: [Int64]
        do {
            ids = try await store.run { try ($0 as? any WorkQueue)?.enqueue(runId: runId, specs) ?? [] }
        } catch {
            emit(.warning("could not queue the jobs: \(error.message)"))
            return []
        }
        let wanted = Set(ids)
        var last: [Job] = []
        var shown: (done: Int, claimed: Int, at: ContinuousClock.Instant)?
        var lastMove = (done: -1, claimed: -1, at: ContinuousClock.now)
        var toldNoWorkers = false
        while true {
            if let jobs = try? await store.run({ try ($0 as? any WorkQueue)?.jobs(runId: runId) ?? [] }) {
                last = jobs.filter { wanted.contains($0.id) }
            }
            let count = { (s: JobState) in last.filter { $0.state == s }.count }
            let (done, failed, claimed) = (count(.done), count(.failed), count(.claimed))
            let finished = last.count == ids.count && done + failed + count(.cancelled) == ids.count
            // Progress when it moved, at most every second, and once at the end.
            let now = ContinuousClock.now
            if finished || shown.map({ ($0.done != done || $0.claimed != claimed) && now - $0.at >= .seconds(1) }) ?? true {
                emit(.jobsProgress(RunEvent.JobsProgress(stage: stage, total: ids.count, done: done, failed: failed, claimed: claimed)))
                shown = (done, claimed, now)
            }
            if finished { return last }
            if lastMove.done != done || lastMove.claimed != claimed {
                (lastMove, toldNoWorkers) = ((done, claimed, now), false)
            } else if !toldNoWorkers, now - lastMove.at >= .seconds(30), await liveWorkers() == 0 {
                emit(
                    .warning(
                        "no worker has been heard from in the last minute: start backfill worker where the database is reachable (backfill workers lists them)"
                    ))
                toldNoWorkers = true
            }
            if stop.isRequested {
                _ = try? await store.run { try ($0 as? any WorkQueue)?.cancelJobs(runId: runId) }
                return last
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Workers whose heartbeat is less than a minute old (the database's clock).
    private func liveWorkers() async -> Int {
        let seen = try? await store.run { store -> Int in
            guard let queue = store as? any WorkQueue else { return 0 }
            let now = try queue.databaseNow()
            return try queue.workers().filter { now - $0.heartbeatAt < 60_000 }.count
        }
        return seen ?? 0
    }

    /// A worker's job: the range fetched page by page exactly as a single-process run fetches it.
    func fetchJob(_ spec: JobSpec) async -> PairReport {
        if let failed = unserved(spec.symbol, spec.timeframe) { return failed }
        let record = SymbolRecord(symbol: spec.symbol, assetClass: spec.assetClass, ticker: spec.ticker)
        let stage = RunStage(rawValue: spec.stage) ?? .fetch
        return await stop.cancellable { [self] in
            var r = PairReport(symbol: spec.symbol, timeframe: spec.timeframe)
            await fetchRanges(record, spec.timeframe, [(spec.start, spec.end)], stage: stage, into: &r)
            return r
        }
    }
}
