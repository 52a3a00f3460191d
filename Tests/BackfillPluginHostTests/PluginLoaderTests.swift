import BackfillCore
import BackfillTestSupport
import Foundation
import Logging
import Testing

@testable import BackfillPluginHost

/// The loader: discovery, version negotiation, descriptor validation, and that one bad file never
/// stops the others from loading.
@Suite("Plugin loader")
struct PluginLoaderTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let variants = Fixtures.packageRoot + "/Tests/BackfillPluginHostTests/CPlugins/variants.c"

    func registry(_ dirs: [String], env: [String: String] = [:], exe: String? = nil) -> PluginRegistry {
        PluginRegistry(pluginDirs: dirs, environment: env, executableDir: exe, logger: Self.logger)
    }

    @Test("the bundled replay plugin loads with its declared facts")
    func replayLoads() throws {
        let dir = TemporaryDirectory()
        try dir.copy(Fixtures.replayPlugin, to: "libreplay.so")
        let r = registry([dir.path])
        #expect(r.failures.isEmpty)
        let p = try r.provider(named: "replay")
        #expect(p.abiVersion == "1.1")
        #expect(p.options.map(\.name) == ["root", "page_size", "faults"])
        #expect(p.timeframes == Timeframe.allCases)
        #expect(p.capabilities.contains([.candles, .splits, .dividends, .threadSafe]))
        #expect(p.defaultRate == 0)
    }

    @Test("each broken file fails with a one-line reason naming it, and the good ones still load")
    func failuresAreReportedAndOthersLoad() throws {
        let dir = TemporaryDirectory()
        try dir.write("libnotaplugin.so", "this is not an ELF file\n")
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libnoentry.so", defines: ["NO_ENTRY"])
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libdecline.so", defines: ["DECLINE"])
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libmajor2.so", defines: ["MAJOR2"])
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libshort.so", defines: ["SHORT"])
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libgood.so", defines: [])
        try dir.write("README.txt", "not a shared object name, never tried\n")
        let r = registry([dir.path])

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

    @Test("a plugin from a newer minor version, with a longer descriptor, loads and works")
    func newerMinorLoads() async throws {
        let dir = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libnew.so", defines: ["NEWER_MINOR"])
        let r = registry([dir.path])
        let p = try r.provider(named: "variant")
        #expect(p.abiVersion == "1.7")
        let candles = try await fetchAll(p, symbol: "ABC", timeframe: .d1, start: 0, end: Int64.max / 2)
        #expect(candles.count == 3)
        #expect(candles.first == Candle(ts: 1_577_923_200_000, open: 10, high: 12, low: 9, close: 11, volume: 1000, vwap: 10.5, trades: 7))
    }

    @Test("a 1.0 plugin with a descriptor of exactly the 1.0 size loads")
    func olderMinorLoads() throws {
        let dir = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libold.so", defines: ["OLDER_MINOR"])
        let p = try registry([dir.path]).provider(named: "variant")
        #expect(p.abiVersion == "1.0")
        #expect(p.defaultRate == 2.5)
        #expect(p.timeframes == [.d1])
        #expect(p.options.isEmpty)  // the table is past the 1.0 descriptor's end: never read
    }

    @Test("declared options (ABI 1.1) are read; a run's options are the given ones plus defaults, secrets masked")
    func declaredOptions() throws {
        let dir = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libv.so", defines: [])
        let p = try registry([dir.path]).provider(named: "variant")
        #expect(p.abiVersion == "1.1")
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

    @Test("two plugins with one name: the first in search order wins, the second is reported")
    func duplicateNames() throws {
        let a = TemporaryDirectory(), b = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: a.path + "/libone.so", defines: [])
        try Run.compilePlugin(source: Self.variants, output: b.path + "/libtwo.so", defines: [])
        let r = registry([a.path], env: ["BACKFILL_PLUGIN_PATH": b.path])
        #expect(r.providers.count == 1)
        #expect(r.providers[0].path == a.path + "/libone.so")
        #expect(r.failures.count == 1)
        #expect(r.failures[0].description.contains("a second plugin named 'variant'"))
        #expect(r.failures[0].path == b.path + "/libtwo.so")
    }

    @Test("the same file found twice (a folder named twice) is loaded once, silently")
    func sameFileTwice() throws {
        let a = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: a.path + "/libone.so", defines: [])
        let r = registry([a.path, a.path + "/"], env: ["BACKFILL_PLUGIN_PATH": a.path])
        #expect(r.providers.count == 1)
        #expect(r.failures.isEmpty)
    }

    @Test("next to the executable only lib*Provider.so is picked up; the current directory never is")
    func executableFolder() throws {
        let exe = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: exe.path + "/libVariantProvider.so", defines: [])
        try Run.compilePlugin(
            source: Self.variants, output: exe.path + "/libother.so", defines: ["PLUGIN_NAME=\"other\""])
        let r = registry([], exe: exe.path)
        #expect(r.providers.map(\.name) == ["variant"])
        #expect(r.searched.contains(exe.path + "/plugins"))
        #expect(!r.searched.contains("."))
        #expect(!r.searched.contains(FileManager.default.currentDirectoryPath))
    }

    @Test("an unknown provider name lists the ones available")
    func unknownProvider() throws {
        let dir = TemporaryDirectory()
        try Run.compilePlugin(source: Self.variants, output: dir.path + "/libv.so", defines: [])
        let r = registry([dir.path])
        #expect(throws: PluginLoadError.self) { try r.provider(named: "polygon") }
        do {
            _ = try r.provider(named: "polygon")
        } catch {
            #expect(error.description == "unknown provider 'polygon'; available: variant")
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
