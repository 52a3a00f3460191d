import BackfillCore
import BackfillOrchestrator
import BackfillPluginHost
import BackfillStore
import BackfillTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Keeps every event an engine reports, in order.
final class RecordingObserver: RunObserver {
    private let storage = Mutex<[RunEvent]>([])
    /// Called with each event after it is kept (tests stop a run from here).
    let onEvent: @Sendable (RunEvent) -> Void

    init(onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }) { self.onEvent = onEvent }

    var events: [RunEvent] { storage.withLock { $0 } }

    func handle(_ event: RunEvent) {
        storage.withLock { $0.append(event) }
        onEvent(event)
    }

    /// The events' names in order ("runStarted", "stageStarted(fetch)", ...).
    var names: [String] {
        events.map { e in
            switch e {
            case .stageStarted(let s): "stageStarted(\(s.rawValue))"
            case .stageFinished(let s): "stageFinished(\(s.rawValue))"
            default: String(describing: e).prefix { $0 != "(" }.description
            }
        }
    }
}

/// The run engine driven directly, with no command line: the replay plugin through the real
/// host, a real SQLite database, the observers' events and the engine's report.
@Suite("Run engine")
struct RunEngineTests {
    /// A replay folder, a database with its symbols, and the replay provider loaded from a copy.
    final class Bench: @unchecked Sendable {
        let dir = TemporaryDirectory("backfill-engine")
        let store: any CandleStore
        let instance: ProviderInstance
        var replay: String { dir.path + "/replay" }

        init(files: [String: String], symbols: [(String, AssetClass)], faults: String? = nil) throws {
            for (relative, fixture) in files {
                try dir.copy(Fixtures.fixturesDir + "/replay/" + fixture, to: "replay/" + relative)
            }
            if let faults { try dir.write("replay/faults.json", faults) }
            try dir.copy(Fixtures.replayPlugin, to: "plugins/libReplayProvider.so")
            store = try Stores.open(try DatabaseURL.parse("sqlite:\(dir.path)/db.sqlite"))
            _ = try store.upsertSymbols(try symbols.map { SymbolRecord(symbol: try Symbol($0.0), assetClass: $0.1) })
            let registry = PluginRegistry(
                pluginDirs: [dir.path + "/plugins"], environment: [:], executableDir: nil,
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            instance = try registry.provider(named: "replay").makeInstance(configuration: ["root": dir.path + "/replay"])
        }

        func plan(_ timeframes: [Timeframe], _ start: String, _ end: String, _ configure: (inout RunOptions) -> Void = { _ in })
            throws -> RunPlan
        {
            var options = RunOptions(
                symbols: try store.symbols(activeOnly: true), timeframes: timeframes, start: try UTCTime.parse(start),
                end: try UTCTime.parse(end))
            options.retryPolicy = RetryPolicy(base: .milliseconds(20))
            options.resultsPath = dir.path + "/results.json"
            configure(&options)
            return RunPlan(
                options: options, instance: instance, providerConfiguration: ["root": replay], store: StoreQueue(store),
                database: "sqlite:test")
        }

        func results() throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/results.json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
    }

    @Test("a whole run through the engine: every stage in order, the report, the results file and the runs row")
    func wholeRun() async throws {
        let bench = try Bench(
            files: ["SPY/1d.csv": "SPY/1d.csv", "AAPL/1d.csv": "SPY/1d.csv"], symbols: [("SPY", .etf), ("AAPL", .stock)],
            faults: #"""
                {"faults": [{"symbol": "SPY", "hide": {"start": "2020-01-10", "end": "2020-01-15"}, "attempts": 1},
                            {"symbol": "AAPL", "status": "permanent", "message": "vendor says no"}]}
                """#)
        let observer = RecordingObserver()
        let engine = RunEngine(plan: try bench.plan([.d1], "2020-01-01", "2020-02-01") { $0.features = true }, observers: [observer])
        let report = try await engine.run()

        #expect(report.summary.status == .incomplete && report.summary.exitCode == 1)
        let spy = try #require(report.pairs.first { $0.symbol.text == "SPY" })
        let aapl = try #require(report.pairs.first { $0.symbol.text == "AAPL" })
        #expect(spy.status == .complete && spy.inserted == 21 && spy.expected == 21 && spy.present == 21)
        #expect(aapl.status == .failed && aapl.failure == "permanent: vendor says no")
        // SPY's hidden days were found and filled; AAPL, which failed, still misses every bar.
        #expect(report.summary.gapsFilled == 1)
        #expect(report.gapsDetected.map(\.gapClass) == [.fetchFailed, .suspect])  // AAPL, then SPY
        #expect(report.gapsRemaining.map { "\($0.symbol) \($0.gapClass.rawValue)" } == ["AAPL fetch_failed"])
        // The features stage computed the one pair whose candles changed.
        #expect(report.features?.outcomes.map(\.pair.description) == ["SPY/1d"])
        #expect(report.features?.processed == 21)

        let names = observer.names
        #expect(names.first == "runStarted" && names.last == "runFinished")
        let stages = names.filter { $0.hasPrefix("stageStarted") }
        #expect(stages == ["stageStarted(fetch)", "stageStarted(gaps)", "stageStarted(refill)", "stageStarted(features)"])
        #expect(names.filter { $0 == "pairFinished" }.count == 2)
        #expect(names.contains("featuresComputed"))
        // One page event per stored page, with the run's running totals.
        let pages = observer.events.compactMap { e -> RunEvent.Page? in if case .pageFetched(let p) = e { p } else { nil } }
        #expect(pages.map(\.stage) == [.fetch, .refill])
        #expect(pages.last?.candlesDone == pages.reduce(0) { $0 + $1.candles })
        // The run's requests: the pages' and, before the fetch, each stock's ticker chain.
        #expect(Set(report.tickerChecks.map(\.symbol.text)) == ["AAPL", "SPY"])
        #expect(pages.last?.requestsDone == report.summary.requests - report.tickerChecks.reduce(0) { $0 + $1.requests })
        let started = try #require(
            observer.events.compactMap { e -> RunEvent.Started? in if case .runStarted(let s) = e { s } else { nil } }.first)
        #expect(started.pairs == 2 && started.plannedRequests == 2 && started.ranges == 2)

        let json = try bench.results()
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["status"] as? String == "incomplete" && summary["run_id"] as? Int == Int(report.runId ?? -1))
        #expect((json["features"] as? [String: Any])?["processed"] as? Int == 21)
        let runs = try bench.store.runs(limit: 5)
        #expect(runs.count == 1 && runs[0].status == "incomplete" && runs[0].pairs == 2 && runs[0].exitCode == 1)
        #expect(runs[0].candles == report.pairs.reduce(0) { $0 + $1.candles })
    }

    @Test("a stop after the first page: that page is stored with its coverage, no further request, the report says interrupted")
    func cleanStop() async throws {
        let bench = try Bench(files: ["BTCPERP/1m.csv": "BTCPERP/1m.csv"], symbols: [("BTCPERP", .crypto)])
        let box = Mutex<RunEngine?>(nil)
        let observer = RecordingObserver { event in
            if case .pageFetched = event { box.withLock { $0 }?.requestStop(.terminate) }
        }
        let engine = RunEngine(plan: try bench.plan([.m1], "2021-12-31", "2022-02-02") { $0.pageSize = 1_000 }, observers: [observer])
        box.withLock { $0 = engine }
        let report = try await engine.run()

        #expect(report.summary.status == .interrupted && report.summary.exitCode == 143 && report.stopReason == .terminate)
        let pair = try #require(report.pairs.first)
        #expect(pair.status == .interrupted && pair.stopped)
        #expect(pair.requests == 1 && pair.candles == 1_000)
        // Gap detection and refills were skipped; the stop was announced once.
        let names = observer.names
        #expect(!names.contains("stageStarted(gaps)") && !names.contains("stageStarted(refill)"))
        #expect(names.filter { $0 == "stopRequested" }.count == 1 && names.last == "runFinished")
        // The page in flight committed with its coverage: the store holds exactly its rows.
        let stored = try bench.store.timestamps(symbol: try Symbol("BTCPERP"), timeframe: .m1, start: .min, end: .max)
        #expect(stored.count == 1_000)
        let coverage = try bench.store.coverage(symbol: try Symbol("BTCPERP"), timeframe: .m1, start: .min, end: .max)
        #expect(coverage.count == 1 && coverage[0].outcome == .fetched && coverage[0].end == (stored.last ?? 0) + 1)
        #expect((try bench.results()["summary"] as? [String: Any])?["status"] as? String == "interrupted")
        #expect(try bench.store.runs(limit: 1).first?.status == "interrupted")
        // A second stop request is refused (the caller then exits at once).
        #expect(!engine.requestStop(.interrupt))
    }

    @Test("a run marks rows a dead process left running as abandoned, then records its own")
    func abandonedRows() async throws {
        let bench = try Bench(files: ["SPY/1d.csv": "SPY/1d.csv"], symbols: [("SPY", .etf)])
        let dead = try bench.store.beginRun(startedAt: 1, options: "{}")
        let observer = RecordingObserver()
        let report = try await RunEngine(plan: try bench.plan([.d1], "2020-01-01", "2020-02-01"), observers: [observer]).run()
        #expect(report.summary.status == .complete)
        let runs = try bench.store.runs(limit: 5)
        #expect(runs.map(\.status) == ["complete", "abandoned"] && runs[1].id == dead)
        #expect(observer.events.contains { if case .abandonedRuns(1) = $0 { true } else { false } })
    }

    @Test("a run whose database another run holds fails before any work, naming the database")
    func locked() async throws {
        let bench = try Bench(files: ["SPY/1d.csv": "SPY/1d.csv"], symbols: [("SPY", .etf)])
        let other = try Stores.open(try DatabaseURL.parse("sqlite:\(bench.dir.path)/db.sqlite"))
        #expect(try other.tryLockRun())
        let observer = RecordingObserver()
        let engine = RunEngine(plan: try bench.plan([.d1], "2020-01-01", "2020-02-01"), observers: [observer])
        do {
            _ = try await engine.run()
            Issue.record("a locked database was run")
        } catch {
            #expect(error.exitCode == 1 && error.message.hasPrefix("another backfill run is using sqlite:test"))
        }
        #expect(observer.events.isEmpty)
        #expect(try bench.store.runs(limit: 5).isEmpty)
    }
}
