import FlowEngine
import FlowTesting
import Foundation
import Testing

@Suite("FlowTest: the Swift harness")
struct FlowTestTests {
    let yaml = """
        id: pipeline
        namespace: finops
        tasks:
          - id: download
            type: io.kestra.plugin.core.debug.Return
            format: downloaded
            retry:
              type: constant
              interval: PT10M
              maxAttempt: 3
          - id: notify
            type: io.kestra.plugin.core.log.Log
            message: done
            runIf: "false"
          - id: each
            type: io.kestra.plugin.core.flow.ForEach
            values: [eu, us]
            tasks:
              - id: load
                type: io.kestra.plugin.core.debug.Return
                format: loaded
        """

    @Test("runs a flow and exposes plain values; hours of retries take no real time")
    func plainValues() async throws {
        var test = try FlowTest(yaml: yaml)
        test.mock("download", failingWith: "timeout talking to S3")
        let result = try await test.run()
        #expect(result.state == .failed)
        #expect(result.taskRun("download")?.attempts.count == 3)
        #expect(result.execution.endDate?.timeIntervalSince(result.execution.startDate) == 1200)
        #expect(result.taskIds == ["download"])
        #expect(result.logs(containing: "S3").count == 3)
    }

    @Test("mocks by id, by loop value and by type; checks pass on the right values")
    func mocksAndChecks() async throws {
        var test = try FlowTest(yaml: yaml)
        test.mock("load", value: "us", outputs: ["value": "mocked"])
        test.mock(type: "io.kestra.plugin.core.debug.Return", outputs: ["value": "stub"])
        let result = try await test.run()
        try result.expectState(.success)
        try result.expectSkipped("notify")
        try result.expectOutput("load", value: "eu", "value", equals: "stub")
        try result.expectOutput("load", value: "us", "value", equals: "mocked")
        try result.expectOrder(["download", "each", "load"])
        try result.expectTask("download", attempts: 1)
        try result.expectNotRun("ghost")
    }

    @Test("checks that do not hold say what was checked, expected and found")
    func failingChecks() async throws {
        var test = try FlowTest(yaml: yaml)
        test.mock("download", failingWith: "boom")
        let result = try await test.run()
        func message(_ check: () throws -> Void) -> String? {
            do {
                try check()
                return nil
            } catch {
                return (error as? FlowAssertionError)?.description
            }
        }
        #expect(
            message { try result.expectState(.success) }
                == "execution state: expected SUCCESS, got FAILED (first error: download: boom)"
        )
        #expect(
            message { try result.expectTask("download", attempts: 2) } == "task download attempts: expected 2, got 3"
        )
        #expect(
            message { try result.expectTask("load", value: "eu", state: .success) }
                == "task load[eu]: expected a task run, got none (tasks that ran: download)"
        )
        #expect(
            message { try result.expectOutput("download", "value", equals: "x") }
                == "task download output value: expected \"x\", got no such output"
        )
        #expect(
            message { try result.expectOrder(["each", "download"]) }
                == "task order: expected each → download, got download"
        )
        #expect(
            message { try result.expectLog(containing: "hello") }
                == "logs: expected a line containing \"hello\", got last lines: download: boom | download: boom | download: boom"
        )
        #expect(message { try result.expectNotRun("download") } == "task download: expected no run, got FAILED")
        #expect(
            message { try result.expectFlowOutput("total", equals: 1) }
                == "flow output total: expected 1, got no such output"
        )
    }

    @Test("a bad input stops the run with the input named")
    func badInput() async throws {
        let test = try FlowTest(
            yaml: """
                id: f
                namespace: n
                inputs:
                  - id: day
                    type: DATE
                tasks:
                  - id: a
                    type: io.kestra.plugin.core.log.Log
                    message: hi
                """
        )
        let error = await #expect(throws: FlowRunError.self) { try await test.run(inputs: ["day": "yesterday"]) }
        #expect(
            error?.problems == ["invalid input for `day`, expected a date such as 2024-01-31, but received `yesterday`"]
        )
    }
}
