import CLibPQ
import Synchronization

/// COPY, the bulk path: `COPY … FROM STDIN` to load rows and `COPY … TO STDOUT` to read them, streamed in chunks.
///
/// ```swift
/// try await connection.beginCopyIn("COPY t (a, b) FROM STDIN")
/// try await connection.putCopyData(Array("1\tx\n2\ty\n".utf8))
/// let rows = try await connection.endCopyIn()   // 2
/// ```
///
/// While a COPY runs the connection accepts no other statement. A COPY into a table is part of the open transaction
/// (or its own); a failed COPY (a row the server rejects, ``abortCopyIn(_:)``) inserts nothing.
extension PostgresConnection {
    /// Starts `COPY … FROM STDIN`; send the data with ``putCopyData(_:)``, then call ``endCopyIn()``.
    ///
    /// - Throws: ``PostgresError`` if the statement fails or is not a `COPY … FROM STDIN`.
    public func beginCopyIn(_ sql: String) throws {
        let operation = "running \(Self.describe(sql))"
        let connection = try liveConnection(operation: operation)
        guard let result = PQexec(connection, sql) else { throw connectionError(connection, operation: operation) }
        let owned = ResultHandle(result)
        switch PQresultStatus(result) {
        case PGRES_COPY_IN:
            copyOperation = operation
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_COPY_OUT:
            drainResults(connection)
            throw PostgresError(.misuse, operation: operation, message: "the statement is not a COPY … FROM STDIN")
        default:
            throw serverError(owned, connection: connection, operation: operation)
        }
    }

    /// Sends COPY data: whole rows or any part of the stream (text format: tab-separated fields, `\N` for NULL,
    /// one row per line).
    ///
    /// The server reports a bad row only when the COPY ends (``endCopyIn()``), so this only fails when the
    /// connection is lost.
    public func putCopyData(_ bytes: [UInt8]) throws {
        let operation = copyOperation ?? "sending COPY data"
        let connection = try liveConnection(operation: operation)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + 1 << 30)
            let status = bytes[start..<end].withUnsafeBytes { buffer in
                PQputCopyData(connection, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(buffer.count))
            }
            if status != 1 { throw connectionError(connection, operation: operation) }
            start = end
        }
    }

    /// Ends a `COPY … FROM STDIN`: the server stores the rows, or rejects them all.
    ///
    /// - Returns: The number of rows copied.
    /// - Throws: ``PostgresError``: a row was rejected (``PostgresError/context`` names its line and column), or the
    ///   connection was lost.
    @discardableResult
    public func endCopyIn() throws -> Int {
        let operation = copyOperation ?? "ending a COPY"
        copyOperation = nil
        let connection = try liveConnection(operation: operation)
        guard PQputCopyEnd(connection, nil) == 1 else { throw connectionError(connection, operation: operation) }
        return try finishCopy(connection, operation: operation)
    }

    /// Abandons a `COPY … FROM STDIN`: the server stores none of its rows (and fails the open transaction).
    public func abortCopyIn(_ reason: String) {
        let operation = copyOperation ?? "aborting a COPY"
        copyOperation = nil
        guard let connection = try? liveConnection(operation: operation) else { return }
        guard PQputCopyEnd(connection, reason) == 1 else { return }
        drainResults(connection)
    }

    /// Starts `COPY … TO STDOUT`; read the data with ``readCopyData(minimumBytes:)`` until it returns `nil`.
    ///
    /// - Throws: ``PostgresError`` if the statement fails or is not a `COPY … TO STDOUT`.
    public func beginCopyOut(_ sql: String) throws {
        let operation = "running \(Self.describe(sql))"
        let connection = try liveConnection(operation: operation)
        guard let result = PQexec(connection, sql) else { throw connectionError(connection, operation: operation) }
        let owned = ResultHandle(result)
        switch PQresultStatus(result) {
        case PGRES_COPY_OUT:
            copyOperation = operation
        case PGRES_COPY_IN:
            _ = PQputCopyEnd(connection, "not a COPY TO STDOUT")
            drainResults(connection)
            throw PostgresError(.misuse, operation: operation, message: "the statement is not a COPY … TO STDOUT")
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            throw PostgresError(.misuse, operation: operation, message: "the statement is not a COPY … TO STDOUT")
        default:
            throw serverError(owned, connection: connection, operation: operation)
        }
    }

    /// The next whole rows of a `COPY … TO STDOUT`, at least `minimumBytes` of them unless the data ends; `nil`
    /// once it has ended.
    ///
    /// - Throws: ``PostgresError`` if the server fails the statement or the connection is lost.
    public func readCopyData(minimumBytes: Int = 1 << 20) throws -> [UInt8]? {
        guard let operation = copyOperation else { return nil }
        let connection = try liveConnection(operation: operation)
        var chunk: [UInt8] = []
        chunk.reserveCapacity(minimumBytes + 4096)
        while chunk.count < minimumBytes {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(connection, &buffer, 0)
            if length > 0, let buffer {
                buffer.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                    chunk.append(contentsOf: UnsafeBufferPointer(start: $0, count: Int(length)))
                }
                PQfreemem(buffer)
                continue
            }
            copyOperation = nil
            if length == -1 {
                _ = try finishCopy(connection, operation: operation)
                return chunk.isEmpty ? nil : chunk
            }
            let error = connectionError(connection, operation: operation)
            drainResults(connection)
            throw error
        }
        return chunk
    }

    // MARK: - Helpers

    private func liveConnection(operation: String) throws(PostgresError) -> OpaquePointer {
        guard let handle else {
            throw PostgresError(
                isBroken ? .connectionLost : .connectionClosed,
                operation: operation,
                message: isBroken ? "the connection was lost earlier" : "the connection is closed"
            )
        }
        if PQstatus(handle.pointer) != CONNECTION_OK {
            broken.store(true, ordering: .releasing)
            throw PostgresError(
                .connectionLost,
                operation: operation,
                message: Self.errorMessage(of: handle.pointer)
            )
        }
        return handle.pointer
    }

    /// Reads the results that end a COPY; returns the rows copied or throws the first error.
    private func finishCopy(_ connection: OpaquePointer, operation: String) throws(PostgresError) -> Int {
        var failure: PostgresError?
        var rows = 0
        var sawResult = false
        while let result = PQgetResult(connection) {
            sawResult = true
            let owned = ResultHandle(result)
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK:
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            case PGRES_COPY_IN:
                // Only after a protocol mix-up; end it so the connection is usable again.
                _ = PQputCopyEnd(connection, "unexpected COPY state")
            case PGRES_COPY_OUT:
                var buffer: UnsafeMutablePointer<CChar>?
                while PQgetCopyData(connection, &buffer, 0) > 0 { PQfreemem(buffer) }
            default:
                if failure == nil { failure = serverError(owned, connection: connection, operation: operation) }
            }
            if PQstatus(connection) != CONNECTION_OK { break }
        }
        if let failure { throw failure }
        if !sawResult || PQstatus(connection) != CONNECTION_OK {
            throw connectionError(connection, operation: operation)
        }
        return rows
    }

    /// Reads and discards results until the connection is idle again.
    private func drainResults(_ connection: OpaquePointer) {
        while let result = PQgetResult(connection) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_COPY_IN {
                _ = PQputCopyEnd(connection, "abandoned")
            } else if status == PGRES_COPY_OUT {
                var buffer: UnsafeMutablePointer<CChar>?
                while PQgetCopyData(connection, &buffer, 0) > 0 { PQfreemem(buffer) }
            }
            if PQstatus(connection) != CONNECTION_OK { return }
        }
    }
}
