import FlowEngine
import Foundation
import Testing

/// What every ``FlowEngine/ExecutionStore`` must do, checked the same way on each (memory, SQLite, PostgreSQL).
public enum ExecutionStoreConformance {
    static func record(_ id: String, flow: String = "quick", start: TimeInterval) -> ExecutionRecord {
        ExecutionRecord(
            id: id,
            namespace: "tests",
            flowId: flow,
            startDate: Date(timeIntervalSince1970: start),
            inputs: ["who": "x"],
            startedBy: "alice"
        )
    }

    /// The store contract, whatever the store.
    public static func check(_ store: any ExecutionStore, reopen: () async throws -> any ExecutionStore) async throws {
        var first = record("a", start: 1_700_000_000.25)
        first.apply(
            .log(
                LogEntry(
                    taskId: "hello",
                    taskRunId: "r1",
                    level: .info,
                    message: "héllo \"x\"",
                    timestamp: Date(timeIntervalSince1970: 1_700_000_001.5)
                )
            )
        )
        try await store.save(first)
        try await store.save(record("b", flow: "other", start: 1_700_000_100))
        var done = record("c", start: 1_700_000_200)
        done.fail(["inputs: who is required"], at: Date(timeIntervalSince1970: 1_700_000_201))
        try await store.save(done)
        let again = try await reopen()
        let read = try #require(try await again.record("a"))
        #expect(read.document == first.document)
        #expect(read.logs.first?.message == "héllo \"x\"")
        #expect(try await again.list(flow: nil, state: nil, limit: 10).map(\.id) == ["c", "b", "a"])
        #expect(try await again.list(flow: "tests.quick", state: nil, limit: 10).map(\.id) == ["c", "a"])
        #expect(try await again.list(flow: "quick", state: .failed, limit: 10).map(\.id) == ["c"])
        #expect(try await again.list(flow: nil, state: nil, limit: 1).map(\.id) == ["c"])
        #expect(try await again.record("zzz") == nil)

        // Each tick is claimed once, however many ask at the same time.
        let tick = ScheduleTick(
            namespace: "tests",
            flowId: "quick",
            triggerId: "nightly",
            date: Date(timeIntervalSince1970: 1_700_003_600)
        )
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                let claimant = index % 2 == 0 ? store : again
                group.addTask { try await claimant.claim(tick, executionId: "e\(index)") }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
        #expect(try await again.lastClaimedTick(namespace: "tests", flowId: "quick", triggerId: "nightly") == tick.date)

        // A running execution whose process stopped beating is failed with the reason; a beating one is not.
        try await store.heartbeat(["b"], owner: "host:1", at: Date(timeIntervalSince1970: 1_800_000_000))
        let marked = try await again.failAbandoned(
            heartbeatBefore: Date(timeIntervalSince1970: 1_750_000_000),
            reason: "its process stopped"
        )
        #expect(marked == ["a"])
        let failed = try #require(try await store.record("a"))
        #expect(failed.state == .failed)
        #expect(failed.problems == ["its process stopped"])
        #expect(try await store.record("b")?.state == .running)
        if again as AnyObject !== store as AnyObject { await again.close() }
        await store.close()
    }

}
