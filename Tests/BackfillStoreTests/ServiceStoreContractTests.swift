import BackfillCore
import BackfillStore
import BackfillTestSupport
import Testing

/// What the service keeps (API keys, audit, schedules, runs by page, the newest bar of each
/// series), proven against both backends.
@Suite("Store contract: service")
struct ServiceStoreContractTests {
    static let backends = TestBackend.available

    @Test("API keys: stored as given, names unique (revoked ones too), used and revoked", arguments: backends)
    func keys(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let id = try store.insertKey(APIKeyRecord(name: "ops", scope: "write", salt: "ab", hash: "cd", createdAt: 10))
        _ = try store.insertKey(APIKeyRecord(name: "dash", scope: "read", salt: "ef", hash: "01", createdAt: 11))
        #expect(throws: StoreError.self) {
            try store.insertKey(APIKeyRecord(name: "ops", scope: "read", salt: "", hash: "", createdAt: 12))
        }
        #expect(try store.keys().map(\.name) == ["dash", "ops"])
        #expect(try store.key(id: id) == APIKeyRecord(id: id, name: "ops", scope: "write", salt: "ab", hash: "cd", createdAt: 10))
        try store.touchKey(id: id, at: 20)
        #expect(try store.key(id: id)?.lastUsedAt == 20)
        #expect(try store.revokeKey(name: "ops", at: 30))
        #expect(try !store.revokeKey(name: "ops", at: 31), "revoking twice changes nothing")
        #expect(try !store.revokeKey(name: "nobody", at: 31))
        #expect(try store.key(id: id)?.revokedAt == 30)
        do {
            _ = try store.insertKey(APIKeyRecord(name: "ops", scope: "read", salt: "", hash: "", createdAt: 40))
            Issue.record("a revoked key's name was reused")
        } catch {
            #expect(error.kind == .duplicate && error.message.contains("'ops' exists"))
        }
        #expect(try store.key(id: 999) == nil)
    }

    @Test("the audit log keeps entries newest first", arguments: backends)
    func audit(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        for i in 1...3 {
            try store.appendAudit(AuditEntry(at: Int64(i), keyName: "ops", action: "symbol.add", detail: "S\(i)", requestId: "r\(i)"))
        }
        let entries = try store.audit(limit: 2)
        #expect(entries.map(\.detail) == ["S3", "S2"] && entries[0].requestId == "r3" && entries[0].keyName == "ops")
    }

    @Test("schedules: names unique, fire state updated, removed", arguments: backends)
    func schedules(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let nightly = ScheduleRecord(
            name: "nightly", cron: "0 2 * * *", timezone: "UTC", job: "run", arguments: #"{"run.timeframes":"1d"}"#,
            command: "run --timeframes 1d", createdAt: 5)
        try store.insertSchedule(nightly)
        #expect(throws: StoreError.self) { try store.insertSchedule(nightly) }
        var fired = nightly
        fired.lastFireAt = 100
        fired.lastRunId = 7
        fired.lastStatus = "complete"
        fired.lastSuccessAt = 101
        fired.skipped = 2
        try store.updateScheduleState(fired)
        #expect(try store.schedules() == [fired])
        #expect(try store.removeSchedule(name: "nightly"))
        #expect(try !store.removeSchedule(name: "nightly"))
        #expect(try store.schedules().isEmpty)
    }

    @Test("runs: by page (newest first, before an id), one by id with its document and trigger", arguments: backends)
    func runs(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let ids = try (1...5).map { i in try store.beginRun(startedAt: Int64(i), options: "{}", trigger: i == 5 ? "api:ops" : "cli") }
        try store.finishRun(RunRecord(id: ids[4], startedAt: 5, finishedAt: 6, status: "complete", summary: #"{"ok":true}"#))
        #expect(try store.runs(limit: 2, before: nil).map(\.id) == [ids[4], ids[3]])
        #expect(try store.runs(limit: 2, before: ids[3]).map(\.id) == [ids[2], ids[1]])
        #expect(try store.runs(limit: 10, before: ids[0]).isEmpty)
        let one = try #require(try store.run(id: ids[4]))
        #expect(one.summary == #"{"ok":true}"# && one.trigger == "api:ops" && one.status == "complete")
        #expect(try store.run(id: ids[0])?.trigger == "cli")
        #expect(try store.run(id: 9999) == nil)
    }

    @Test("the newest stored bar of each series", arguments: backends)
    func newestBars(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let spy = try Symbol("SPY"), btc = try Symbol("BTC")
        for (s, tf, stamps) in [(spy, Timeframe.d1, [86_400_000, 172_800_000]), (btc, .h1, [3_600_000]), (spy, .h1, [])] {
            let b = CandleBatch(capacity: 4)
            for ts in stamps { b.append(ts: Int64(ts), open: 1, high: 2, low: 0.5, close: 1.5, volume: 10, vwap: .nan, trades: -1) }
            _ = try store.write(b, symbol: s, timeframe: tf, coverage: nil)
        }
        let newest = try store.newestBars().map { "\($0.symbol) \($0.timeframe) \($0.ts)" }
        #expect(newest == ["BTC 1h 3600000", "SPY 1d 172800000"])
    }
}
