/// A failure talking to PostgreSQL: a server error with its SQLSTATE, a lost or refused connection, a value that
/// cannot be sent or decoded, or a pool that could not hand out a connection in time.
///
/// ``operation`` names what was being done (the statement, the connection attempt, the migration), so the
/// description alone says what failed and why.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; new kinds can be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A stable identifier.
        public var rawValue: String

        /// Creates a code.
        public init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        /// The server rejected a statement; ``PostgresError/sqlState`` says why.
        public static let server = Code("server")
        /// No connection could be established (refused, unknown host, authentication failed, timeout).
        public static let connectionFailed = Code("connection-failed")
        /// The connection broke: the server closed it, was shut down, or the network failed. The connection cannot
        /// be used again; a pool replaces it.
        public static let connectionLost = Code("connection-lost")
        /// The connection was closed by this program.
        public static let connectionClosed = Code("connection-closed")
        /// A parameter cannot be sent as the type it claims (e.g. text containing a NUL character).
        public static let invalidParameter = Code("invalid-parameter")
        /// A result value cannot be decoded as the requested Swift type.
        public static let decoding = Code("decoding")
        /// The server answered in a way this layer does not handle (e.g. a COPY started by a plain query).
        public static let unexpectedResult = Code("unexpected-result")
        /// A pool had no connection free within its wait timeout.
        public static let poolTimeout = Code("pool-timeout")
        /// The pool was closed.
        public static let poolClosed = Code("pool-closed")
        /// The database's schema cannot be migrated by this build.
        public static let migration = Code("migration")
        /// The API was used in a way it does not support (e.g. a transaction inside a transaction).
        public static let misuse = Code("misuse")
    }

    /// Well-known SQLSTATE codes (PostgreSQL, Appendix A).
    public enum SQLState {
        /// `57014` query_canceled: a statement was cancelled (PQcancel or statement_timeout).
        public static let queryCanceled = "57014"
        /// `57P01` admin_shutdown: the backend was terminated (pg_terminate_backend or server shutdown).
        public static let adminShutdown = "57P01"
        /// `23505` unique_violation.
        public static let uniqueViolation = "23505"
        /// `42P01` undefined_table.
        public static let undefinedTable = "42P01"
        /// `42601` syntax_error.
        public static let syntaxError = "42601"
        /// `22P02` invalid_text_representation.
        public static let invalidTextRepresentation = "22P02"
    }

    /// The kind of failure.
    public var code: Code
    /// What was being done, e.g. "running `SELECT …`" or "connecting to postgres@127.0.0.1:5432/postgres".
    public var operation: String
    /// The primary message: the server's, libpq's, or this layer's.
    public var message: String
    /// The SQLSTATE the server reported, if any (see ``SQLState``).
    public var sqlState: String?
    /// The server's DETAIL.
    public var detail: String?
    /// The server's HINT.
    public var hint: String?
    /// The server's CONTEXT: where the error happened, e.g. `COPY cost_rows, line 3, column billed_cost: "x"`.
    public var context: String?

    /// Creates an error.
    public init(
        _ code: Code,
        operation: String,
        message: String,
        sqlState: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        context: String? = nil
    ) {
        self.code = code
        self.operation = operation
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.context = context
    }

    /// `"<operation>: <kind>: <message> (SQLSTATE <code>)"`, then the detail and hint on their own lines.
    public var description: String {
        var text = "\(operation): "
        switch code {
        case .server: break
        case .connectionLost: text += "connection lost: "
        case .connectionFailed: text += "cannot connect: "
        case .connectionClosed: text += "connection closed: "
        default: break
        }
        text += message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        if let context { text += "\nCONTEXT: \(context)" }
        return text
    }
}
