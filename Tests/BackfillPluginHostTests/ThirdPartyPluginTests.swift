import BackfillCore
import BackfillTestSupport
import Foundation
import Logging
import Testing

@testable import BackfillPluginHost

/// The example C plugin, compiled with the system compiler outside SwiftPM exactly as the plugin
/// guide says, dropped into a folder, and used through the host.
@Suite("Third-party C plugin")
struct ThirdPartyPluginTests {
    static let source = Fixtures.packageRoot + "/Plugins/Examples/RandomWalk/randomwalk.c"

    func load() throws -> (TemporaryDirectory, LoadedProvider) {
        let dir = TemporaryDirectory()
        try Run.compilePlugin(source: Self.source, output: dir.path + "/librandomwalk.so")
        let registry = PluginRegistry(
            pluginDirs: [dir.path], environment: [:], executableDir: nil,
            logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
        #expect(registry.failures.isEmpty)
        return (dir, try registry.provider(named: "randomwalk"))
    }

    @Test("it loads and serves whole, valid, aligned bars for the range, page after page")
    func fetches() async throws {
        let (dir, provider) = try load()
        defer { withExtendedLifetime(dir) {} }
        #expect(provider.capabilities.contains([.candles, .threadSafe]))
        let start = try UTCTime.parse("2024-03-01"), end = try UTCTime.parse("2024-03-08")
        let rows = try await fetchAll(provider, symbol: "ABC", timeframe: .h1, start: start, end: end, pageLimit: 50)
        #expect(rows.count == 7 * 24)
        #expect(rows.map(\.ts) == (0..<(7 * 24)).map { start + Int64($0) * 3_600_000 })
        let batch = CandleBatch(capacity: rows.count)
        for r in rows { batch.append(ts: r.ts, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume) }
        #expect(batch.validate(start: start, end: end, after: nil).rejected == 0)
        let again = try await fetchAll(provider, symbol: "ABC", timeframe: .h1, start: start, end: end, pageLimit: 1000)
        #expect(again == rows)
    }

    @Test("its configured failure reaches the host as a permanent error with the plugin's message")
    func failure() async throws {
        let (dir, provider) = try load()
        defer { withExtendedLifetime(dir) {} }
        do {
            _ = try await fetchAll(provider, symbol: "BAD", timeframe: .d1, start: 0, end: 86_400_000 * 10, config: ["fail_symbol": "BAD"])
            Issue.record("expected a failure")
        } catch let error as ProviderError {
            #expect(error.kind == .permanent)
            #expect(!error.message.isEmpty)
        }
    }
}
