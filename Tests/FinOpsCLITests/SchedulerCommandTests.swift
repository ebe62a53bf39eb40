import FinOpsTestSupport
import Foundation
import Testing

@Suite("finops scheduler")
struct SchedulerCommandTests {
    static func flow(withTrigger: Bool) -> String {
        var text = """
            id: slow
            namespace: tests
            tasks:
              - id: wait
                type: io.kestra.plugin.core.flow.Pause
                delay: PT1H

            """
        if withTrigger {
            text += """
                triggers:
                  - id: often
                    type: io.kestra.plugin.core.trigger.Schedule
                    cron: "*/2 * * * * *"
                    withSeconds: true
                    recoverMissedSchedules: NONE

                """
        }
        return text
    }

    /// The executions `finops flow executions --format json` lists.
    static func executions(store: String) async throws -> [[String: Any]] {
        let output = try await CommandRunner.runOffPool(["flow", "executions", "--store", store, "--format", "json"])
        guard output.status == 0,
            let records = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]]
        else { throw TestFailure("finops flow executions: \(output.stderr)") }
        return records
    }

    @Test("a scheduler killed mid-execution leaves it marked RUNNING; the next scheduler fails it, saying why")
    func killed() async throws {
        let store = Fixtures.temporaryDirectory().path
        let flows = Fixtures.temporaryDirectory()
        let file = flows.appendingPathComponent("slow.yml")
        try Self.flow(withTrigger: true).write(to: file, atomically: true, encoding: .utf8)
        let arguments = ["scheduler", "--store", store, "--flows", flows.path, "--heartbeat", "1"]
        let (first, _, _) = try CommandRunner.start(arguments)
        let clock = ContinuousClock()
        var deadline = clock.now + .seconds(60)
        var running: String?
        while running == nil, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            running =
                try await Self.executions(store: store).first { $0["state"] as? String == "RUNNING" }?["id"]
                as? String
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let id = try #require(running, "the first scheduler started no execution")
        let left = try await Self.executions(store: store).first { $0["id"] as? String == id }
        #expect(left?["state"] as? String == "RUNNING", "killed, it is still recorded as running: not lost")

        // The next scheduler (without the trigger, so it starts nothing) finds it abandoned.
        try Self.flow(withTrigger: false).write(to: file, atomically: true, encoding: .utf8)
        let (second, _, _) = try CommandRunner.start(arguments)
        defer {
            second.terminate()
            second.waitUntilExit()
        }
        deadline = clock.now + .seconds(60)
        var record: [String: Any]?
        repeat {
            try await Task.sleep(for: .milliseconds(200))
            record = try await Self.executions(store: store).first { $0["id"] as? String == id }
        } while record?["state"] as? String == "RUNNING" && clock.now < deadline
        #expect(record?["state"] as? String == "FAILED")
        let problems = record?["problems"] as? [String] ?? []
        #expect(problems.contains { $0.contains("the process running it stopped (no heartbeat for 3 s)") })
        let logs = try await CommandRunner.runOffPool(["flow", "logs", id, "--store", store])
        #expect(logs.stdout.contains("problem: the process running it stopped"))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
