import Synchronization

/// A bounded pool of ``PostgresConnection``s to one server.
///
/// ``withConnection(isolation:_:)`` lends a connection for the duration of a closure. At most
/// ``Configuration/maxConnections`` are open; a caller that finds none free waits up to
/// ``Configuration/waitTimeout``, then gets ``PostgresError/Code/poolTimeout``. Connections are opened on demand.
/// A connection that was lost, closed, or returned inside a transaction is closed instead of reused, and a new one
/// is opened in its place when needed; an idle connection is checked (without a round trip) before it is lent.
public final class PostgresPool: Sendable {
    /// How many connections, and how long to wait for one.
    public struct Configuration: Sendable, Hashable {
        /// The most connections open at once.
        public var maxConnections: Int
        /// How long a caller waits for a free connection.
        public var waitTimeout: Duration
        /// The `application_name` of the connections, unless the conninfo sets one.
        public var applicationName: String

        /// Creates a configuration.
        public init(maxConnections: Int = 4, waitTimeout: Duration = .seconds(30), applicationName: String = "finops") {
            precondition(maxConnections > 0, "a pool needs at least one connection")
            self.maxConnections = maxConnections
            self.waitTimeout = waitTimeout
            self.applicationName = applicationName
        }
    }

    /// What a waiting caller is given: a connection, or the right to open one.
    private enum Grant: Sendable {
        case connection(PostgresConnection)
        case open
    }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Grant, any Error>
    }

    private struct State {
        var idle: [PostgresConnection] = []
        /// Connections lent out, idle, or being opened.
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiter: UInt64 = 0
        var closed = false
    }

    /// The conninfo (URL or key/value) connections are opened with.
    public let conninfo: String
    /// The pool's limits.
    public let configuration: Configuration
    private let state = Mutex(State())

    /// Creates a pool; no connection is opened until one is needed.
    public init(conninfo: String, configuration: Configuration = Configuration()) {
        self.conninfo = conninfo
        self.configuration = configuration
    }

    /// The number of connections open, lent or idle (for monitoring and tests).
    public var openConnections: Int {
        state.withLock { $0.open }
    }

    /// Lends a connection to `body`, and takes it back when `body` returns or throws.
    ///
    /// - Throws: What `body` throws; ``PostgresError`` if no connection can be opened, none is free within the wait
    ///   timeout, or the pool is closed; `CancellationError` if the task is cancelled while waiting.
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await acquire()
        let value: T
        do {
            value = try await body(connection)
        } catch {
            await release(connection)
            throw error
        }
        await release(connection)
        return value
    }

    /// Closes the idle connections, fails the waiting callers, and makes later calls fail. Lent connections are
    /// closed when they come back.
    public func close() async {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer {
                state.open -= state.idle.count
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: Self.closedError) }
        for connection in idle { await connection.close() }
    }

    private static let closedError = PostgresError(
        .poolClosed,
        operation: "taking a connection from the pool",
        message: "the pool is closed"
    )

    private func acquire() async throws -> PostgresConnection {
        while true {
            try Task.checkCancellation()
            let immediate: Grant? = try state.withLock { state in
                if state.closed { throw Self.closedError }
                if let connection = state.idle.popLast() { return .connection(connection) }
                if state.open < configuration.maxConnections {
                    state.open += 1
                    return .open
                }
                return nil
            }
            let grant: Grant
            if let immediate { grant = immediate } else { grant = try await wait() }
            switch grant {
            case .connection(let connection):
                if await connection.isReusable() { return connection }
                await discard(connection)
            case .open:
                do {
                    return try await PostgresConnection.connect(
                        conninfo,
                        applicationName: configuration.applicationName
                    )
                } catch {
                    handBackOpenRight()
                    throw error
                }
            }
        }
    }

    /// Waits for a connection or the right to open one, until the wait timeout.
    private func wait() async throws -> Grant {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        let timeout = configuration.waitTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.expire(
                id,
                with: PostgresError(
                    .poolTimeout,
                    operation: "taking a connection from the pool",
                    message: "all \(self?.configuration.maxConnections ?? 0) connections stayed busy for \(timeout)"
                )
            )
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let failure: (any Error)? = state.withLock { state in
                    if state.closed { return Self.closedError }
                    if Task.isCancelled { return CancellationError() }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let failure { continuation.resume(throwing: failure) }
            }
        } onCancel: {
            expire(id, with: CancellationError())
        }
    }

    private func expire(_ id: UInt64, with error: any Error) {
        let waiter = state.withLock { state in
            state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
        }
        waiter?.continuation.resume(throwing: error)
    }

    private func release(_ connection: PostgresConnection) async {
        guard await connection.isReusable() else {
            await discard(connection)
            return
        }
        enum Next {
            case waiter(Waiter)
            case idle
            case close
        }
        let next: Next = state.withLock { state in
            if state.closed { return .close }
            if !state.waiters.isEmpty { return .waiter(state.waiters.removeFirst()) }
            state.idle.append(connection)
            return .idle
        }
        switch next {
        case .waiter(let waiter): waiter.continuation.resume(returning: .connection(connection))
        case .idle: break
        case .close: await discard(connection)
        }
    }

    /// Closes a connection that cannot be reused, and lets a waiter open a new one in its place.
    private func discard(_ connection: PostgresConnection) async {
        await connection.close()
        handBackOpenRight()
    }

    /// Gives up one open slot: to the first waiter, who will open a connection, or back to the pool.
    private func handBackOpenRight() {
        let waiter: Waiter? = state.withLock { state in
            if !state.closed, !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.open -= 1
            return nil
        }
        waiter?.continuation.resume(returning: .open)
    }
}
