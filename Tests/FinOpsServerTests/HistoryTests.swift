import CostStoreConformance
import FinOpsCore
import FinOpsTestSupport
import FlowEngine
import Foundation
import Prometheus
import Testing

@testable import FinOpsServer

@Suite("execution history and the scheduler")
struct HistoryTests {
    @Test("a stored document reads back and prints the same, microseconds included, however often it is saved")
    func documentRoundTrip() throws {
        var record = ExecutionRecord(
            id: "x",
            namespace: "n",
            flowId: "f",
            startDate: try #require(ExecutionRecord.date("2026-01-01T00:00:00.000003Z")),
            inputs: ["amount": .decimal(Decimal(string: "12.50")!), "list": [1, "two", .null]],
            startedBy: "schedule:t",
            trigger: ["date": "2026-01-01T00:00:00.000000Z"]
        )
        record.fail(["a \"quoted\" problem"], at: try #require(ExecutionRecord.date("2026-01-01T00:00:01.999999Z")))
        var json = record.document.json
        #expect(json.contains("\"startDate\":\"2026-01-01T00:00:00.000003Z\""))
        for _ in 0..<5 {
            let again = try ExecutionRecord(json: json)
            #expect(again.document.json == json)
            json = again.document.json
        }
        // Far instants, where a Double no longer holds every microsecond, still print and read back to within its
        // precision (their fraction once could trap).
        for text in ["9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00.000001Z"] {
            let date = try #require(ExecutionRecord.date(text))
            let back = try #require(ExecutionRecord.date(ExecutionRecord.timestamp(date)))
            #expect(abs(back.timeIntervalSince(date)) < 0.001, "\(text)")
        }
        #expect(throws: ExecutionStoreError.self) { try ExecutionRecord(json: "{\"id\": 3}") }
        #expect(throws: ExecutionStoreError.self) { try ExecutionRecord(json: "not json") }
    }

    @Test("in memory")
    func inMemory() async throws {
        let store = InMemoryExecutionStore()
        try await ExecutionStoreConformance.check(store) { store }
    }

    @Test("in SQLite: kept across opens, one claim per tick across two handles of the file")
    func sqlite() async throws {
        let file = Fixtures.temporaryDirectory().appendingPathComponent("executions.sqlite")
        let store = try SQLiteExecutionStore(url: file)
        try await ExecutionStoreConformance.check(store) { try SQLiteExecutionStore(url: file) }
        #expect(throws: ExecutionStoreError.self) {
            try SQLiteExecutionStore(url: URL(fileURLWithPath: "/proc/no/such/executions.sqlite"))
        }
    }

    static let everyMinute = """
        id: ticker
        namespace: tests
        inputs:
          - id: at
            type: STRING
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "tick {{ inputs.at }}"
        triggers:
          - id: minutely
            type: io.kestra.plugin.core.trigger.Schedule
            cron: "* * * * *"
            inputs:
              at: "{{ trigger.date }}"

        """

    static func service(_ executions: any ExecutionStore, flow: String) throws -> FlowService {
        let directory = Fixtures.temporaryDirectory()
        try flow.write(to: directory.appendingPathComponent("flow.yml"), atomically: true, encoding: .utf8)
        return FlowService(
            catalog: FlowCatalog(directory: directory, parser: FlowParser(registry: .core)),
            executions: executions,
            store: try EmbeddedCostStore(directory: Fixtures.temporaryDirectory()),
            outputDirectory: Fixtures.temporaryDirectory(),
            metrics: .init()
        )
    }

    /// The executions once `count` of them have ended (a minute at most).
    static func ended(_ store: any ExecutionStore, count: Int) async throws -> [ExecutionRecord] {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        while true {
            let records = try await store.list(flow: nil, state: nil, limit: 10_000)
            if records.filter(\.hasEnded).count >= count || clock.now > deadline { return records }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("two schedulers on one SQLite history fire each tick exactly once, with the trigger's inputs")
    func twoSchedulers() async throws {
        let file = Fixtures.temporaryDirectory().appendingPathComponent("executions.sqlite")
        let first = try Self.service(try SQLiteExecutionStore(url: file), flow: Self.everyMinute)
        let second = try Self.service(try SQLiteExecutionStore(url: file), flow: Self.everyMinute)
        let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        var checkedFirst: [String: Date] = [:]
        var checkedSecond: [String: Date] = [:]
        // 30 minutes, each scheduler looking at its own pace, both racing at every step.
        for step in 1...60 {
            let now = start.addingTimeInterval(Double(step) * 30)
            async let a: Void = FlowScheduler(flows: first).fire(until: now, checked: &checkedFirst, started: start)
            var copy = checkedSecond
            await FlowScheduler(flows: second).fire(
                until: now.addingTimeInterval(Double(step % 3)),
                checked: &copy,
                started: start
            )
            checkedSecond = copy
            await a
        }
        let executions = try await Self.ended(first.executions, count: 30)
        #expect(executions.count == 30)
        let dates = executions.compactMap { record -> String? in
            if case .string(let date)? = record.trigger["date"] { return date }
            return nil
        }
        #expect(Set(dates).count == 30)
        #expect(dates.contains("2026-01-01T00:01:00.000000Z"))
        for record in executions {
            let ended = try #require(try await first.executions.record(record.id))
            #expect(ended.state == .success)
            #expect(ended.startedBy == "schedule:minutely")
            #expect(ended.logs.first?.message == "tick \(ended.trigger["date"]?.rendered ?? "")")
        }
    }

    @Test(
        "missed ticks are recovered as recoverMissedSchedules says; late ones past lateMaximumDelay are skipped; backfill fires from its start"
    )
    func recovery() async throws {
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        func fired(_ extra: String, lastTick: Date?, until: Date) async throws -> [String] {
            let store = InMemoryExecutionStore()
            if let lastTick {
                _ = await store.claim(
                    .init(namespace: "tests", flowId: "ticker", triggerId: "minutely", date: lastTick),
                    executionId: "old"
                )
            }
            let flow = Self.everyMinute.replacingOccurrences(
                of: "    cron: \"* * * * *\"\n",
                with: "    cron: \"* * * * *\"\n" + extra
            )
            let service = try Self.service(store, flow: flow)
            var checked: [String: Date] = [:]
            await FlowScheduler(flows: service).fire(until: until, checked: &checked, started: start)
            return await store.list(flow: nil, state: nil, limit: 100).compactMap { $0.trigger["date"]?.rendered }
                .sorted()
        }
        // Down for 5 minutes before `start` (ticks 23:56 to 23:59 missed): all recovered, the last only, or none;
        // then the ticks from `start` on.
        let down = start.addingTimeInterval(-300)
        #expect(try await fired("", lastTick: down, until: start).count == 5)
        #expect(
            try await fired("    recoverMissedSchedules: LAST\n", lastTick: down, until: start) == [
                "2025-12-31T23:59:00.000000Z", "2026-01-01T00:00:00.000000Z",
            ]
        )
        #expect(
            try await fired("    recoverMissedSchedules: NONE\n", lastTick: down, until: start.addingTimeInterval(60))
                == ["2026-01-01T00:00:00.000000Z", "2026-01-01T00:01:00.000000Z"]
        )
        // A tick fired 90 s late with a 1-minute maximum delay is skipped.
        #expect(
            try await fired("    lateMaximumDelay: PT1M\n", lastTick: nil, until: start.addingTimeInterval(150)) == [
                "2026-01-01T00:02:00.000000Z"
            ]
        )
        // Backfill: every tick from its start, however late.
        let backfilled = try await fired(
            "    lateMaximumDelay: PT1M\n    backfill:\n      start: \"2025-12-31T23:57:00Z\"\n",
            lastTick: nil,
            until: start
        )
        #expect(
            backfilled == [
                "2025-12-31T23:57:00.000000Z", "2025-12-31T23:58:00.000000Z", "2025-12-31T23:59:00.000000Z",
                "2026-01-01T00:00:00.000000Z",
            ]
        )
        // A bad backfill start is an error at its line.
        let parser = FlowParser(registry: .core)
        let bad = Self.everyMinute.replacingOccurrences(
            of: "    cron: \"* * * * *\"\n",
            with: "    cron: \"* * * * *\"\n    backfill:\n      start: yesterday\n"
        )
        #expect(throws: FlowValidationError.self) { try parser.parse(bad) }
    }
}
