import ArgumentParser
import BackfillCore
import BackfillStore

/// `backfill symbols`: the registry of symbols a run backfills.
struct Symbols: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add, list and deactivate the symbols that `backfill run` keeps complete.",
        subcommands: [Add.self, List.self, Remove.self], defaultSubcommand: List.self)

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add symbols (or update their asset class and ticker; re-adding reactivates).")

        @Argument(help: "Symbols: letters, digits and . : - _ (at most 32 characters).")
        var symbols: [String]

        @Option(help: "stock, etf, crypto, forex or index (picks the trading calendar).")
        var assetClass: String

        @Option(help: "The provider-specific ticker, when it differs (e.g. X:BTCUSD for Polygon). One symbol only.")
        var ticker: String?

        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let records: [SymbolRecord]
            do {
                let ac = try AssetClass.parse(assetClass)
                let list = try symbols.map { s throws(InputError) in try Symbol(s) }
                if ticker != nil && list.count != 1 { throw InputError.invalid("--ticker applies to exactly one symbol") }
                if let ticker, ticker.isEmpty || ticker.count > 64 { throw InputError.invalid("--ticker must be 1 to 64 characters") }
                let now = UTCTime.now()
                records = list.map { SymbolRecord(symbol: $0, assetClass: ac, ticker: ticker, addedAt: now) }
            } catch let error as InputError {
                throw CLIFailure.usage(error.message)
            }
            let store = try await db.open(config)
            let added: Int
            do { added = try store.upsertSymbols(records) } catch { throw CLIFailure.store(error) }
            print("added \(added), updated \(records.count - added)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List symbols (active ones unless --all).")

        @Flag(help: "Include deactivated symbols.") var all = false
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let store = try await db.open(config)
            let list: [SymbolRecord]
            do { list = try store.symbols(activeOnly: !all) } catch { throw CLIFailure.store(error) }
            if list.isEmpty {
                Terminal.printError("no symbols; add some with: backfill symbols add AAPL SPY --asset-class stock")
                return
            }
            print("symbol,asset_class,active,ticker,added_at")
            for r in list {
                print("\(r.symbol),\(r.assetClass),\(r.active),\(r.ticker ?? ""),\(UTCTime.iso(r.addedAt))")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deactivate symbols: runs skip them, their stored history is kept.")

        @Argument(help: "Symbols to deactivate.") var symbols: [String]
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let list: [Symbol]
            do { list = try symbols.map { s throws(InputError) in try Symbol(s) } } catch { throw CLIFailure.usage(error.message) }
            let store = try await db.open(config)
            let n: Int
            do { n = try store.deactivate(list) } catch { throw CLIFailure.store(error) }
            print("deactivated \(n)")
        }
    }
}
