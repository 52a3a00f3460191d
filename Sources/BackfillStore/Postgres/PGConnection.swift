internal import BackfillCore
internal import CLibPQ

/// One libpq connection: opened in `init`, finished in `deinit`. Failures become ``StoreError``s
/// with the SQLSTATE kept and the password scrubbed from every message.
final class PGConnection {
    private(set) var handle: OpaquePointer
    let url: DatabaseURL
    private let conninfo: String
    /// Statements with parameters, prepared on this session the first time they run (SQL text to
    /// name): a store sends a few dozen distinct statements thousands of times, and a prepared
    /// one skips the server's parse and plan. Lost with the session.
    private var prepared: [String: String] = [:]
    /// Past this many, statements run unprepared (SQL built with values would grow it).
    private static let maxPrepared = 256

    init(url: DatabaseURL) throws(StoreError) {
        guard case .postgres(let text) = url else { throw .configuration("not a PostgreSQL URL") }
        self.url = url
        conninfo = text
        guard let conn = PQconnectdb(text) else { throw StoreError(.connection, "out of memory connecting to PostgreSQL") }
        handle = conn
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.firstLine(PQerrorMessage(conn).map { String(cString: $0) } ?? "")
            // deinit runs for a class whose init throws after `handle` is set: it finishes conn.
            throw StoreError(.connection, "cannot connect to PostgreSQL at \(url): \(scrub(message, url))")
        }
        _ = PQsetClientEncoding(conn, "UTF8")
        // libpq prints server notices (a WARNING as the server shuts down) to stderr by default;
        // they are not the program's output. Lost connections are reported as errors and events.
        _ = PQsetNoticeProcessor(conn, ignoreNotice, nil)
        try execute("SET client_min_messages = warning")
    }

    deinit { PQfinish(handle) }

    /// Whether the connection is still usable.
    var isAlive: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Tries to reconnect with the same parameters; returns whether it worked.
    func reset() -> Bool {
        prepared.removeAll()
        PQreset(handle)
        return PQstatus(handle) == CONNECTION_OK
    }

    /// libpq messages are "ERROR:  text\nDETAIL: ..." or "connection to server ... failed: text\n".
    static func firstLine(_ text: String) -> String {
        var line = text.split(separator: "\n").first.map(String.init) ?? text
        for prefix in ["ERROR:  ", "FATAL:  "] where line.hasPrefix(prefix) { line.removeFirst(prefix.count) }
        return line.trimmingWhitespace()
    }

    /// The error for a failed result (or connection), with the statement kept for debugging.
    func error(_ result: OpaquePointer?, _ sql: String) -> StoreError {
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        let text = result.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0) } ?? ""
        let message = Self.firstLine(text.isEmpty ? (PQerrorMessage(handle).map { String(cString: $0) } ?? "") : text)
        if !isAlive {
            return StoreError(
                .connectionLost, "lost the connection to PostgreSQL at \(url): \(scrub(message, url))", code: state, statement: sql)
        }
        let kind: StoreError.Kind =
            switch state ?? "" {
            case "53100": .storage  // disk_full
            case "25006", "42501": .storage  // read-only transaction, insufficient privilege
            default: .database
            }
        return StoreError(kind, "PostgreSQL error: \(scrub(message, url))", code: state, statement: sql)
    }

    /// Runs a statement with text parameters and returns its result.
    ///
    /// - Parameter binary: results in binary format (read with ``PGResult/binaryInt(_:_:)`` and
    ///   ``PGResult/binaryDouble(_:_:)``): no text to parse, for the wide reads of the hot path.
    @discardableResult
    func execute(_ sql: String, _ params: [String?] = [], binary: Bool = false) throws(StoreError) -> PGResult {
        let result: OpaquePointer?
        if params.isEmpty {
            result = PQexec(handle, sql)
        } else {
            var cStrings: [UnsafeMutablePointer<CChar>?] = params.map { $0.flatMap { strdup($0) } }
            defer { for p in cStrings { free(p) } }
            let name = try preparedName(sql, params.count)
            result = cStrings.withUnsafeMutableBufferPointer { buf in
                buf.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                    let format: Int32 = binary ? 1 : 0
                    if let name { return PQexecPrepared(handle, name, Int32(params.count), values.baseAddress, nil, nil, format) }
                    return PQexecParams(handle, sql, Int32(params.count), nil, values.baseAddress, nil, nil, format)
                }
            }
        }
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN else {
            let e = error(result, sql)
            if let result { PQclear(result) }
            throw e
        }
        return PGResult(result)
    }

    /// The name `sql` is prepared under on this session (preparing it now), or nil past the cap.
    private func preparedName(_ sql: String, _ count: Int) throws(StoreError) -> String? {
        if let name = prepared[sql] { return name }
        guard prepared.count < Self.maxPrepared else { return nil }
        let name = "backfill_\(prepared.count)"
        let r = PQprepare(handle, name, sql, Int32(count), nil)
        guard let r, PQresultStatus(r) == PGRES_COMMAND_OK else {
            let e = error(r, sql)
            if let r { PQclear(r) }
            throw e
        }
        PQclear(r)
        prepared[sql] = name
        return name
    }

    /// Sends `data` as the body of a COPY ... FROM STDIN started by ``execute(_:_:)``, then ends it.
    func copy(_ data: UnsafeRawBufferPointer, _ sql: String) throws(StoreError) {
        var offset = 0
        while offset < data.count, let base = data.baseAddress {
            let n = min(1 << 20, data.count - offset)
            let rc = PQputCopyData(handle, base.advanced(by: offset).assumingMemoryBound(to: CChar.self), Int32(n))
            guard rc == 1 else { throw error(nil, sql) }
            offset += n
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw error(nil, sql) }
        var failure: StoreError?
        while let r = PQgetResult(handle) {
            if PQresultStatus(r) != PGRES_COMMAND_OK, failure == nil { failure = error(r, sql) }
            PQclear(r)
        }
        if let failure { throw failure }
    }
}

/// A libpq result, cleared in `deinit`.
final class PGResult {
    let handle: OpaquePointer?
    init(_ handle: OpaquePointer?) { self.handle = handle }
    deinit { if let handle { PQclear(handle) } }

    var rows: Int { handle.map { Int(PQntuples($0)) } ?? 0 }
    func isNull(_ row: Int, _ col: Int) -> Bool { handle.map { PQgetisnull($0, Int32(row), Int32(col)) == 1 } ?? true }
    func text(_ row: Int, _ col: Int) -> String? {
        guard let handle, !isNull(row, col), let p = PQgetvalue(handle, Int32(row), Int32(col)) else { return nil }
        return String(cString: p)
    }
    func int(_ row: Int, _ col: Int) -> Int64 { text(row, col).flatMap { Int64($0) } ?? 0 }
    func double(_ row: Int, _ col: Int) -> Double { text(row, col).flatMap { Double($0) } ?? .nan }
    /// A binary-format int8 (``PGConnection/execute(_:_:binary:)``): 8 bytes, big-endian.
    func binaryInt(_ row: Int, _ col: Int) -> Int64 {
        guard let handle, let p = PQgetvalue(handle, Int32(row), Int32(col)), PQgetlength(handle, Int32(row), Int32(col)) == 8 else {
            return 0
        }
        return Int64(bigEndian: UnsafeRawPointer(p).loadUnaligned(as: Int64.self))
    }
    /// A binary-format float8: the IEEE bits, big-endian.
    func binaryDouble(_ row: Int, _ col: Int) -> Double {
        guard let handle, let p = PQgetvalue(handle, Int32(row), Int32(col)), PQgetlength(handle, Int32(row), Int32(col)) == 8 else {
            return .nan
        }
        return Double(bitPattern: UInt64(bigEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)))
    }
    /// Affected rows of an INSERT/UPDATE/DELETE.
    var affected: Int { handle.flatMap { PQcmdTuples($0) }.flatMap { Int(String(cString: $0)) } ?? 0 }
}

/// Drops a server notice (see `PQsetNoticeProcessor` in `init`).
private func ignoreNotice(_ context: UnsafeMutableRawPointer?, _ message: UnsafePointer<CChar>?) {}

/// Removes the password from a server or client message.
func scrub(_ message: String, _ url: DatabaseURL) -> String {
    guard let pw = url.password, pw.count >= 1 else { return message }
    var out = message
    while let r = out.firstRange(of: pw) { out.replaceSubrange(r, with: "***") }
    return out
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
