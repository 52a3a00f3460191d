import BackfillTestSupport
import Foundation
import Testing

/// A symbol's history before its listing or after its delisting is not a hole: with the
/// provider's dates (replay: listing.csv) nothing outside them is fetched and the missing days
/// are provider_empty with a reason; without them, the first stored bar of a series asked for
/// from earlier counts as the listing.
@Suite("CLI: listings")
struct ListingTests {
    /// IPO: SPY's 2019 daily bars from 2019-06-03 to 2019-09-30 only, as the whole history of a
    /// symbol, and a run over all of 2019.
    struct Listed {
        let dir = TemporaryDirectory("backfill-listing")
        var db: String { "sqlite:\(dir.path)/db.sqlite" }
        static let (listed, delisted): (Int64, Int64) = (1_559_520_000_000, 1_569_801_600_000)  // 2019-06-03, 2019-09-30

        init(listing: String?) throws {
            let spy = try String(contentsOfFile: Fixtures.fixturesDir + "/replay/SPY/1d.csv", encoding: .utf8)
            let lines = spy.split(separator: "\n").map(String.init)
            func ts(_ row: String) -> Int64 { Int64(row.prefix { $0 != "," }) ?? -1 }
            let rows = lines.dropFirst().filter { ts($0) >= Self.listed && ts($0) <= Self.delisted }
            try dir.write("replay/IPO/1d.csv", ([lines[0]] + rows).joined(separator: "\n") + "\n")
            if let listing { try dir.write("replay/IPO/listing.csv", listing) }
            #expect(try backfill(["symbols", "add", "IPO", "--asset-class", "stock"]).status == 0)
        }

        func backfill(_ args: [String]) throws -> ProcessOutput { try Run.backfill(args + ["--database", db]) }

        func run() throws -> (ProcessOutput, [String: Any]) {
            let out = try backfill([
                "run", "--replay-dir", dir.path + "/replay", "--timeframes", "1d", "--start", "2019-01-01", "--end", "2020-01-01",
                "--results", dir.path + "/r.json",
            ])
            let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/r.json")))
            return (out, doc as? [String: Any] ?? [:])
        }

        func sql(_ q: String) throws -> String {
            try Run.program("/usr/bin/env", ["sqlite3", dir.path + "/db.sqlite", q]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        static func gaps(_ doc: [String: Any]) -> [String] {
            (doc["gaps_remaining"] as? [[String: Any]] ?? []).map {
                "\($0["class"] as? String ?? "") \($0["reason"] as? String ?? "-") \($0["start"] as? String ?? "") \($0["end"] as? String ?? "") \($0["missing"] as? Int ?? 0)"
            }
        }
    }

    @Test(
        "listing.csv: nothing fetched outside [listed, delisted]; the days before and after are provider_empty, before_listing and after_delisting; the matrix shows no ✗"
    )
    func providerDates() throws {
        let w = try Listed(listing: "listed,delisted\n2019-06-03,2019-09-30\n")
        let (out, doc) = try w.run()
        #expect(out.status == 0, "only provider_empty gaps: \(out.stdout)\(out.stderr)")
        #expect(
            try w.sql("SELECT kind, ex_date FROM corporate_events ORDER BY ex_date") == "listing|1559520000000\ndelisting|1569801600000")
        // The fetch asked for [listed, the day after delisted) only.
        #expect(try w.sql("SELECT start_ts, end_ts FROM coverage WHERE outcome = 'fetched'") == "1559520000000|1569888000000")
        #expect(
            Listed.gaps(doc) == [
                "provider_empty before_listing 2019-01-02T00:00:00Z 2019-05-31T00:00:00Z 104",
                "provider_empty after_delisting 2019-10-01T00:00:00Z 2019-12-31T00:00:00Z 64",
            ], "\(Listed.gaps(doc))")
        let matrix = try w.backfill(["matrix", "--timeframes", "1d", "--start", "2019-01-01", "--end", "2020-01-01"])
        #expect(matrix.stdout.contains("IPO     ~"), "\(matrix.stdout)")
        let gaps = try w.backfill(["gaps", "--timeframes", "1d", "--start", "2019-01-01", "--end", "2020-01-01"])
        #expect(gaps.stdout.contains("before_listing") && gaps.stdout.contains("after_delisting"), "\(gaps.stdout)")
        // A bad listing file is the provider's one-line error, naming the file and line; the stored dates stay.
        try w.dir.write("replay/IPO/listing.csv", "listed\nsoon\n")
        let bad = try w.backfill(["events", "--replay-dir", w.dir.path + "/replay", "--symbols", "IPO"])
        #expect(bad.stderr.contains("listing.csv:2: unparseable date 'soon'"), "\(bad.stderr)")
    }

    @Test(
        "without listing dates: the first stored bar of a series asked for from earlier is the listing; the days before are provider_empty before_listing"
    )
    func inferred() throws {
        let w = try Listed(listing: nil)
        let (out, doc) = try w.run()
        #expect(try w.sql("SELECT count(*) FROM corporate_events") == "0")
        #expect(try w.sql("SELECT min(start_ts) FROM coverage") == "1546300800000", "asked from the range's start")
        let gaps = Listed.gaps(doc)
        #expect(gaps.first == "provider_empty before_listing 2019-01-02T00:00:00Z 2019-05-31T00:00:00Z 104", "\(gaps) \(out.stderr)")
        // After the last bar nothing says delisted: those days keep no reason.
        #expect(gaps.dropFirst().allSatisfy { $0.hasPrefix("provider_empty - ") }, "\(gaps)")
    }
}
