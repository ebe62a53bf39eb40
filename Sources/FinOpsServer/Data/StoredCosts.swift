import FinOpsAnalytics
import FinOpsCore
import PivotKit

/// The store as the server reads it: its rows kept open in memory, so a pivot costs what PivotKit takes, and read
/// again when a load replaces a period (seen by the periods' checksums and load times, checked on each request).
///
/// With `keepsRowsInMemory` off every pivot goes to the store (which may push it down, as PostgreSQL does): for data
/// larger than the server's memory.
public actor StoredCosts {
    /// The store.
    public nonisolated let store: any CostStore
    /// Whether rows are kept in memory.
    public nonisolated let keepsRowsInMemory: Bool

    /// What a pivot can split and measure: the columns the data has and its tag keys.
    public struct Fields: Sendable, Hashable {
        /// Text columns, for rows, columns and filters.
        public var text: [String]
        /// Decimal columns, for measures.
        public var amounts: [String]
        /// Timestamp columns, for time buckets.
        public var times: [String]
        /// Tag keys found in the data.
        public var tagKeys: [String]

        /// Every FOCUS column of the schema, and no tag keys: for a store whose rows are not in memory.
        static var schema: Fields {
            var fields = Fields(text: [], amounts: [], times: [], tagKeys: [])
            for column in FocusSchema.columns {
                switch column.dataType {
                case .string: fields.text.append(column.name)
                case .decimal: fields.amounts.append(column.name)
                case .dateTime: fields.times.append(column.name)
                case .keyValue, .tags: continue
                }
            }
            return fields
        }

        init(text: [String], amounts: [String], times: [String], tagKeys: [String]) {
            self.text = text
            self.amounts = amounts
            self.times = times
            self.tagKeys = tagKeys
        }

        init(of table: CostTable) {
            self.init(text: [], amounts: [], times: [], tagKeys: [])
            for column in table.columns {
                switch column.data {
                case .string: text.append(column.name)
                case .decimal: amounts.append(column.name)
                case .timestamp: times.append(column.name)
                case .tags(let tags):
                    tagKeys = Array(Set(tags.sets.flatMap { $0.tags.map(\.key) })).sorted()
                }
            }
        }
    }

    private struct Snapshot: Sendable {
        var signature: [String]
        var table: CostTable
        var fields: Fields
        var lastDay: CalendarDay?

        init(signature: [String], table: CostTable) {
            self.signature = signature
            self.table = table
            fields = Fields(of: table)
            var latest: Int64?
            if let times = table.timestamps(PivotView.timeColumn) {
                for (row, value) in times.values.enumerated() where times.nulls?[row] != true {
                    latest = Swift.max(latest ?? value, value)
                }
            }
            lastDay = latest.map { CalendarDay(containing: Timestamp(microsecondsSinceEpoch: $0)) }
        }
    }

    private var snapshot: Snapshot?
    private var loading: (signature: [String], task: Task<Snapshot, any Error>)?
    /// How many times the rows were read from the store, for tests and `/health`.
    public private(set) var loads = 0

    /// Serves `store`.
    public init(store: any CostStore, keepsRowsInMemory: Bool = true) {
        self.store = store
        self.keepsRowsInMemory = keepsRowsInMemory
    }

    /// What the store holds now.
    public func periods() async throws -> [PeriodSummary] {
        try await store.periods()
    }

    /// Answers a pivot from memory (reading the store first when it changed), or from the store.
    public nonisolated func pivot(_ query: PivotQuery) async throws -> PivotResult {
        guard keepsRowsInMemory else { return try await store.pivot(query) }
        let table = try await currentTable()
        return try table.pivot(query)
    }

    /// The rows in memory, read again when the store's periods changed since they were read.
    public func currentTable() async throws -> CostTable {
        try await current().table
    }

    /// The columns and tag keys a pivot can use.
    public func fields() async throws -> Fields {
        guard keepsRowsInMemory else { return .schema }
        return try await current().fields
    }

    /// The last day with a charge (by `ChargePeriodStart`), which relative time ranges count back from.
    public func lastDay() async throws -> CalendarDay? {
        if keepsRowsInMemory { return try await current().lastDay }
        let day = PivotDimension.time(PivotView.timeColumn, .day)
        let latest = try await store.pivot(
            PivotQuery(rows: [day], measures: [.count], sort: [.dimension(day, descending: true)], limit: 1)
        )
        guard case .time(let start, _)? = latest.groups.first?.rowValues.first else { return nil }
        return CalendarDay(containing: start)
    }

    private func current() async throws -> Snapshot {
        let periods = try await store.periods()
        let signature = periods.map { "\($0.source)\u{1F}\($0.period)\u{1F}\($0.checksum)\u{1F}\($0.loadedAt)" }
        if let snapshot, snapshot.signature == signature { return snapshot }
        if let loading, loading.signature == signature { return try await loading.task.value }
        let store = self.store
        let task = Task { Snapshot(signature: signature, table: try await store.read(.all)) }
        loading = (signature, task)
        do {
            let loaded = try await task.value
            loads += 1
            if loading?.signature == signature { loading = nil }
            snapshot = loaded
            return loaded
        } catch {
            if loading?.signature == signature { loading = nil }
            throw error
        }
    }
}
