import BackfillCore
import BackfillTestSupport
import Foundation
import Logging
import Testing

@testable import BackfillPluginHost

/// Where a test loads plugins: into the test process, or through child processes (the built
/// `backfill`'s `plugin-child`), which must give the same providers and the same one-line errors.
enum LoadMode: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case inProcess = "in process"
    case child = "in a child process"

    var isolation: PluginIsolation {
        switch self {
        case .inProcess: .none
        case .child: .process(ProcessIsolation(helper: Fixtures.backfillExecutable, requestTimeout: 30))
        }
    }

    var testDescription: String { rawValue }
}

/// The loader: discovery, version negotiation, descriptor validation, and that one bad file never
/// stops the others from loading; the same whether plugins load in process or in a child.
@Suite("Plugin loader")
struct PluginLoaderTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let variants = Fixtures.packageRoot + "/Tests/BackfillPluginHostTests/CPlugins/variants.c"

    func registry(_ dirs: [String], env: [String: String] = [:], exe: String? = nil, _ mode: LoadMode) -> PluginRegistry {
        PluginRegistry(pluginDirs: dirs, environment: env, executableDir: exe, logger: Self.logger, isolation: mode.isolation)
    }

    @Test("the bundled replay plugin loads with its declared facts", arguments: LoadMode.allCases)
    func replayLoads(_ mode: LoadMode) throws {
        let dir = TemporaryDirectory()
        try dir.copy(Fixtures.replayPlugin, to: "libreplay.so")
        let r = registry([dir.path], mode)
        #expect(r.failures.isEmpty)
        let p = try r.provider(named: "replay")
        #expect(p.abiVersion == "1.4")
        #expect(p.options.map(\.name) == ["root", "page_size", "faults"])
        #expect(p.timeframes == Timeframe.allCases)
        #expect(p.capabilities.contains([.candles, .splits, .dividends, .threadSafe]))
        #expect(p.defaultRate == 0)
    }

    @Test("each broken file fails with a one-line reason naming it, and the good ones still load", arguments: LoadMode.allCases)
    func failuresAreReportedAndOthersLoad(_ mode: LoadMode) throws {
        let dir = TemporaryDirectory()
        try dir.write("libnotaplugin.so", "this is not an ELF file\n")
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libnoentry.so", defines: ["NO_ENTRY"])
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libdecline.so", defines: ["DECLINE"])
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libmajor2.so", defines: ["MAJOR2"])
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libshort.so", defines: ["SHORT"])
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libgood.so", defines: [])
        try dir.write("README.txt", "not a shared object name, never tried\n")
        let r = registry([dir.path], mode)

        #expect(r.providers.map(\.name) == ["variant"])
        let reasons = Dictionary(uniqueKeysWithValues: r.failures.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0.description) })
        #expect(reasons.count == 5)
        #expect(reasons["libnotaplugin.so"]?.contains("not a loadable shared object") == true)
        #expect(reasons["libnoentry.so"]?.contains("no bf_provider_entry") == true)
        #expect(reasons["libdecline.so"]?.contains("returned NULL") == true)
        #expect(reasons["libmajor2.so"]?.contains("incompatible ABI version 2.0") == true)
        #expect(reasons["libshort.so"]?.contains("descriptor too short: 16 bytes") == true)

        for (file, text) in reasons {
            #expect(text.hasPrefix(dir.path + "/" + file + ": "))
            #expect(!text.contains("\n"))
        }
    }

    @Test("a plugin from a newer minor version, with a longer descriptor, loads and works", arguments: LoadMode.allCases)
    func newerMinorLoads(_ mode: LoadMode) async throws {
        let dir = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libnew.so", defines: ["NEWER_MINOR"])
        let r = registry([dir.path], mode)
        let p = try r.provider(named: "variant")
        #expect(p.abiVersion == "1.7")
        let candles = try await fetchAll(p, symbol: "ABC", timeframe: .d1, start: 0, end: Int64.max / 2)
        #expect(candles.count == 3)
        #expect(candles.first == Candle(ts: 1_577_923_200_000, open: 10, high: 12, low: 9, close: 11, volume: 1000, vwap: 10.5, trades: 7))
    }

    @Test("a 1.0 plugin with a descriptor of exactly the 1.0 size loads", arguments: LoadMode.allCases)
    func olderMinorLoads(_ mode: LoadMode) throws {
        let dir = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libold.so", defines: ["OLDER_MINOR"])
        let p = try registry([dir.path], mode).provider(named: "variant")
        #expect(p.abiVersion == "1.0")
        #expect(p.defaultRate == 2.5)
        #expect(p.timeframes == [.d1])
        #expect(p.options.isEmpty)  // the table is past the 1.0 descriptor's end: never read
    }

    @Test(
        "declared options (ABI 1.1) are read; a run's options are the given ones plus defaults, secrets masked",
        arguments: LoadMode.allCases)
    func declaredOptions(_ mode: LoadMode) throws {
        let dir = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libv.so", defines: [])
        let p = try registry([dir.path], mode).provider(named: "variant")
        #expect(p.abiVersion == "1.4")
        #expect(
            p.options == [
                LoadedProvider.OptionSpec(name: "token", defaultValue: nil, secret: true, help: "a secret"),
                LoadedProvider.OptionSpec(name: "mode", defaultValue: "fast", secret: false, help: "how to serve"),
            ])
        #expect(p.effectiveOptions([:]) == ["mode": "fast"])
        #expect(
            p.effectiveOptions(["token": "abc123", "mode": "slow", "password_hint": "x", "extra": "1"])
                == ["token": "***", "mode": "slow", "password_hint": "***", "extra": "1"])
    }

    @Test("two plugins with one name: the first in search order wins, the second is reported", arguments: LoadMode.allCases)
    func duplicateNames(_ mode: LoadMode) throws {
        let a = TemporaryDirectory(), b = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: a.path + "/libone.so", defines: [])
        try Run.compilePlugin(source: Self.variants, output: b.path + "/libtwo.so", defines: [])
        let r = registry([a.path], env: ["BACKFILL_PLUGIN_PATH": b.path], mode)
        #expect(r.providers.count == 1)
        #expect(r.providers[0].path == a.path + "/libone.so")
        #expect(r.failures.count == 1)
        #expect(r.failures[0].description.contains("a second plugin named 'variant'"))
        #expect(r.failures[0].path == b.path + "/libtwo.so")
    }

    @Test("the same file found twice (a folder named twice) is loaded once, silently", arguments: LoadMode.allCases)
    func sameFileTwice(_ mode: LoadMode) throws {
        let a = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: a.path + "/libone.so", defines: [])
        let r = registry([a.path, a.path + "/"], env: ["BACKFILL_PLUGIN_PATH": a.path], mode)
        #expect(r.providers.count == 1)
        #expect(r.failures.isEmpty)
    }

    @Test("next to the executable only lib*Provider.so is picked up; the current directory never is", arguments: LoadMode.allCases)
    func executableFolder(_ mode: LoadMode) throws {
        let exe = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: exe.path + "/libVariantProvider.so", defines: [])
        try Run.compilePlugin(
            source: Self.variants, output: exe.path + "/libother.so", defines: ["PLUGIN_NAME=\"other\""])
        let r = registry([], exe: exe.path, mode)
        #expect(r.providers.map(\.name) == ["variant"])
        #expect(r.searched.contains(exe.path + "/plugins"))
        #expect(!r.searched.contains("."))
        #expect(!r.searched.contains(FileManager.default.currentDirectoryPath))
    }

    @Test("an unknown provider name lists the ones available", arguments: LoadMode.allCases)
    func unknownProvider(_ mode: LoadMode) throws {
        let dir = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libv.so", defines: [])
        let r = registry([dir.path], mode)
        #expect(throws: PluginLoadError.self) { try r.provider(named: "polygon") }
        do {
            _ = try r.provider(named: "polygon")
        } catch {
            #expect(error.description == "unknown provider 'polygon'; available: variant")
        }
    }
}

extension PluginLoaderTests {
    @Test("under isolation, a plugin that crashes while loading is a failure of that file, and the files after it still load")
    func crashWhileLoading() throws {
        let dir = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/liba.so", defines: ["PLUGIN_NAME=\"first\""])
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libb.so", defines: ["CRASH_IN_ENTRY"])
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libc.so", defines: ["PLUGIN_NAME=\"third\""])
        let r = registry([dir.path], .child)
        #expect(r.providers.map(\.name) == ["first", "third"])
        #expect(
            r.failures.map(\.description) == [dir.path + "/libb.so: crashed (SIGSEGV) while loading (its constructor or bf_provider_entry)"]
        )
    }

    @Test("an instance in a child serves the same rows as one in process, through shared memory or a plain batch")
    func childServesTheSameRows() async throws {
        let dir = TemporaryDirectory()
        try dir.copy(Fixtures.replayPlugin, to: "libreplay.so")
        let config = ["root": Fixtures.fixturesDir + "/replay"]
        let request = CandleRequest(
            symbol: try Symbol("SPY"), assetClass: .etf, timeframe: .h1, start: try UTCTime.parse("2019-01-01"),
            end: try UTCTime.parse("2020-01-01"))
        var results: [[Candle]] = []
        for (mode, shared) in [(LoadMode.inProcess, false), (.child, true), (.child, false)] {
            let instance = try registry([dir.path], mode).provider(named: "replay").makeInstance(configuration: config)
            #expect(instance.provider.isolated == (mode == .child))
            let batch = shared ? instance.makeBatch(capacity: 500) : CandleBatch(capacity: 500)
            #expect((batch.storage != nil) == shared)
            var cursor: String?
            var rows: [Candle] = []
            repeat {
                let page = try await instance.fetchPage(request, cursor: cursor, into: batch)
                #expect(page.count == batch.count && batch.count <= 500)
                rows += batch.rows
                cursor = page.nextCursor
            } while cursor != nil
            results.append(rows)
        }
        #expect(results[0].count == 1_755)  // the fixture's hourly bars of 2019
        #expect(results[1] == results[0] && results[2] == results[0])
    }

    @Test("under isolation, create's errors and events come back from the child as in process")
    func createAndEventsThroughTheChild() async throws {
        let dir = TemporaryDirectory()
        try dir.copy(Fixtures.replayPlugin, to: "libreplay.so")
        for mode in LoadMode.allCases {
            let provider = try registry([dir.path], mode).provider(named: "replay")
            do {
                _ = try provider.makeInstance(configuration: ["root": "/nonexistent/x"])
                Issue.record("a bad root was accepted")
            } catch {
                #expect(error.kind == .badRequest || error.kind == .permanent, "\(mode)")
                #expect(error.message.contains("/nonexistent/x"), "\(mode): \(error.message)")
            }
            let instance = try provider.makeInstance(configuration: ["root": Fixtures.fixturesDir + "/replay"])
            let (events, next) = try await instance.fetchEvents(
                symbol: try Symbol("AAPL"), ticker: nil, assetClass: .stock, kinds: [.split, .dividend], start: 0, end: Int64.max / 2,
                cursor: nil)
            #expect(events.filter { $0.kind == .split }.count == 4 && next == nil, "\(mode)")
        }
    }
}

/// Fetches every page of a range through a fresh instance.
func fetchAll(
    _ provider: LoadedProvider, symbol: String, timeframe: Timeframe, start: Int64, end: Int64,
    config: [String: String] = [:], pageLimit: Int? = nil, capacity: Int = 1000
) async throws -> [Candle] {
    let instance = try provider.makeInstance(configuration: config)
    let request = CandleRequest(
        symbol: try Symbol(symbol), assetClass: .stock, timeframe: timeframe, start: start, end: end)
    let batch = CandleBatch(capacity: capacity)
    var cursor: String?
    var out: [Candle] = []
    repeat {
        let page = try await instance.fetchPage(request, cursor: cursor, into: batch, pageLimit: pageLimit)
        out += batch.rows
        cursor = page.nextCursor
    } while cursor != nil
    return out
}
