import ArgumentParser
import BackfillCore
import BackfillSettings
import BackfillSetup
import BackfillStore

/// Which pairs: `--symbols` (else the active registry) × `--timeframes` (else all eight); the
/// settings `run.symbols` and `run.timeframes`.
struct PairSelection: ParsableArguments {
    @Option(help: "Comma-separated symbols (default: the active symbols in the store).") var symbols: String?
    @Option(help: "Comma-separated timeframes (default: 1m,5m,15m,30m,1h,4h,1d,1w).") var timeframes: String?

    func flags(_ f: inout Settings.Flags) {
        f.set("run.symbols", symbols, flag: "--symbols")
        f.set("run.timeframes", timeframes, flag: "--timeframes")
    }

    func timeframeList(_ settings: Settings) throws(CLIFailure) -> [Timeframe] {
        do { return try Setup.timeframes(settings) } catch { throw .setup(error) }
    }

    /// The symbols with their registry records; every symbol named must be registered.
    static func resolveSymbols(_ store: any CandleStore, _ settings: Settings) throws(CLIFailure) -> [SymbolRecord] {
        do { return try Setup.symbols(store, settings) } catch { throw .setup(error) }
    }
}
