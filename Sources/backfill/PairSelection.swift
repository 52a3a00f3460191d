import ArgumentParser
import BackfillCore
import BackfillSettings
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
        let list: [String]
        do { list = try settings.list("run.timeframes") ?? [] } catch { throw .settings(error) }
        guard !list.isEmpty else { return Timeframe.allCases }
        do {
            return try Timeframe.parseList(list.joined(separator: ","))
        } catch {
            throw .settings(settings.listMistake("run.timeframes", error))
        }
    }

    /// The symbols with their registry records; every symbol named must be registered.
    static func resolveSymbols(_ store: any CandleStore, _ settings: Settings) throws(CLIFailure) -> [SymbolRecord] {
        let list: [String]?
        do { list = try settings.list("run.symbols") } catch { throw .settings(error) }
        return try Self.resolve(list.map { $0.joined(separator: ",") }, store)
    }

    /// `symbols` (comma-separated, or nil for the active registry) with their registry records.
    static func resolve(_ symbols: String?, _ store: any CandleStore) throws(CLIFailure) -> [SymbolRecord] {
        let registry: [SymbolRecord]
        do { registry = try store.symbols(activeOnly: false) } catch { throw .store(error) }
        guard let symbols else {
            let active = registry.filter(\.active)
            guard !active.isEmpty else {
                throw .usage("no symbols to backfill; add one first: backfill symbols add AAPL --asset-class stock")
            }
            return active
        }
        let wanted: [Symbol]
        do { wanted = try Symbol.parseList(symbols) } catch { throw .usage(error.message) }
        let byName = Dictionary(uniqueKeysWithValues: registry.map { ($0.symbol, $0) })
        return try wanted.map { s throws(CLIFailure) in
            guard let r = byName[s] else {
                throw .usage(
                    "symbol '\(s)' is not in the registry; add it with: backfill symbols add \(s) --asset-class stock|etf|crypto|forex|index"
                )
            }
            return r
        }
    }
}
