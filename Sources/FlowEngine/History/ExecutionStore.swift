import Foundation
import OrderedCollections

/// Where executions are kept: the server records each as it runs, lists them, and claims schedule ticks through it
/// so that processes sharing one store start each tick once.
///
/// Implementations: ``InMemoryExecutionStore`` (a process's own), the server's SQLite file and PGStore's tables.
public protocol ExecutionStore: Sendable {
    /// Records an execution, replacing what was recorded under its id.
    func save(_ record: ExecutionRecord) async throws

    /// The execution with this id.
    func record(_ id: String) async throws -> ExecutionRecord?

    /// Executions newest first, filtered by flow (`namespace.id`, or an id) and state.
    func list(flow: String?, state: TaskState?, limit: Int) async throws -> [ExecutionRecord]

    /// Claims a schedule tick for an execution: true for exactly one claim of the tick, whichever process asks.
    func claim(_ tick: ScheduleTick, executionId: String) async throws -> Bool

    /// The latest tick claimed for a trigger, for a scheduler that comes back after a stop.
    func lastClaimedTick(namespace: String, flowId: String, triggerId: String) async throws -> Date?

    /// Marks the running executions whose owner has not been heard from since `deadline` as FAILED, saying why.
    ///
    /// - Returns: The ids marked.
    func failAbandoned(heartbeatBefore deadline: Date, reason: String) async throws -> [String]

    /// Records that `owner` still runs `ids` (a heartbeat), so others do not take them for abandoned.
    func heartbeat(_ ids: [String], owner: String, at date: Date) async throws

    /// Releases what the store holds open.
    func close() async
}

/// One firing of a Schedule trigger.
public struct ScheduleTick: Sendable, Hashable {
    /// The flow's namespace.
    public var namespace: String
    /// The flow's id.
    public var flowId: String
    /// The trigger's id.
    public var triggerId: String
    /// The instant the cron expression names.
    public var date: Date

    /// The tick's instant in whole milliseconds since 1970: how stores key it.
    public var milliseconds: Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    public init(namespace: String, flowId: String, triggerId: String, date: Date) {
        self.namespace = namespace
        self.flowId = flowId
        self.triggerId = triggerId
        self.date = date
    }
}

/// Why an execution store failed: the message names what to do.
public struct ExecutionStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// A process's own executions, in memory: the last `capacity` of them.
public actor InMemoryExecutionStore: ExecutionStore {
    private var records: OrderedDictionary<String, ExecutionRecord> = [:]
    private var ticks: [ScheduleTick: String] = [:]
    private var heartbeats: [String: Date] = [:]
    /// How many executions are kept.
    public let capacity: Int

    public init(capacity: Int = 1000) {
        self.capacity = capacity
    }

    public func save(_ record: ExecutionRecord) {
        records[record.id] = record
        if records.count > capacity { records.removeFirst(records.count - capacity) }
    }

    public func record(_ id: String) -> ExecutionRecord? { records[id] }

    public func list(flow: String?, state: TaskState?, limit: Int) -> [ExecutionRecord] {
        var found: [ExecutionRecord] = []
        for record in records.values.reversed() {
            if let flow, flow != record.flowId, flow != "\(record.namespace).\(record.flowId)" { continue }
            if let state, record.state != state { continue }
            found.append(record)
            if found.count == limit { break }
        }
        return found
    }

    public func claim(_ tick: ScheduleTick, executionId: String) -> Bool {
        guard ticks[tick] == nil else { return false }
        ticks[tick] = executionId
        return true
    }

    public func lastClaimedTick(namespace: String, flowId: String, triggerId: String) -> Date? {
        ticks.keys.filter { $0.namespace == namespace && $0.flowId == flowId && $0.triggerId == triggerId }
            .map(\.date).max()
    }

    public func failAbandoned(heartbeatBefore deadline: Date, reason: String) -> [String] {
        var marked: [String] = []
        for (id, var record) in records where !record.hasEnded && (heartbeats[id] ?? record.startDate) < deadline {
            record.fail([reason])
            records[id] = record
            marked.append(id)
        }
        return marked
    }

    public func heartbeat(_ ids: [String], owner: String, at date: Date) {
        for id in ids { heartbeats[id] = date }
    }

    public func close() {}
}

/// Opens an execution store from a location string, by its scheme (`postgres://…`), or with `openLocal` for a
/// location without one (a directory). Modules that provide stores register their schemes.
public struct ExecutionStoreOpener: Sendable {
    public typealias Open = @Sendable (_ location: String) async throws -> any ExecutionStore

    private var openers: [String: Open] = [:]
    private let openLocal: Open

    /// An opener for local locations; schemes are registered afterwards.
    public init(local openLocal: @escaping Open) {
        self.openLocal = openLocal
    }

    /// Opens `scheme://…` locations with `open`.
    public mutating func register(scheme: String, _ open: @escaping Open) {
        openers[scheme.lowercased()] = open
    }

    /// The store at a location.
    public func open(_ location: String) async throws -> any ExecutionStore {
        guard let range = location.range(of: "://") else { return try await openLocal(location) }
        let scheme = location[..<range.lowerBound].lowercased()
        guard let open = openers[scheme] else {
            throw ExecutionStoreError(
                "no execution store for \(scheme):// locations; known: \(openers.keys.sorted().map { "\($0)://" })"
            )
        }
        return try await open(location)
    }
}
