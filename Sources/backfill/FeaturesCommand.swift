import ArgumentParser
import BackfillCore
import BackfillOrchestrator
import BackfillPresentation
import BackfillSettings
import BackfillSetup
import BackfillStore

/// `backfill features`: compute the v1 features of stored candles and upsert them (the same job
/// as the run's features stage, over every selected pair).
struct Features: AsyncParsableCommand, PresentingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute ret_1, logret_1, vol_20, atr_14, natr_14, sma_20, ema_20, rsi_14, slope_20 for stored candles.",
        discussion: """
            Each symbol/timeframe is computed in time order, 65,536 bars at a time, with the C kernels \
            (BACKFILL_KERNELS=scalar|avx2|avx512 forces a path), in parallel across pairs; rows are upserted \
            into the features table. The values are those of one pass over the whole series (EMA, ATR \
            and RSI never depend on where a job starts), and a later run computes only the bars after \
            the last one computed, or from the first candle a refill or revision changed since \
            (--force: from the first bar). docs/features.md states the arithmetic. Pairs with no stored \
            candles are listed on one line and skipped. Exit code 1 when a pair failed.
            """)

    @OptionGroup var selection: PairSelection
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Pairs computed at once (default: the number of cores).") var concurrency: Int?
    @Flag(help: "Compute every pair from its first bar, not from where the last run stopped.") var force = false
    @Option(
        help: ArgumentHelp(
            "Bars per chunk (default 65536; a checkpoint is kept per chunk, so a revision is recomputed from at most this many bars before it).",
            visibility: .hidden))
    var chunk: Int = FeatureJob.defaultChunk
    @OptionGroup var config: ConfigOption

    func run() async throws {
        guard chunk >= 1 else { throw CLIFailure.usage("--chunk must be >= 1") }
        var f = Settings.Flags()
        selection.flags(&f)
        db.flags(&f)
        output.flags(&f, section: "features")
        f.set("features.concurrency", concurrency, flag: "--concurrency")
        let settings = try await config.load(f)
        let presenter = try output.presenter(settings, section: "features")
        let work: Setup.FeatureWork
        do { work = try Setup.features(settings, hide: { presenter.output.hide($0) }) } catch { throw CLIFailure.setup(error) }
        work.store.connectionEvents = { presenter.emit(.database($0)) }
        work.reader.connectionEvents = { presenter.emit(.database($0)) }
        let job = FeatureJob(
            store: StoreQueue(work.store), reader: StoreQueue(work.reader), concurrency: work.concurrency, force: force, chunk: chunk,
            emit: presenter.emit)
        let summary = await job.run(work.pairs, standalone: true)
        if !summary.failedSymbols.isEmpty { throw CLIFailure(message: "", exitCode: 1) }
    }
}
