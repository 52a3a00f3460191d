import ArgumentParser
import BackfillCore
import BackfillOrchestrator
import BackfillPluginHost
import BackfillPresentation
import BackfillSettings
import BackfillStore
import Foundation

/// `backfill bench`: measurements behind docs/performance.md.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Backfill's hot paths (figures for docs/performance.md).",
        subcommands: [KernelBench.self, StoreBench.self, ProviderBench.self, SeedBench.self, SeriesBench.self, FeatureWriteBench.self])

    /// Writes N synthetic candles as new rows, then again as conflicting rows (updates).
    struct StoreBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Bulk-ingest rate of the store: N new candles, then the same N conflicting (updated).",
            discussion:
                "Use a fresh database: the rows go to a new series each run. --csv-out also writes the same rows as CSV for the sqlite3 .import / psql \\copy baselines (benchmarks/store.sh)."
        )

        @Option(help: "Candles to write.") var candles: Int = 1_000_000
        @Option(help: "Rows per batch (one transaction each).") var batch: Int = 50_000
        @Option(help: "Write the rows as CSV (series_id,ts,open,high,low,close,volume,vwap,trades) here.") var csvOut: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            guard candles > 0, batch > 0 else { throw CLIFailure.usage("--candles and --batch must be above 0") }
            let store = try await db.open(config)
            guard let symbol = try? Symbol("BENCH-\(UTCTime.now() % 1_000_000_000)") else { return }
            let b = CandleBatch(capacity: batch)
            let start: Int64 = 1_500_000_000_000 / 60_000 * 60_000
            var csv: FileHandle?
            if let csvOut {
                guard FileManager.default.createFile(atPath: csvOut, contents: nil) else {
                    throw CLIFailure.usage("cannot create --csv-out file '\(csvOut)'")
                }
                csv = FileHandle(forWritingAtPath: csvOut)
            }
            func fill(_ from: Int, _ n: Int, bump: Double) {
                b.count = 0
                for i in from..<(from + n) {
                    let p = 100 + Double(i % 1000) * 0.01 + bump
                    b.append(
                        ts: start + Int64(i) * 60_000, open: p, high: p + 0.5, low: p - 0.5, close: p + 0.25,
                        volume: Double(1000 + i % 97), vwap: p + 0.1, trades: Int64(10 + i % 13))
                }
            }
            func pass(bump: Double) throws -> (seconds: Double, counts: WriteCounts) {
                var counts = WriteCounts()
                var elapsed = 0.0
                var done = 0
                while done < candles {
                    let n = min(batch, candles - done)
                    fill(done, n, bump: bump)
                    if let csv, bump == 0 {
                        var text = ""
                        text.reserveCapacity(n * 80)
                        for i in 0..<n {
                            text +=
                                "1,\(b.ts[i]),\(b.open[i]),\(b.high[i]),\(b.low[i]),\(b.close[i]),\(b.volume[i]),\(b.vwap[i]),\(b.trades[i])\n"
                        }
                        csv.write(Data(text.utf8))
                    }
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    counts += try store.write(b, symbol: symbol, timeframe: .m1, coverage: nil)
                    elapsed += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                    done += n
                }
                return (elapsed, counts)
            }
            let insert: (seconds: Double, counts: WriteCounts)
            let update: (seconds: Double, counts: WriteCounts)
            do {
                insert = try pass(bump: 0)
                try csv?.close()
                update = try pass(bump: 1)
            } catch let error as StoreError {
                throw CLIFailure.store(error)
            }
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let peakMB = Double(usage.ru_maxrss) / 1024
            let insertRate = Double(candles) / insert.seconds, updateRate = Double(candles) / update.seconds
            if json {
                print(
                    JSON.object([
                        ("backend", .string(store.backend)), ("candles", .int(Int64(candles))), ("batch", .int(Int64(batch))),
                        ("insert_seconds", .number(insert.seconds)), ("insert_per_second", .number(insertRate.rounded())),
                        ("update_seconds", .number(update.seconds)), ("update_per_second", .number(updateRate.rounded())),
                        ("inserted", .int(Int64(insert.counts.inserted))), ("updated", .int(Int64(update.counts.updated))),
                        ("peak_rss_mb", .number((peakMB * 10).rounded() / 10)),
                    ]).text())
            } else {
                print("\(store.backend): \(Format.group(candles)) candles in batches of \(Format.group(batch))")
                print(
                    "  new rows:         \(String(format: "%.2f", insert.seconds)) s  \(Format.group(Int(insertRate))) candles/s (inserted \(insert.counts.inserted))"
                )
                print(
                    "  conflicting rows: \(String(format: "%.2f", update.seconds)) s  \(Format.group(Int(updateRate))) candles/s (updated \(update.counts.updated))"
                )
                print("  peak RSS: \(String(format: "%.1f", peakMB)) MB")
            }
        }
    }
}

/// `backfill bench provider`: how fast a provider serves pages (no store, no rate limit).
struct ProviderBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provider",
        abstract: "Candles per second a provider serves for one range (pages fetched back to back, nothing stored).",
        discussion:
            "For plugin authors and for the replay provider's streaming rate. Ignores rate limits: use it on replay or a local server.")

    @OptionGroup var plugins: PluginOptions
    @OptionGroup var provider: ProviderOptions
    @OptionGroup var config: ConfigOption
    @Option(help: "The symbol.") var symbol: String
    @Option(help: "The timeframe.") var timeframe: String = "1m"
    @Option(help: "Asset class.") var assetClass: String = "crypto"
    @Option(help: "Start (UTC, inclusive).") var start: String
    @Option(help: "End (UTC, exclusive).") var end: String
    @Option(help: "Rows per page.") var pageSize: Int = 50_000
    @Option(help: "Timed repetitions (the median is reported).") var runs: Int = 3

    private func makeRequest() throws(CLIFailure) -> CandleRequest {
        do throws(InputError) {
            return CandleRequest(
                symbol: try Symbol(symbol), assetClass: try AssetClass.parse(assetClass),
                timeframe: try Timeframe.parse(timeframe), start: try UTCTime.parse(start), end: try UTCTime.parse(end))
        } catch {
            throw .usage(error.message)
        }
    }

    func run() async throws {
        let request = try makeRequest()
        guard pageSize > 0, runs > 0 else { throw CLIFailure.usage("--page-size and --runs must be above 0") }
        var f = Settings.Flags()
        plugins.flags(&f)
        provider.flags(&f)
        let settings = try await config.load(f)
        let (instance, _) = try provider.instance(plugins: plugins, settings: settings, presenter: Presenter(format: .text, quiet: false))
        // No rate limit (a benchmark of the provider itself), the run's retries.
        let caller = ProviderCaller(limiter: RateLimiter(rate: 0), policy: RetryPolicy())
        let batch = instance.makeBatch(capacity: min(pageSize, instance.provider.maxPageRows))
        var samples: [(seconds: Double, candles: Int, pages: Int)] = []
        for _ in 0..<runs {
            var candles = 0, pages = 0
            let t0 = DispatchTime.now().uptimeNanoseconds
            do {
                _ = try await caller.eachPage(of: request, from: instance, into: batch) { page in
                    candles += page.count
                    pages += 1
                }
            } catch {
                throw CLIFailure.failed("\(request.symbol) \(request.timeframe): \(error)")
            }
            samples.append((Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, candles, pages))
        }
        let median = samples.sorted { $0.seconds < $1.seconds }[samples.count / 2]
        print(
            "\(instance.provider.name): \(Format.group(median.candles)) candles in \(median.pages) pages, median \(String(format: "%.3f", median.seconds)) s = \(Format.group(Int(Double(median.candles) / median.seconds))) candles/s"
        )
    }
}
