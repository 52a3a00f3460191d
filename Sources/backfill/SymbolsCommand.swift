import ArgumentParser
import BackfillCore
import BackfillPresentation
import BackfillStore

/// `backfill symbols`: the registry of symbols a run backfills.
struct Symbols: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add, list and deactivate the symbols that `backfill run` keeps complete.",
        subcommands: [Add.self, List.self, Remove.self, History.self], defaultSubcommand: List.self)

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

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a symbol's chain of tickers and which ticker each stored range was fetched under.",
            discussion: """
                The chain is what the provider reported (a provider with ticker changes, such as polygon or replay \
                with ticker_changes.csv); `backfill run` asks for it before fetching, again after a week.
                """)

        @Argument(help: "The symbol.") var symbol: String
        @Flag(help: "One JSON document instead of text.") var json = false
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let sym: Symbol
            do { sym = try Symbol(symbol) } catch { throw CLIFailure.usage(error.message) }
            let store = try await db.open(config)
            let record: SymbolRecord
            let changes: [StoredEvent]
            var spans: [(Timeframe, String, CoverageRecord, Int)] = []
            do {
                guard let r = try store.symbols(activeOnly: false).first(where: { $0.symbol == sym }) else {
                    throw CLIFailure.failed("symbol '\(sym)' is not in the registry (backfill symbols add \(sym) --asset-class ...)")
                }
                record = r
                changes = try store.events(symbol: sym).filter { $0.kind == .tickerChange }
                let own = r.ticker ?? sym.text
                for tf in Timeframe.allCases {
                    // Neighbouring ranges under one ticker as one span (fetched or known empty).
                    for c in try store.coverage(symbol: sym, timeframe: tf, start: Int64.min, end: Int64.max) where c.outcome != .failed {
                        let ticker = c.ticker ?? own
                        if let last = spans.last, last.0 == tf, last.1 == ticker, c.start <= last.2.end {
                            spans[spans.count - 1].2.end = max(last.2.end, c.end)
                            spans[spans.count - 1].3 += 1
                        } else {
                            spans.append((tf, ticker, c, 1))
                        }
                    }
                }
            } catch let error as StoreError {
                throw CLIFailure.store(error)
            }
            let chain = TickerChain(changes.map(\.event))
            if json {
                let doc = JSON.object([
                    ("symbol", .string(sym.text)), ("ticker", record.ticker.map { .string($0) } ?? .null),
                    (
                        "chain",
                        .array(
                            changes.map {
                                .object([
                                    ("from", .string(UTCTime.isoDate($0.exDate))), ("ticker", .string($0.ticker ?? "")),
                                    ("provider", .string($0.provider)),
                                ])
                            })
                    ),
                    (
                        "coverage",
                        .array(
                            spans.map { tf, ticker, c, n in
                                .object([
                                    ("timeframe", .string(tf.rawValue)), ("ticker", .string(ticker)),
                                    ("start", .string(UTCTime.iso(c.start))), ("end", .string(UTCTime.iso(c.end))),
                                    ("ranges", .int(Int64(n))),
                                ])
                            })
                    ),
                ])
                print(doc.text())
                return
            }
            if chain.links.isEmpty {
                print("\(sym): no ticker changes stored")
            } else {
                let provider = changes.first?.provider ?? ""
                print("\(sym): \(chain.renamed ? "renamed" : "never renamed") (as \(provider) reported it)")
                for link in chain.links { print("  from \(UTCTime.isoDate(link.from))  \(link.ticker)") }
            }
            if spans.isEmpty {
                print("no stored ranges")
                return
            }
            print("stored ranges by ticker (end exclusive):")
            let pad = { (s: String, n: Int) in s + String(repeating: " ", count: max(1, n - s.count)) }
            for (tf, ticker, c, n) in spans {
                print(
                    "  \(pad(tf.rawValue, 4))\(pad(ticker, 8))\(UTCTime.iso(c.start)) to \(UTCTime.iso(c.end))  (\(Format.count(n, "range")))"
                )
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
