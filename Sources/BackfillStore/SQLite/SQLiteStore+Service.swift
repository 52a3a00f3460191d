internal import CSQLite

/// API keys, the audit log and schedules in SQLite.
extension SQLiteStore {
    public func insertKey(_ key: APIKeyRecord) throws(StoreError) -> Int64 {
        try transaction { () throws(StoreError) in
            let exists = try db.prepare("SELECT 1 FROM api_keys WHERE name = ?1")
            exists.bind(1, key.name)
            defer { exists.reset() }
            if try exists.step() { throw .duplicate("an API key named '\(key.name)' exists (revoked keys keep their names)") }
            let s = try db.prepare("INSERT INTO api_keys (name, scope, salt, hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
            s.bind(1, key.name)
            s.bind(2, key.scope)
            s.bind(3, key.salt)
            s.bind(4, key.hash)
            s.bind(5, key.createdAt)
            try s.run()
            return sqlite3_last_insert_rowid(db.handle)
        }
    }

    public func keys() throws(StoreError) -> [APIKeyRecord] {
        let s = try db.prepare("SELECT \(Schema.keyColumns) FROM api_keys ORDER BY name")
        defer { s.reset() }
        var out: [APIKeyRecord] = []
        while try s.step() { out.append(keyRecord(s)) }
        return out
    }

    public func key(id: Int64) throws(StoreError) -> APIKeyRecord? {
        let s = try db.prepare("SELECT \(Schema.keyColumns) FROM api_keys WHERE id = ?1")
        s.bind(1, id)
        defer { s.reset() }
        return try s.step() ? keyRecord(s) : nil
    }

    private func keyRecord(_ s: SQLiteStatement) -> APIKeyRecord {
        APIKeyRecord(
            id: s.int(0), name: s.text(1) ?? "", scope: s.text(2) ?? "", salt: s.text(3) ?? "", hash: s.text(4) ?? "",
            createdAt: s.int(5), lastUsedAt: s.isNull(6) ? nil : s.int(6), revokedAt: s.isNull(7) ? nil : s.int(7))
    }

    public func touchKey(id: Int64, at: Int64) throws(StoreError) {
        try transaction { () throws(StoreError) in
            let s = try db.prepare("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1")
            s.bind(1, id)
            s.bind(2, at)
            try s.run()
        }
    }

    public func revokeKey(name: String, at: Int64) throws(StoreError) -> Bool {
        try transaction { () throws(StoreError) in
            let s = try db.prepare("UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL")
            s.bind(1, name)
            s.bind(2, at)
            try s.run()
            return db.changes > 0
        }
    }

    public func appendAudit(_ e: AuditEntry) throws(StoreError) {
        try transaction { () throws(StoreError) in
            let s = try db.prepare("INSERT INTO audit_log (at, key_name, action, detail, request_id) VALUES (?1, ?2, ?3, ?4, ?5)")
            s.bind(1, e.at)
            s.bind(2, e.keyName)
            s.bind(3, e.action)
            s.bind(4, e.detail)
            s.bind(5, e.requestId)
            try s.run()
        }
    }

    public func audit(limit: Int) throws(StoreError) -> [AuditEntry] {
        let s = try db.prepare("SELECT id, at, key_name, action, detail, request_id FROM audit_log ORDER BY id DESC LIMIT ?1")
        s.bind(1, Int64(max(0, limit)))
        defer { s.reset() }
        var out: [AuditEntry] = []
        while try s.step() {
            out.append(
                AuditEntry(
                    id: s.int(0), at: s.int(1), keyName: s.text(2) ?? "", action: s.text(3) ?? "", detail: s.text(4) ?? "",
                    requestId: s.text(5)))
        }
        return out
    }

    public func insertSchedule(_ r: ScheduleRecord) throws(StoreError) {
        try transaction { () throws(StoreError) in
            let exists = try db.prepare("SELECT 1 FROM schedules WHERE name = ?1")
            exists.bind(1, r.name)
            defer { exists.reset() }
            if try exists.step() { throw .duplicate("a schedule named '\(r.name)' exists; remove it first") }
            let s = try db.prepare(
                "INSERT INTO schedules (name, cron, timezone, job, arguments, command, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            s.bind(1, r.name)
            s.bind(2, r.cron)
            s.bind(3, r.timezone)
            s.bind(4, r.job)
            s.bind(5, r.arguments)
            s.bind(6, r.command)
            s.bind(7, r.createdAt)
            try s.run()
        }
    }

    public func schedules() throws(StoreError) -> [ScheduleRecord] {
        let s = try db.prepare("SELECT \(Schema.scheduleColumns) FROM schedules ORDER BY name")
        defer { s.reset() }
        var out: [ScheduleRecord] = []
        while try s.step() {
            out.append(
                ScheduleRecord(
                    name: s.text(0) ?? "", cron: s.text(1) ?? "", timezone: s.text(2) ?? "", job: s.text(3) ?? "",
                    arguments: s.text(4) ?? "{}", command: s.text(5) ?? "", createdAt: s.int(6), lastFireAt: s.isNull(7) ? nil : s.int(7),
                    lastRunId: s.isNull(8) ? nil : s.int(8), lastStatus: s.text(9), lastSuccessAt: s.isNull(10) ? nil : s.int(10),
                    skipped: Int(s.int(11))))
        }
        return out
    }

    public func removeSchedule(name: String) throws(StoreError) -> Bool {
        try transaction { () throws(StoreError) in
            let s = try db.prepare("DELETE FROM schedules WHERE name = ?1")
            s.bind(1, name)
            try s.run()
            return db.changes > 0
        }
    }

    public func updateScheduleState(_ r: ScheduleRecord) throws(StoreError) {
        try transaction { () throws(StoreError) in
            let s = try db.prepare(
                """
                UPDATE schedules SET last_fire_at = ?2, last_run_id = ?3, last_status = ?4, last_success_at = ?5, skipped = ?6
                WHERE name = ?1
                """)
            s.bind(1, r.name)
            s.bind(2, r.lastFireAt)
            s.bind(3, r.lastRunId)
            s.bind(4, r.lastStatus)
            s.bind(5, r.lastSuccessAt)
            s.bind(6, Int64(r.skipped))
            try s.run()
        }
    }
}
