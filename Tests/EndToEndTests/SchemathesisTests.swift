import BackfillTestSupport
import Foundation
import Testing

/// schemathesis (PyPI, pinned in .ci/run) against docs/openapi.json and a real server: no
/// server error, and every response matches the document (status, content type, schema,
/// headers).
@Suite("Server: schemathesis against the OpenAPI document", .serialized)
struct SchemathesisTests {
    /// `BACKFILL_SCHEMATHESIS`, else the venv `.ci/run` makes.
    static let st: String? = {
        let candidates = [ProcessInfo.processInfo.environment["BACKFILL_SCHEMATHESIS"], Fixtures.packageRoot + "/.venv-ci/bin/st"]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @Test("no server error and no response outside the schema", .enabled(if: st != nil || ProcessInfo.processInfo.environment["CI"] != nil))
    func conformance() throws {
        let st = try #require(Self.st, "schemathesis is not installed: .ci/run makes .venv-ci (or set BACKFILL_SCHEMATHESIS)")
        let f = try ServerFixture()
        _ = try f.backfill(["symbols", "add", "SPY", "--asset-class", "etf"])
        _ = try f.backfill([
            "run", "--timeframes", "1d", "--start", "2020-10-01", "--end", "2021-04-01", "--results", f.dir.path + "/r.json",
        ])
        try f.start()
        let out = try Run.program(
            st,
            [
                "run", Fixtures.packageRoot + "/docs/openapi.json", "--url", f.url, "-H", "X-API-Key: \(f.keys["admin"]!)",
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance",
                "--max-examples", "20", "--workers", "1", "--request-timeout", "30", "--no-color", "--suppress-health-check", "all",
            ], environment: ["SCHEMATHESIS_HOOKS": "", "HOME": f.dir.path], directory: f.dir.path)
        #expect(out.status == 0, "schemathesis found problems:\n\(out.stdout.suffix(6000))\n\(out.stderr.suffix(2000))")
        #expect(out.stdout.contains("passed") || out.stdout.contains("Passed"), "\(out.stdout.suffix(2000))")
        #expect(f.stop(timeout: 120) == 0)
    }
}
