internal import BackfillCalendar
public import BackfillCore
public import BackfillPluginHost
public import BackfillStore

/// What a run does: which pairs, which range, how hard to try.
public struct RunOptions: Sendable {
    public var symbols: [SymbolRecord]
    public var timeframes: [Timeframe]
    /// Inclusive, epoch ms UTC.
    public var start: Int64
    /// Exclusive.
    public var end: Int64
    /// Pairs fetched at once.
    public var concurrency: Int = 4
    /// Requests per second; nil = the provider's declared default.
    public var rate: Double?
    /// Refill attempts for fetch_failed and suspect gaps.
    public var gapRetries: Int = 2
    /// Fetch ranges coverage already holds.
    public var force = false
    public var retryPolicy = RetryPolicy()
    /// Rows asked per page (capped by the provider's maximum).
    public var pageSize = 10_000
    /// The settle window: a vendor's answer counts as final only for bars that were at least this
    /// old when it was given. Coverage is not recorded for younger bars, so a session the vendor
    /// had only partly published is asked for again by the next run; its missing bars meanwhile
    /// are `pending`. 0 turns it off.
    public var settleMs: Int64 = 24 * 3_600_000
    /// The run's clock (tests set it).
    public var now: Int64 = UTCTime.now()

    /// Where the settle window starts: coverage ends there, younger missing bars are pending
    /// (nil when the window is off).
    public var settleFrom: Int64? { GapDetector.settleStart(now: now, windowMs: settleMs) }

    public init(symbols: [SymbolRecord], timeframes: [Timeframe], start: Int64, end: Int64) {
        self.symbols = symbols
        self.timeframes = timeframes
        self.start = start
        self.end = end
    }
}

/// Runs the stages of `backfill run`: fetch, detect gaps, refill gaps, matrix, summary.
///
/// Policy lives here, the same for every provider: one rate limiter shared by all pairs, retries
/// with backoff and jitter, validation before storage, coverage recorded with each batch.
public final class Orchestrator: Sendable {
    public let instance: ProviderInstance
    public let store: StoreWriter
    public let observer: any RunObserver
    public let options: RunOptions
    public let limiter: RateLimiter
    public let detector: GapDetector

    public init(instance: ProviderInstance, store: StoreWriter, observer: any RunObserver, options: RunOptions) {
        self.instance = instance
        self.store = store
        self.observer = observer
        self.options = options
        let rate = options.rate ?? instance.provider.defaultRate
        limiter = RateLimiter(rate: rate)
        detector = GapDetector(
            stamping: BarStamping(fourHourFromNewYorkMidnight: instance.provider.fourHourAnchorNewYork),
            provider: instance.provider.name, settleFrom: options.settleFrom)
    }

    var providerName: String { instance.provider.name }

    /// `end` clipped to the settle window's start: the part of an answer that counts as final.
    func settled(_ end: Int64) -> Int64 { options.settleFrom.map { min(end, $0) } ?? end }

    /// Runs every stage and returns the report (the caller prints, writes JSON, picks the exit code).
    public func run() async -> RunReport {
        var report = RunReport()
        report.summary.startedAt = UTCTime.now()
        report.symbols = options.symbols.map(\.symbol)
        report.timeframes = options.timeframes
        report.rangeStart = options.start
        report.rangeEnd = options.end
        report.provider = providerName
        let pairs = options.symbols.flatMap { s in options.timeframes.map { (s, $0) } }
        report.summary.pairs = pairs.count

        observer.stage("STAGE 1: BACKFILLING OHLCV DATA")
        await plan(pairs)
        var results: [PairReport] = []
        var candles = 0, requests = 0
        await withTaskGroup(of: PairReport.self) { group in
            var next = 0
            func launch() {
                guard next < pairs.count else { return }
                let (record, tf) = pairs[next]
                next += 1
                group.addTask { await self.fetchPair(record, tf) }
            }
            for _ in 0..<max(1, options.concurrency) { launch() }
            for await pair in group {
                results.append(pair)
                candles += pair.candles
                requests += pair.requests
                observer.line(Self.describe(pair))
                observer.progress(pairsDone: results.count, pairsTotal: pairs.count, candles: candles, requests: requests)
                launch()
            }
        }
        // Report pairs in the order they were asked for.
        let order = Dictionary(uniqueKeysWithValues: pairs.enumerated().map { ("\($0.element.0.symbol)/\($0.element.1)", $0.offset) })
        results.sort { order["\($0.symbol)/\($0.timeframe)", default: 0] < order["\($1.symbol)/\($1.timeframe)", default: 0] }

        observer.stage("STAGE 2: DETECTING GAPS")
        var completeness: [String: PairCompleteness] = [:]
        for (index, (record, tf)) in pairs.enumerated() {
            guard let c = await detect(record, tf) else {
                results[index].failure = results[index].failure ?? "gap detection failed (store unreadable)"
                results[index].status = .failed
                observer.line("\(record.symbol)/\(tf): ✗ gap detection failed")
                continue
            }
            completeness["\(record.symbol)/\(tf)"] = c
            report.gapsDetected += c.gaps
            observer.line("\(record.symbol)/\(tf): \(Self.describeGaps(c.gaps))")
        }

        observer.stage("STAGE 3: RETRYING FAILED GAPS")
        var anyRetry = false
        for (index, (record, tf)) in pairs.enumerated() {
            let key = "\(record.symbol)/\(tf)"
            guard var current = completeness[key], results[index].failure == nil else { continue }
            for attempt in 1...max(1, options.gapRetries) where options.gapRetries > 0 {
                let refillable = current.gaps.filter(\.gapClass.isHole)
                guard !refillable.isEmpty else { break }
                anyRetry = true
                var fetched = 0
                for gap in refillable {
                    observer.line(
                        "  \(key): retrying gap \(UTCTime.iso(gap.first)) to \(UTCTime.iso(gap.last)) (\(gap.gapClass.rawValue), attempt \(attempt)/\(options.gapRetries))..."
                    )
                    let (a, b) = refetchRange(gap, tf)
                    var sub = PairReport(symbol: record.symbol, timeframe: tf)
                    await fetchRanges(record, tf, [(a, b)], into: &sub)
                    fetched += sub.candles
                    results[index].candles += sub.candles
                    results[index].inserted += sub.inserted
                    results[index].updated += sub.updated
                    results[index].requests += sub.requests
                    results[index].retries += sub.retries
                    results[index].rejected += sub.rejected
                    results[index].errors += sub.errors
                }
                guard let after = await detect(record, tf) else {
                    results[index].failure = "gap detection failed (store unreadable)"
                    results[index].status = .failed
                    break
                }
                for gap in refillable {
                    let still = after.gaps.filter { $0.gapClass.isHole && $0.first <= gap.last && $0.last >= gap.first }
                    if still.isEmpty {
                        report.summary.gapsFilled += 1
                        observer.line(
                            "  \(key): ✓ gap filled (\(gap.missing) bar\(gap.missing == 1 ? "" : "s"); \(fetched) candles fetched)")
                    } else {
                        observer.line("  \(key): ✗ still missing \(still.reduce(0) { $0 + $1.missing }) bar(s) after attempt \(attempt)")
                    }
                }
                current = after
                for i in current.gaps.indices where current.gaps[i].gapClass.isHole {
                    current.gaps[i].attempts = attempt
                }
            }
            completeness[key] = current
        }
        if !anyRetry { observer.line("No fetch_failed or suspect gaps to retry.") }

        // Known-empty ranges are recorded so later runs never ask for them again.
        for (record, tf) in pairs {
            guard let c = completeness["\(record.symbol)/\(tf)"] else { continue }
            for gap in c.gaps where gap.gapClass == .providerEmpty {
                let record = CoverageRecord(
                    start: gap.first, end: gap.last + barSpan(tf), provider: providerName, outcome: .empty,
                    recordedAt: UTCTime.now(), detail: "provider_empty: \(gap.missing) bars")
                let symbol = gap.symbol
                _ = try? await store.run { try $0.recordCoverage(record, symbol: symbol, timeframe: tf) }
            }
        }

        for i in results.indices {
            let key = "\(results[i].symbol)/\(results[i].timeframe)"
            guard let c = completeness[key] else { continue }
            results[i].expected = c.expected
            results[i].present = c.present
            if results[i].failure == nil {
                results[i].status = c.gaps.isEmpty ? .complete : (c.mark == "~" ? .emptyGaps : .holes)
            }
            report.gapsRemaining += c.gaps
        }
        report.pairs = results
        summarize(&report)
        report.summary.throttledRequests = await limiter.throttled
        report.summary.rateLimitWaits = await limiter.pauses
        report.summary.finishedAt = UTCTime.now()
        return report
    }

    /// The length of one bar's key span (a bar, a day, a week).
    func barSpan(_ tf: Timeframe) -> Int64 { tf.milliseconds }

    /// The request range that refills a gap: from its first missing bar to the end of its last,
    /// widened by a day for daily and weekly bars (whose stamps may precede their key instant).
    func refetchRange(_ gap: Gap, _ tf: Timeframe) -> (Int64, Int64) {
        let widen: Int64 = tf >= .d1 ? UTCTime.msPerDay : 0
        return (max(options.start, gap.first - widen), min(options.end, gap.last + barSpan(tf) + widen))
    }

    private func plan(_ pairs: [(SymbolRecord, Timeframe)]) async {
        var ranges = 0, estimatedPages = 0
        for (record, tf) in pairs {
            let todo = await pendingRanges(record.symbol, tf)
            ranges += todo.count
            for (a, b) in todo {
                let bars = max(1, Int((b - a) / tf.milliseconds))
                estimatedPages += max(1, (bars + pageLimit - 1) / pageLimit)
            }
        }
        let rate = options.rate ?? instance.provider.defaultRate
        var line = "Plan: \(options.symbols.count) symbol(s) × \(options.timeframes.count) timeframe(s) = \(pairs.count) pairs, "
        line += "\(ranges) range(s) to fetch, about \(estimatedPages) request(s)"
        if rate > 0 {
            let seconds = Double(estimatedPages) / rate
            line += "; at \(Self.format(rate)) requests/s that takes at least \(Self.duration(seconds))"
        } else {
            line += "; no rate limit"
        }
        observer.line(line)
    }

    var pageLimit: Int { max(1, min(options.pageSize, instance.provider.maxPageRows)) }

    /// The parts of the run's range the provider has not answered for yet (all of it with --force).
    func pendingRanges(_ symbol: Symbol, _ tf: Timeframe) async -> [(Int64, Int64)] {
        let (a, b) = (options.start, options.end)
        if options.force { return [(a, b)] }
        let covered: RangeSet
        do {
            let detector = self.detector
            covered = try await store.run { try detector.coverage($0, symbol, tf, a, b) }
        } catch {
            return [(a, b)]
        }
        return covered.missing(a, b)
    }

    func fetchPair(_ record: SymbolRecord, _ tf: Timeframe) async -> PairReport {
        var report = PairReport(symbol: record.symbol, timeframe: tf)
        guard instance.provider.timeframes.contains(tf) else {
            report.status = .failed
            report.failure = "provider '\(providerName)' does not serve \(tf)"
            report.errors.append(report.failure!)
            return report
        }
        let todo = await pendingRanges(record.symbol, tf)
        if todo.isEmpty {
            report.skippedCovered = true
            return report
        }
        await fetchRanges(record, tf, todo, into: &report)
        return report
    }

    /// Fetches ranges page by page: rate-limited, retried, validated, stored with coverage.
    func fetchRanges(_ record: SymbolRecord, _ tf: Timeframe, _ ranges: [(Int64, Int64)], into report: inout PairReport)
        async
    {
        let batch = CandleBatch(capacity: pageLimit)
        for (rangeStart, b) in ranges {
            // Weekly bars may be stamped on the Sunday before their week: ask from a day early.
            let a = tf == .w1 ? rangeStart - UTCTime.msPerDay : rangeStart
            let request = CandleRequest(
                symbol: record.symbol, ticker: record.ticker, assetClass: record.assetClass, timeframe: tf, start: a, end: b)
            var cursor: String?
            var pageFrom = a
            var lastTs: Int64?
            var attempt = 0
            pages: while true {
                do {
                    try await limiter.acquire()
                } catch {
                    return
                }
                report.requests += 1
                let page: PageInfo
                do {
                    page = try await instance.fetchPage(request, cursor: cursor, into: batch, pageLimit: pageLimit)
                } catch {
                    if error.kind == .noData {
                        await saveCoverage(pageFrom, b, .empty, nil, record.symbol, tf, &report)
                        break pages
                    }
                    if error.isRetryable && attempt < options.retryPolicy.maxRetries {
                        attempt += 1
                        report.retries += 1
                        let wait: Duration
                        if error.kind == .rateLimited, let ms = error.retryAfterMs {
                            wait = .milliseconds(ms)
                            await limiter.pause(for: wait)
                        } else {
                            wait = options.retryPolicy.delay(attempt: attempt)
                            if error.kind == .rateLimited { await limiter.pause(for: wait) }
                        }
                        observer.warning(
                            "\(record.symbol)/\(tf): \(error.kind.rawValue): \(error.message); retry \(attempt)/\(options.retryPolicy.maxRetries) in \(Self.duration(Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18))"
                        )
                        try? await Task.sleep(for: wait)
                        continue pages
                    }
                    let message = "\(error.kind.rawValue): \(error.message)"
                    report.errors.append(message)
                    await saveCoverage(pageFrom, b, .failed, message, record.symbol, tf, &report)
                    switch error.kind {
                    case .unauthorized, .badRequest, .permanent:
                        report.status = .failed
                        report.failure = message
                    case .notEntitled:
                        report.status = .notEntitled
                        report.failure = message
                    default: break
                    }
                    break pages
                }
                attempt = 0
                let validation = batch.validate(start: a, end: b, after: lastTs)
                report.rejected += page.rejected + validation.rejected
                if let first = validation.first {
                    observer.warning(
                        "\(record.symbol)/\(tf): rejected \(validation.rejected) row(s), first at \(UTCTime.iso(first.ts)): \(first.problem.rawValue)"
                    )
                }
                let pageTo: Int64 = page.nextCursor == nil ? b : (batch.count > 0 ? batch.ts[batch.count - 1] + 1 : pageFrom)
                if batch.count > 0 { lastTs = batch.ts[batch.count - 1] }
                let coverage =
                    settled(pageTo) > pageFrom
                    ? CoverageRecord(
                        start: pageFrom, end: settled(pageTo), provider: providerName, outcome: .fetched, recordedAt: UTCTime.now())
                    : nil
                do {
                    let symbol = record.symbol
                    let counts = try await store.run { try $0.write(batch, symbol: symbol, timeframe: tf, coverage: coverage) }
                    report.candles += batch.count
                    report.inserted += counts.inserted
                    report.updated += counts.updated
                } catch {
                    let message = "storage: \(error.message)"
                    report.errors.append(message)
                    report.status = .failed
                    report.failure = message
                    return
                }
                pageFrom = max(pageFrom, pageTo)
                guard let next = page.nextCursor else { break pages }
                cursor = next
            }
        }
    }

    private func saveCoverage(
        _ a: Int64, _ b: Int64, _ outcome: CoverageRecord.Outcome, _ detail: String?, _ symbol: Symbol,
        _ tf: Timeframe, _ report: inout PairReport
    ) async {
        guard a < b else { return }
        // An answer (fetched or empty) counts only up to the settle window; a failure is kept whole.
        let end = outcome == .failed ? b : settled(b)
        guard end > a else { return }
        let record = CoverageRecord(start: a, end: end, provider: providerName, outcome: outcome, recordedAt: UTCTime.now(), detail: detail)
        do {
            try await store.run { try $0.recordCoverage(record, symbol: symbol, timeframe: tf) }
        } catch {
            report.errors.append("storage: \(error.message)")
        }
    }

    /// Gap detection for one pair; nil when the store could not be read (the pair then fails:
    /// a check that did not run must never read as "complete").
    func detect(_ record: SymbolRecord, _ tf: Timeframe) async -> PairCompleteness? {
        let (detector, a, b) = (self.detector, options.start, options.end)
        do {
            return try await store.run {
                try detector.detect(store: $0, symbol: record.symbol, assetClass: record.assetClass, timeframe: tf, start: a, end: b)
            }
        } catch {
            observer.warning("\(record.symbol)/\(tf): gap detection failed: \(error.message)")
            return nil
        }
    }

    private func summarize(_ report: inout RunReport) {
        var s = report.summary
        let bySymbol = Dictionary(grouping: report.pairs, by: \.symbol)
        s.symbolsProcessed = bySymbol.count
        s.symbolsFailed = bySymbol.values.filter { $0.contains { $0.failure != nil } }.count
        s.symbolsSuccessful = s.symbolsProcessed - s.symbolsFailed
        for p in report.pairs {
            s.requests += p.requests
            s.retries += p.retries
            s.candlesInserted += p.inserted
            s.candlesUpdated += p.updated
            s.badRowsRejected += p.rejected
            report.errors += p.errors.map { "\(p.symbol)/\(p.timeframe): \($0)" }
        }
        for g in report.gapsDetected { s.gapsDetected[g.gapClass, default: 0] += 1 }
        s.gapsRemaining = report.gapsRemaining.count
        let holes = report.gapsRemaining.contains { $0.gapClass.isHole }
        s.exitCode = holes || report.pairs.contains { $0.failure != nil } ? 1 : 0
        report.summary = s
    }

    static func describe(_ p: PairReport) -> String {
        let key = "  \(p.symbol)/\(p.timeframe)"
        if let failure = p.failure { return "\(key): ✗ \(failure)" }
        if p.skippedCovered { return "\(key): up to date (range already fetched; --force refetches)" }
        if p.noData && p.candles == 0 {
            return "\(key): the provider has no data for this range (\(p.requests) request\(p.requests == 1 ? "" : "s"))"
        }
        var text =
            "\(key): \(group(p.candles)) candles (inserted \(group(p.inserted)), updated \(group(p.updated))) in \(p.requests) request\(p.requests == 1 ? "" : "s")"
        if p.retries > 0 { text += ", \(p.retries) retr\(p.retries == 1 ? "y" : "ies")" }
        if p.rejected > 0 { text += ", \(p.rejected) bad row\(p.rejected == 1 ? "" : "s") rejected" }
        if !p.errors.isEmpty { text += "; last error: \(p.errors.last!)" }
        return text
    }

    static func describeGaps(_ gaps: [Gap]) -> String {
        guard !gaps.isEmpty else { return "0 gap(s) detected" }
        var counts: [GapClass: Int] = [:]
        for g in gaps { counts[g.gapClass, default: 0] += 1 }
        let parts = GapClass.allCases.compactMap { c in counts[c].map { "\($0) \(c.rawValue)" } }
        return "\(gaps.count) gap(s) detected (\(parts.joined(separator: ", ")))"
    }

    /// 1234567 → "1,234,567".
    public static func group(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    static func format(_ r: Double) -> String {
        r == r.rounded() ? String(Int(r)) : String((r * 1000).rounded() / 1000)
    }

    /// 3725.4 → "1h 2m 5s"; 2.5 → "2.5s".
    public static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return seconds < 10 ? "\((seconds * 10).rounded() / 10)s" : "\(Int(seconds.rounded()))s" }
        let s = Int(seconds.rounded())
        if s < 3600 { return "\(s / 60)m \(s % 60)s" }
        return "\(s / 3600)h \(s % 3600 / 60)m \(s % 60)s"
    }
}
