/// A billing period: `[start, end)` in UTC, as FOCUS BillingPeriodStart and BillingPeriodEnd give it.
public struct BillingPeriod: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The inclusive start.
    public var start: Timestamp
    /// The exclusive end.
    public var end: Timestamp

    /// Creates a period.
    public init(start: Timestamp, end: Timestamp) {
        self.start = start
        self.end = end
    }

    /// The calendar month starting at `year`-`month`-01T00:00:00Z.
    public static func month(_ year: Int, _ month: Int) -> BillingPeriod? {
        guard let start = Timestamp(year: year, month: month, day: 1),
            let end = Timestamp(year: month == 12 ? year + 1 : year, month: month == 12 ? 1 : month + 1, day: 1)
        else { return nil }
        return BillingPeriod(start: start, end: end)
    }

    public static func < (lhs: BillingPeriod, rhs: BillingPeriod) -> Bool {
        (lhs.start, lhs.end) < (rhs.start, rhs.end)
    }

    /// `2024-09` for a calendar month, otherwise `start/end` in ISO 8601.
    public var description: String {
        let c = start.components
        if c.day == 1, c.hour == 0, c.minute == 0, c.second == 0, c.microsecond == 0,
            BillingPeriod.month(c.year, c.month)?.end == end
        {
            return "\(c.year)-\(c.month < 10 ? "0" : "")\(c.month)"
        }
        return "\(start)/\(end)"
    }
}

/// The exact totals of the four FOCUS cost columns in one billing currency.
public struct CurrencyTotals: Sendable, Hashable, Codable {
    /// The ISO 4217 (or virtual) currency code.
    public var currency: String
    /// The rows billed in this currency.
    public var rowCount: Int
    /// Σ BilledCost.
    public var billedCost: ExactDecimal
    /// Σ EffectiveCost.
    public var effectiveCost: ExactDecimal
    /// Σ ListCost.
    public var listCost: ExactDecimal
    /// Σ ContractedCost.
    public var contractedCost: ExactDecimal

    /// Zero totals for a currency.
    public init(currency: String) {
        self.currency = currency
        self.rowCount = 0
        self.billedCost = .zero
        self.effectiveCost = .zero
        self.listCost = .zero
        self.contractedCost = .zero
    }
}

/// What a store holds for one (source, billing period).
public struct PeriodSummary: Sendable, Hashable, Codable {
    /// The source the data came from (by default the export's file name).
    public var source: String
    /// The billing period.
    public var period: BillingPeriod
    /// The number of rows.
    public var rowCount: Int
    /// Exact totals per billing currency, sorted by currency.
    public var totals: [CurrencyTotals]
    /// A checksum of the stored data (CRC-32, hex), equal for equal data.
    public var checksum: String
    /// When the data was stored.
    public var loadedAt: Timestamp

    /// Creates a summary.
    public init(
        source: String,
        period: BillingPeriod,
        rowCount: Int,
        totals: [CurrencyTotals],
        checksum: String,
        loadedAt: Timestamp
    ) {
        self.source = source
        self.period = period
        self.rowCount = rowCount
        self.totals = totals
        self.checksum = checksum
        self.loadedAt = loadedAt
    }
}

/// Which stored rows to read.
public struct CostFilter: Sendable, Hashable {
    /// Only periods starting at or after this instant.
    public var from: Timestamp?
    /// Only periods starting before this instant.
    public var until: Timestamp?
    /// Only these sources (all when `nil`).
    public var sources: Set<String>?
    /// Only these columns, by stored name (FOCUS column IDs, extra columns as named); all when `nil`. Names match
    /// without regard to case, so a misspelled `Servicename` still brings `ServiceName` for an error to suggest.
    /// Names that are not stored are left out of the table; reading fewer columns is that much faster.
    public var columns: Set<String>?
    /// Ranges of timestamp columns the caller keeps rows in, by column name: a store may leave out rows whose value
    /// of the column is null or outside the range (the embedded store skips whole chunks by their minimum and
    /// maximum), but may also return them, so the caller still filters. PivotKit derives these from a query's
    /// filter.
    public var timeRanges: [String: Range<Timestamp>]

    /// Creates a filter; the default reads everything.
    public init(
        from: Timestamp? = nil,
        until: Timestamp? = nil,
        sources: Set<String>? = nil,
        columns: Set<String>? = nil,
        timeRanges: [String: Range<Timestamp>] = [:]
    ) {
        self.from = from
        self.until = until
        self.sources = sources
        self.columns = columns
        self.timeRanges = timeRanges
    }

    /// Whether a stored column is read.
    public func includes(column: String) -> Bool {
        guard let columns else { return true }
        let lowered = column.lowercased()
        return columns.contains(column) || columns.contains { $0.lowercased() == lowered }
    }

    /// Whether a stored period passes the filter.
    public func includes(source: String, period: BillingPeriod) -> Bool {
        if let sources, !sources.contains(source) { return false }
        if let from, period.start < from { return false }
        if let until, period.start >= until { return false }
        return true
    }

    /// Everything.
    public static let all = CostFilter()
}

/// Receives the batches of a load; see ``CostStore/replace(source:_:)``.
public protocol CostBatchWriter: AnyObject {
    /// Adds rows to the load. Rows are routed to their billing period by BillingPeriodStart/End.
    func write(_ table: CostTable) async throws
}

/// Where cost data is kept: the embedded directory store, or PostgreSQL.
///
/// A load replaces, for one source, every billing period its rows belong to. Each period is replaced
/// atomically: readers and a later open see the old data or the new, never a mix, and a failed or killed load
/// leaves the old data.
public protocol CostStore: Sendable {
    /// Loads batches for `source`; when `body` returns, every period the batches touched is replaced.
    ///
    /// If `body` throws, nothing is changed and the error is rethrown.
    /// - Returns: What is now stored for each replaced period, sorted by period.
    func replace(
        source: String,
        _ body: (any CostBatchWriter) async throws -> Void
    ) async throws -> [PeriodSummary]

    /// Every stored (source, period), sorted by period then source.
    func periods() async throws -> [PeriodSummary]

    /// The stored rows that pass the filter, as one table.
    func read(_ filter: CostFilter) async throws -> CostTable

    /// The stored rows that pass the filter, a window at a time: `body` gets each window (whole stored chunks of
    /// about `rowsPerWindow` rows, in stored order) before the next is read, so only one window's columns are in
    /// memory. Every window's text columns share one dictionary and its Tags one list of sets; there is at least one
    /// window. The default hands over all the rows ``read(_:)`` gives as one window.
    func read(_ filter: CostFilter, rowsPerWindow: Int, _ body: (CostTable) throws -> Void) async throws

    /// Reads every stored period back and checks it against what was recorded when it was stored (sizes, row
    /// counts, totals, checksums), all of it, whatever reads skip.
    ///
    /// - Returns: The periods checked, as ``periods()`` lists them.
    /// - Throws: ``CostStoreError`` (`corrupt`) naming the first period that does not match.
    @discardableResult
    func verify() async throws -> [PeriodSummary]

    /// Answers a query over the periods `filter` selects.
    ///
    /// The default reads the columns the query names (``CostQuery/columnsRead``) and evaluates it in memory; a
    /// store that can answer some queries on its side (PostgreSQL pushes pivots down) implements this, so a caller
    /// holding `any CostStore` gets that store's way without knowing which store it holds.
    func evaluate<Query: CostQuery>(_ query: Query, over filter: CostFilter) async throws -> Query.Result

    /// Releases what the store holds open (connections); the store is not used afterwards.
    func close() async
}

extension CostStore {
    public func evaluate<Query: CostQuery>(_ query: Query, over filter: CostFilter) async throws -> Query.Result {
        try await evaluateInMemory(query, over: filter)
    }

    public func read(_ filter: CostFilter, rowsPerWindow: Int, _ body: (CostTable) throws -> Void) async throws {
        try body(try await read(filter))
    }

    /// Reads the columns `query` names from the periods `filter` selects, and evaluates it in memory: the default
    /// of ``evaluate(_:over:)``, and the fallback of stores that answer only some queries themselves.
    public func evaluateInMemory<Query: CostQuery>(
        _ query: Query,
        over filter: CostFilter
    ) async throws -> Query.Result {
        var filter = filter
        if let wanted = query.columnsRead {
            filter.columns = filter.columns.map { $0.intersection(wanted) } ?? wanted
        }
        filter.timeRanges.merge(query.timeRanges) { $0.clamped(to: $1) }
        if var evaluation = try query.windowedEvaluation() {
            let columns = filter.columns
            try await read(filter, rowsPerWindow: evaluation.rowsPerWindow) { window in
                try evaluation.add(columns.map { window.withMissingColumns($0) } ?? window)
            }
            return try evaluation.finish()
        }
        var table = try await read(filter)
        if let columns = filter.columns { table = table.withMissingColumns(columns) }
        return try query.evaluate(on: table)
    }

    public func close() async {}
}

extension CostStore {
    /// Replaces one period of one source with `table`.
    ///
    /// - Throws: ``CostStoreError`` if a row of the table belongs to another billing period.
    public func replace(period: BillingPeriod, source: String, with table: CostTable) async throws -> PeriodSummary {
        let summaries = try await replace(source: source) { writer in try await writer.write(table) }
        guard summaries.count == 1, let summary = summaries.first, summary.period == period else {
            let found = summaries.map(\.period.description).joined(separator: ", ")
            throw CostStoreError(.periodMismatch, "rows of periods \(found) given to replace period \(period)")
        }
        return summary
    }
}

/// A failure of a store, with what to do about it.
public struct CostStoreError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; new kinds can be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A stable identifier.
        public var rawValue: String

        init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        /// Files of the store cannot be read or written.
        public static let io = Code("io")
        /// Stored data does not match its manifest (size or checksum).
        public static let corrupt = Code("corrupt")
        /// Rows cannot be placed in a billing period.
        public static let periodMismatch = Code("period-mismatch")
        /// Rows lack a column the store needs.
        public static let missingColumn = Code("missing-column")
        /// A sum does not fit the decimal range.
        public static let overflow = Code("overflow")
        /// The store's schema is older than this build needs: migrate it (PGStore's `PostgresMigrator`).
        public static let schemaOutdated = Code("schema-outdated")
        /// A location names a kind of store no opener is registered for.
        public static let unknownLocation = Code("unknown-location")
        /// A change was made and is visible, but the disk did not confirm it is durable (a failed sync after the
        /// commit): it may not survive a power loss.
        public static let notDurable = Code("not-durable")
    }

    /// The kind of failure.
    public var code: Code
    /// What happened, with the path or period involved.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
