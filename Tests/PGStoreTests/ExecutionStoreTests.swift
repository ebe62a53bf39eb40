import CostStoreConformance
import FinOpsCore
import FinOpsTestSupport
import FlowEngine
import Foundation
import PGStore
import Prometheus
import Testing

@testable import FinOpsServer

@Suite("Executions in PostgreSQL", .postgres)
struct ExecutionStoreTests {
    @Test("the execution store contract, across two pools on one database")
    func contract() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let first = try await PostgresExecutionStore.open(url)
            let second = try await PostgresExecutionStore.open(url)
            try await ExecutionStoreConformance.check(first) { second }
            await second.close()
        }
    }

    static let flow = """
        id: ticker
        namespace: tests
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "tick {{ trigger.date }}"
        triggers:
          - id: minutely
            type: io.kestra.plugin.core.trigger.Schedule
            cron: "* * * * *"

        """

    @Test("two schedulers sharing one database fire each of 120 ticks exactly once")
    func twoSchedulers() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let directory = Fixtures.temporaryDirectory()
            try Self.flow.write(to: directory.appendingPathComponent("ticker.yml"), atomically: true, encoding: .utf8)
            func service() async throws -> FlowService {
                FlowService(
                    catalog: FlowCatalog(directory: directory, parser: FlowParser(registry: .core)),
                    executions: try await PostgresExecutionStore.open(url),
                    store: try EmbeddedCostStore(directory: Fixtures.temporaryDirectory()),
                    outputDirectory: Fixtures.temporaryDirectory(),
                    metrics: PrometheusCollectorRegistry()
                )
            }
            let first = try await service()
            let second = try await service()
            let start = Date(timeIntervalSince1970: 1_767_225_600)
            // Two hours of minutes, both schedulers looking at every step at once, one a little ahead of the other.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (service, lead) in [(first, 0.0), (second, 7.0)] {
                    group.addTask {
                        var checked: [String: Date] = [:]
                        for step in 1...240 {
                            let now = start.addingTimeInterval(Double(step) * 30 + lead)
                            await FlowScheduler(flows: service).fire(until: now, checked: &checked, started: start)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(90)
            var records: [ExecutionRecord] = []
            repeat {
                records = try await first.executions.list(flow: "tests.ticker", state: nil, limit: 1000)
                if records.count >= 120, records.allSatisfy(\.hasEnded) { break }
                try await Task.sleep(for: .milliseconds(100))
            } while clock.now < deadline
            #expect(records.count == 120)
            let ticks = Set(records.compactMap { $0.trigger["date"]?.rendered })
            #expect(ticks.count == 120, "each tick once")
            #expect(records.allSatisfy { $0.state == .success })
            let connection = try await PostgresConnection.connect(url)
            let claimed = try await connection.query("SELECT count(*) FROM finops.schedule_ticks")
            #expect(try claimed[0].decode(0, as: Int.self) == 120)
            await connection.close()
            await first.executions.close()
            await second.executions.close()
        }
    }

    @Test("an execution whose process stopped is failed by the next scheduler, with the reason")
    func abandoned() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let store = try await PostgresExecutionStore.open(url)
            var record = ExecutionRecord(
                id: "lost",
                namespace: "tests",
                flowId: "ticker",
                startDate: Date().addingTimeInterval(-600),
                inputs: [:],
                startedBy: "schedule:minutely"
            )
            record.apply(
                .log(LogEntry(taskId: "log", taskRunId: nil, level: .info, message: "started", timestamp: Date()))
            )
            try await store.save(record)
            let service = FlowService(
                catalog: FlowCatalog(directory: nil, parser: FlowParser(registry: .core)),
                executions: store,
                store: try EmbeddedCostStore(directory: Fixtures.temporaryDirectory()),
                outputDirectory: Fixtures.temporaryDirectory(),
                metrics: PrometheusCollectorRegistry()
            )
            let scheduler = Task { await FlowScheduler(flows: service).run() }
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(30)
            while try await store.record("lost")?.state == .running, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            scheduler.cancel()
            _ = await scheduler.value
            let failed = try #require(try await store.record("lost"))
            #expect(failed.state == .failed)
            #expect(failed.problems.first?.contains("the process running it stopped") == true)
            #expect(failed.logs.first?.message == "started", "what it logged is kept")
            await store.close()
        }
    }
}
