/// API keys, the audit log and schedules in PostgreSQL.
extension PostgresStore {
    public func insertKey(_ key: APIKeyRecord) throws(StoreError) -> Int64 {
        try withReconnect { () throws(StoreError) in
            let r = try conn.execute(
                """
                INSERT INTO api_keys (name, scope, salt, hash, created_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (name) DO NOTHING RETURNING id
                """, [key.name, key.scope, key.salt, key.hash, String(key.createdAt)])
            guard r.rows == 1 else { throw .duplicate("an API key named '\(key.name)' exists (revoked keys keep their names)") }
            return r.int(0, 0)
        }
    }

    public func keys() throws(StoreError) -> [APIKeyRecord] {
        let r = try withReconnect { () throws(StoreError) in try conn.execute("SELECT \(Schema.keyColumns) FROM api_keys ORDER BY name") }
        return (0..<r.rows).map { keyRecord(r, $0) }
    }

    public func key(id: Int64) throws(StoreError) -> APIKeyRecord? {
        let r = try withReconnect { () throws(StoreError) in
            try conn.execute("SELECT \(Schema.keyColumns) FROM api_keys WHERE id = $1", [String(id)])
        }
        return r.rows > 0 ? keyRecord(r, 0) : nil
    }

    private func keyRecord(_ r: PGResult, _ i: Int) -> APIKeyRecord {
        APIKeyRecord(
            id: r.int(i, 0), name: r.text(i, 1) ?? "", scope: r.text(i, 2) ?? "", salt: r.text(i, 3) ?? "", hash: r.text(i, 4) ?? "",
            createdAt: r.int(i, 5), lastUsedAt: r.isNull(i, 6) ? nil : r.int(i, 6), revokedAt: r.isNull(i, 7) ? nil : r.int(i, 7))
    }

    public func touchKey(id: Int64, at: Int64) throws(StoreError) {
        _ = try withReconnect { () throws(StoreError) in
            try conn.execute("UPDATE api_keys SET last_used_at = $2 WHERE id = $1", [String(id), String(at)])
        }
    }

    public func revokeKey(name: String, at: Int64) throws(StoreError) -> Bool {
        try withReconnect { () throws(StoreError) in
            try conn.execute("UPDATE api_keys SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL", [name, String(at)]).affected > 0
        }
    }

    public func appendAudit(_ e: AuditEntry) throws(StoreError) {
        _ = try withReconnect { () throws(StoreError) in
            try conn.execute(
                "INSERT INTO audit_log (at, key_name, action, detail, request_id) VALUES ($1, $2, $3, $4, $5)",
                [String(e.at), e.keyName, e.action, e.detail, e.requestId])
        }
    }

    public func audit(limit: Int) throws(StoreError) -> [AuditEntry] {
        let r = try withReconnect { () throws(StoreError) in
            try conn.execute(
                "SELECT id, at, key_name, action, detail, request_id FROM audit_log ORDER BY id DESC LIMIT $1", [String(max(0, limit))])
        }
        return (0..<r.rows).map { i in
            AuditEntry(
                id: r.int(i, 0), at: r.int(i, 1), keyName: r.text(i, 2) ?? "", action: r.text(i, 3) ?? "", detail: r.text(i, 4) ?? "",
                requestId: r.text(i, 5))
        }
    }

    public func insertSchedule(_ s: ScheduleRecord) throws(StoreError) {
        try withReconnect { () throws(StoreError) in
            let r = try conn.execute(
                """
                INSERT INTO schedules (name, cron, timezone, job, arguments, command, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (name) DO NOTHING
                """, [s.name, s.cron, s.timezone, s.job, s.arguments, s.command, String(s.createdAt)])
            guard r.affected == 1 else { throw .duplicate("a schedule named '\(s.name)' exists; remove it first") }
        }
    }

    public func schedules() throws(StoreError) -> [ScheduleRecord] {
        let r = try withReconnect { () throws(StoreError) in
            try conn.execute("SELECT \(Schema.scheduleColumns) FROM schedules ORDER BY name")
        }
        return (0..<r.rows).map { i in
            ScheduleRecord(
                name: r.text(i, 0) ?? "", cron: r.text(i, 1) ?? "", timezone: r.text(i, 2) ?? "", job: r.text(i, 3) ?? "",
                arguments: r.text(i, 4) ?? "{}", command: r.text(i, 5) ?? "", createdAt: r.int(i, 6),
                lastFireAt: r.isNull(i, 7) ? nil : r.int(i, 7), lastRunId: r.isNull(i, 8) ? nil : r.int(i, 8), lastStatus: r.text(i, 9),
                lastSuccessAt: r.isNull(i, 10) ? nil : r.int(i, 10), skipped: Int(r.int(i, 11)))
        }
    }

    public func removeSchedule(name: String) throws(StoreError) -> Bool {
        try withReconnect { () throws(StoreError) in try conn.execute("DELETE FROM schedules WHERE name = $1", [name]).affected > 0 }
    }

    public func updateScheduleState(_ s: ScheduleRecord) throws(StoreError) {
        _ = try withReconnect { () throws(StoreError) in
            try conn.execute(
                """
                UPDATE schedules SET last_fire_at = $2, last_run_id = $3, last_status = $4, last_success_at = $5, skipped = $6
                WHERE name = $1
                """,
                [
                    s.name, s.lastFireAt.map(String.init), s.lastRunId.map(String.init), s.lastStatus, s.lastSuccessAt.map(String.init),
                    String(s.skipped),
                ])
        }
    }
}
