import CLibPQ
import Foundation
import Synchronization

/// One connection to PostgreSQL through libpq, with its own thread.
///
/// libpq calls block, and one `PGconn` must only be used by one thread at a time. The actor runs on a dedicated
/// thread (its executor), so its blocking calls never hold a thread of Swift's cooperative pool, and its isolation
/// serializes them.
///
/// ```swift
/// let connection = try await PostgresConnection.connect("postgres://postgres@127.0.0.1:5432/postgres")
/// let rows = try await connection.query("SELECT name, cost FROM t WHERE name = $1", ["it's; -- fine"])
/// for row in rows { let (name, cost) = try row.decode((String, ExactDecimal?).self) }
/// ```
///
/// Cancelling the task of a running query sends a cancel request to the server (`PQcancel`), and the query throws
/// `CancellationError`. A broken connection throws ``PostgresError`` with ``PostgresError/Code/connectionLost`` and
/// stays broken (``isBroken``); a ``PostgresPool`` replaces it.
public actor PostgresConnection {
    private let executor: ThreadExecutor
    var handle: ConnectionHandle?
    let canceller = Canceller()
    let broken = Atomic<Bool>(false)
    /// The COPY in progress, as errors name it (see PostgresCopy.swift).
    var copyOperation: String?

    /// The server's process ID for this session (for `pg_cancel_backend`, `pg_terminate_backend`, logs).
    public private(set) var processID: Int32 = 0
    /// Where the connection goes, `user@host:port/database` (no password).
    public private(set) var endpoint = ""

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    private init() {
        executor = ThreadExecutor(name: "postgres-connection")
    }

    /// Connects.
    ///
    /// - Parameters:
    ///   - conninfo: A URL (`postgres://user:password@host:port/database?sslmode=…`) or a key/value string
    ///     (`host=… port=… dbname=…`). What it leaves out comes from the standard environment variables (`PGHOST`,
    ///     `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`, …), `~/.pgpass` and libpq's defaults, so `""`
    ///     connects as the environment says.
    ///   - applicationName: The `application_name` the server shows unless the conninfo sets one.
    /// - Throws: ``PostgresError`` with ``PostgresError/Code/connectionFailed``.
    public static func connect(
        _ conninfo: String = "",
        applicationName: String = "finops"
    ) async throws
        -> PostgresConnection
    {
        let connection = PostgresConnection()
        try await connection.open(conninfo, applicationName: applicationName)
        return connection
    }

    private func open(_ conninfo: String, applicationName: String) throws {
        // Defaults come before the conninfo (which overrides them), requirements after it.
        var settings = [("fallback_application_name", applicationName)]
        if ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil {
            settings.append(("connect_timeout", "10"))
        }
        settings += [("dbname", conninfo), ("client_encoding", "UTF8")]
        let keywords = settings.map { strdup($0.0) }
        let values = settings.map { strdup($0.1) }
        defer {
            for pointer in keywords + values { free(pointer) }
        }
        let connection = (keywords.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { keywordPointers in
            (values.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { valuePointers in
                PQconnectdbParams(keywordPointers.baseAddress, valuePointers.baseAddress, 1)
            }
        }
        guard let connection else {
            throw PostgresError(.connectionFailed, operation: "connecting", message: "libpq is out of memory")
        }
        let handle = ConnectionHandle(connection)
        endpoint = Self.endpoint(of: connection)
        let operation = "connecting to \(endpoint)"
        guard PQstatus(connection) == CONNECTION_OK else {
            throw PostgresError(.connectionFailed, operation: operation, message: Self.errorMessage(of: connection))
        }
        // Notices (and a FATAL sent to an idle session) would otherwise be printed to stderr by libpq.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        self.handle = handle
        processID = PQbackendPID(connection)
        canceller.install(PQgetCancel(connection))
        // Results are decoded from the ISO date style, in UTC.
        _ = try execute(
            "SELECT set_config('DateStyle', 'ISO, YMD', false), set_config('TimeZone', 'UTC', false)",
            [],
            operation: operation
        )
    }

    /// Closes the connection. Later calls throw ``PostgresError/Code/connectionClosed``.
    public func close() {
        canceller.install(nil)
        handle = nil
    }

    /// Whether the connection was lost (or closed); it cannot be used again.
    public nonisolated var isBroken: Bool {
        broken.load(ordering: .acquiring)
    }

    /// The server's transaction state for the session.
    public var transactionStatus: TransactionStatus {
        guard let handle else { return .unknown }
        switch PQtransactionStatus(handle.pointer) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_ACTIVE: return .active
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .failedTransaction
        default: return .unknown
        }
    }

    /// The server's transaction state, as `PQtransactionStatus` reports it.
    public enum TransactionStatus: Sendable, Hashable {
        /// No transaction is open.
        case idle
        /// A statement is running.
        case active
        /// A transaction is open.
        case inTransaction
        /// A transaction is open and failed: it can only be rolled back.
        case failedTransaction
        /// The connection is broken or closed.
        case unknown
    }

    /// Runs one statement with `$1`, `$2`, … bound to `parameters` (never spliced into the SQL), and returns its
    /// rows. The SQL must be a single statement.
    ///
    /// - Throws: ``PostgresError`` (a server error carries its SQLSTATE), or `CancellationError` when the task is
    ///   cancelled (a running statement is cancelled on the server).
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue?] = []) async throws -> PostgresRows {
        let operation = "running \(Self.describe(sql))"
        try Task.checkCancellation()
        let canceller = self.canceller
        do {
            return try await withTaskCancellationHandler {
                try execute(sql, parameters, operation: operation, cancellable: true)
            } onCancel: {
                canceller.cancel()
            }
        } catch let error as PostgresError where error.sqlState == PostgresError.SQLState.queryCanceled {
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
    }

    /// Runs `body` in a transaction: `BEGIN`, then `COMMIT` when `body` returns, or `ROLLBACK` when it throws (the
    /// error is rethrown).
    ///
    /// - Throws: What `body` throws; ``PostgresError`` if `BEGIN` or `COMMIT` fails, if a failed statement in `body`
    ///   made the server roll back, or with ``PostgresError/Code/misuse`` if a transaction is already open.
    public func transaction<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await begin()
        let value: T
        do {
            value = try await body(self)
        } catch {
            await rollbackQuietly()
            throw error
        }
        try await commit()
        return value
    }

    private func begin() throws {
        try Task.checkCancellation()
        let status = transactionStatus
        guard status == .idle || status == .unknown else {
            throw PostgresError(
                .misuse,
                operation: "beginning a transaction",
                message: "a transaction is already open on this connection"
            )
        }
        try execute("BEGIN", [], operation: "beginning a transaction")
    }

    private func commit() throws {
        let operation = "committing a transaction"
        if transactionStatus == .failedTransaction {
            rollbackQuietly()
            throw PostgresError(
                .server,
                operation: operation,
                message: "a statement of the transaction failed, so it was rolled back"
            )
        }
        let rows = try execute("COMMIT", [], operation: operation)
        if rows.commandTag == "ROLLBACK" {
            throw PostgresError(.server, operation: operation, message: "the server rolled the transaction back")
        }
    }

    private func rollbackQuietly() {
        guard handle != nil, !isBroken, transactionStatus != .idle else { return }
        _ = try? execute("ROLLBACK", [], operation: "rolling back a transaction")
    }

    /// Checks a connection that was idle: reads what the server sent meanwhile (without waiting) and reports whether
    /// the connection is still open and outside a transaction. A server that terminated the session is noticed here.
    func isReusable() -> Bool {
        guard let handle, !isBroken else { return false }
        let pointer = handle.pointer
        // A terminated session has sent an error and closed: read while the socket is readable, so libpq sees
        // the end of the stream (one read may only return the error message).
        var descriptor = pollfd(fd: PQsocket(pointer), events: Int16(POLLIN), revents: 0)
        for _ in 0..<8 where poll(&descriptor, 1, 0) > 0 {
            if PQconsumeInput(pointer) == 0 || PQstatus(pointer) != CONNECTION_OK {
                broken.store(true, ordering: .releasing)
                return false
            }
        }
        return PQstatus(pointer) == CONNECTION_OK && PQtransactionStatus(pointer) == PQTRANS_IDLE
    }

    // MARK: - libpq

    /// Runs a statement with `PQexecParams` on this actor's thread.
    @discardableResult
    private func execute(
        _ sql: String,
        _ parameters: [PostgresValue?],
        operation: String,
        cancellable: Bool = false
    ) throws -> PostgresRows {
        guard let handle else {
            throw PostgresError(
                isBroken ? .connectionLost : .connectionClosed,
                operation: operation,
                message: isBroken ? "the connection was lost earlier" : "the connection is closed"
            )
        }
        let connection = handle.pointer
        if PQstatus(connection) != CONNECTION_OK {
            broken.store(true, ordering: .releasing)
            throw PostgresError(.connectionLost, operation: operation, message: Self.errorMessage(of: connection))
        }
        // Every value is kept NUL-terminated in one buffer; a nil pointer is SQL NULL.
        var storage: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        var types: [Oid] = []
        for (index, parameter) in parameters.enumerated() {
            types.append(parameter?.typeOID ?? 0)
            guard let parameter else {
                offsets.append(-1)
                lengths.append(0)
                formats.append(0)
                continue
            }
            let bytes = try parameter.wireBytes(parameter: index, operation: operation)
            offsets.append(storage.count)
            storage += bytes
            storage.append(0)
            lengths.append(Int32(bytes.count))
            formats.append(parameter.isBinary ? 1 : 0)
        }
        storage.append(0)
        if cancellable {
            // From here on a cancellation sends PQcancel; one that came just before is caught by this check.
            canceller.begin()
            if Task.isCancelled {
                canceller.end()
                throw CancellationError()
            }
        }
        let result = storage.withUnsafeBytes { buffer in
            let base = buffer.baseAddress!
            let values: [UnsafePointer<CChar>?] = offsets.map {
                $0 < 0 ? nil : (base + $0).assumingMemoryBound(to: CChar.self)
            }
            return PQexecParams(connection, sql, Int32(parameters.count), types, values, lengths, formats, 0)
        }
        if cancellable { canceller.end() }
        guard let result else {
            throw connectionError(connection, operation: operation)
        }
        let owned = ResultHandle(result)
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(result: owned, operation: operation)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            abandonCopy(connection)
            throw PostgresError(
                .unexpectedResult,
                operation: operation,
                message: "the statement started a COPY, which query() does not run; use the COPY API"
            )
        default:
            throw serverError(owned, connection: connection, operation: operation)
        }
    }

    /// Ends a COPY that a plain query started, and drains its results.
    private func abandonCopy(_ connection: OpaquePointer) {
        while let result = PQgetResult(connection) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_COPY_IN {
                _ = PQputCopyEnd(connection, "COPY is not supported through query()")
            } else if status == PGRES_COPY_OUT {
                var buffer: UnsafeMutablePointer<CChar>?
                while PQgetCopyData(connection, &buffer, 0) > 0 { PQfreemem(buffer) }
            }
        }
    }

    func serverError(_ result: ResultHandle, connection: OpaquePointer, operation: String) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result.pointer, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let lost = PQstatus(connection) != CONNECTION_OK
        if lost { broken.store(true, ordering: .releasing) }
        var message = field("M") ?? String(cString: PQresultErrorMessage(result.pointer))
        message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if message.isEmpty { message = Self.errorMessage(of: connection) }
        return PostgresError(
            lost ? .connectionLost : .server,
            operation: operation,
            message: message,
            sqlState: field("C"),
            detail: field("D"),
            hint: field("H"),
            context: field("W")
        )
    }

    func connectionError(_ connection: OpaquePointer, operation: String) -> PostgresError {
        let lost = PQstatus(connection) != CONNECTION_OK
        if lost { broken.store(true, ordering: .releasing) }
        return PostgresError(
            lost ? .connectionLost : .unexpectedResult,
            operation: operation,
            message: Self.errorMessage(of: connection)
        )
    }

    static func errorMessage(of connection: OpaquePointer) -> String {
        let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? "no message from libpq" : message
    }

    private static func endpoint(of connection: OpaquePointer) -> String {
        func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String { pointer.map { String(cString: $0) } ?? "" }
        return "\(text(PQuser(connection)))@\(text(PQhost(connection))):\(text(PQport(connection)))/"
            + text(PQdb(connection))
    }

    /// A statement as errors name it: whitespace collapsed, cut after 100 characters.
    static func describe(_ sql: String) -> String {
        let words = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return "`" + (words.count > 100 ? String(words.prefix(100)) + "…" : words) + "`"
    }
}

/// Owns a `PGconn`; `PQfinish` runs when the connection is closed or released.
final class ConnectionHandle {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        PQfinish(pointer)
    }
}

/// Sends `PQcancel` for the statement in progress, from any thread (the one libpq call allowed to do so).
///
/// A request is only sent while a statement runs; `end()` waits for a request being sent, so a late cancel cannot
/// reach the next statement. As with any PostgreSQL client, a request that reaches the server before the statement
/// does is ignored by it: the statement then runs to its end.
final class Canceller: Sendable {
    /// A `PGcancel`: libpq made it to be used from a thread other than the connection's.
    struct Token: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private struct State {
        var cancel: Token?
        var running = false
    }

    private let state = Mutex(State())

    deinit {
        install(nil)
    }

    func install(_ cancel: OpaquePointer?) {
        let token = cancel.map(Token.init)
        state.withLock { state in
            if let old = state.cancel { PQfreeCancel(old.pointer) }
            state.cancel = token
        }
    }

    func begin() {
        state.withLock { $0.running = true }
    }

    func end() {
        state.withLock { $0.running = false }
    }

    func cancel() {
        state.withLock { state in
            guard state.running, let cancel = state.cancel else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancel.pointer, &buffer, Int32(buffer.count))
        }
    }
}
