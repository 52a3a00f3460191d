internal import CSQLite

/// One SQLite connection: opened in `init`, closed in `deinit`. Every result code goes through
/// ``check(_:_:)``, which turns it into a ``StoreError`` with the native code kept.
final class SQLiteConnection {
    let path: String
    let handle: OpaquePointer

    /// - Parameter busySeconds: how long a statement waits for another process's write lock
    ///   before it fails with SQLITE_BUSY.
    init(path: String, busySeconds: Double) throws(StoreError) {
        self.path = path
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError(.connection, "cannot open SQLite database '\(path)': \(message)", code: "\(rc)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Int32(clamping: Int64((max(0, busySeconds) * 1000).rounded())))
    }

    deinit { sqlite3_close_v2(handle) }

    /// Throws unless `rc` is OK/ROW/DONE.
    @inline(__always)
    func check(_ rc: Int32, _ sql: String?) throws(StoreError) {
        guard rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE else { return }
        throw error(rc, sql)
    }

    /// The ``StoreError`` for a result code, with a message a user can act on.
    func error(_ rc: Int32, _ sql: String?) -> StoreError {
        let primary = rc & 0xff
        let native = String(cString: sqlite3_errmsg(handle))
        switch primary {
        case SQLITE_READONLY:
            return StoreError(.storage, "SQLite database '\(path)' is read-only (\(native))", code: "\(rc)", statement: sql)
        case SQLITE_FULL:
            return StoreError(.storage, "disk full while writing SQLite database '\(path)'", code: "\(rc)", statement: sql)
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_IOERR:
            return StoreError(.storage, "cannot write SQLite database '\(path)': \(native)", code: "\(rc)", statement: sql)
        case SQLITE_NOTADB, SQLITE_CORRUPT:
            return StoreError(.schema, "'\(path)' is not a usable SQLite database: \(native)", code: "\(rc)", statement: sql)
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StoreError(
                .locked, "SQLite database '\(path)' is busy (another process holds a write lock)", code: "\(rc)", statement: sql)
        default:
            return StoreError(.database, "SQLite error on '\(path)': \(native)", code: "\(rc)", statement: sql)
        }
    }

    /// Runs statements without results.
    func execute(_ sql: String) throws(StoreError) {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if let err { sqlite3_free(err) }
        try check(rc, sql)
    }

    func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
}

/// One prepared statement: finalized in `deinit`, reset after each use.
final class SQLiteStatement {
    unowned let connection: SQLiteConnection
    let sql: String
    let handle: OpaquePointer

    init(connection: SQLiteConnection, sql: String) throws(StoreError) {
        self.connection = connection
        self.sql = sql
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw connection.error(rc, sql) }
        handle = stmt
    }

    deinit { sqlite3_finalize(handle) }

    @inline(__always) func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(handle, i, v) }
    @inline(__always) func bind(_ i: Int32, _ v: Double) { sqlite3_bind_double(handle, i, v) }
    @inline(__always) func bindNull(_ i: Int32) { sqlite3_bind_null(handle, i) }
    func bind(_ i: Int32, _ v: String?) {
        guard let v else { return bindNull(i) }
        sqlite3_bind_text(handle, i, v, -1, bf_sqlite_transient())
    }
    func bind(_ i: Int32, _ v: Int64?) {
        guard let v else { return bindNull(i) }
        bind(i, v)
    }

    /// Steps once; returns true when a row is available.
    @inline(__always)
    func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        sqlite3_reset(handle)
        throw connection.error(rc, sql)
    }

    /// Runs to completion and resets.
    func run() throws(StoreError) {
        defer { reset() }
        while try step() {}
    }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    @inline(__always) func int(_ c: Int32) -> Int64 { sqlite3_column_int64(handle, c) }
    @inline(__always) func double(_ c: Int32) -> Double { sqlite3_column_double(handle, c) }
    @inline(__always) func isNull(_ c: Int32) -> Bool { sqlite3_column_type(handle, c) == SQLITE_NULL }
    func text(_ c: Int32) -> String? {
        guard let p = sqlite3_column_text(handle, c) else { return nil }
        return String(cString: p)
    }
}
