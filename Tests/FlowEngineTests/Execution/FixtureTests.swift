import FlowEngine
import Foundation
import OrderedCollections
import Testing

@Suite("Task fixtures")
struct FixtureTests {
    @Test("a fixture replaces a task by id, by id and loop value, or by type; retries and handlers still apply")
    func fixtures() async throws {
        let flow = try FlowParser().parse(
            """
            id: f
            namespace: n
            tasks:
              - id: download
                type: io.kestra.plugin.core.execution.Fail
              - id: each
                type: io.kestra.plugin.core.flow.ForEach
                values: [a, b]
                tasks:
                  - id: item
                    type: io.kestra.plugin.core.debug.Return
                    format: real
                    retry:
                      type: constant
                      interval: PT1M
                      maxAttempt: 2
            errors:
              - id: alert
                type: io.kestra.plugin.core.log.Log
                message: alerting
            """
        )
        var runner = FlowRunner(clock: VirtualClock())
        runner.fixtures = [
            .task("download", outputs: ["rows": 10]),
            .task("item", value: "b", state: .failed),
            TaskFixture(.type("io.kestra.plugin.core.log.Log"), outputs: .value(["sent": true])),
        ]
        let execution = try await runner.run(flow)
        #expect(execution.taskRun("download")?.state == .success)
        #expect(execution.taskRun("download")?.outputs == ["rows": 10])
        #expect(execution.taskRun("item", value: "a")?.outputs == ["value": "real"])
        #expect(execution.taskRun("item", value: "b")?.attempts.count == 2)
        #expect(execution.taskRun("item", value: "b")?.state == .failed)
        #expect(execution.taskRun("alert")?.outputs == ["sent": true])
        #expect(execution.state == .failed)
    }
}
