import FinOpsTestSupport
import Foundation
import Testing

@Suite("finops flow")
struct FlowCLITests {
    func write(_ yaml: String, name: String = "flow.yml") throws -> String {
        let url = Fixtures.temporaryDirectory().appendingPathComponent(name)
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("validate prints every problem as file:line:column and exits 1")
    func validate() async throws {
        let bad = try write(
            """
            id: f
            namespace: n
            tasks:
              - id: a
                type: io.kestra.plugin.core.log.Log
                mesage: typo
            """
        )
        let result = try await CommandRunner.runOffPool(["flow", "validate", bad])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(bad):4:5: missing required property 'message'"))
        #expect(result.stderr.contains("\(bad):6:5: unknown property 'mesage' of task 'a'"))
        let good = try await CommandRunner.runOffPool([
            "flow", "validate", Fixtures.packageRoot.appendingPathComponent("Examples/flows").path,
        ])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("daily_costs.yml: valid (finops.examples.daily_costs"))
    }

    @Test("run prints progress and the final state; --format json prints one object; exit 1 when it fails")
    func run() async throws {
        let flow = try write(
            """
            id: f
            namespace: n
            inputs:
              - id: fail
                type: BOOLEAN
                defaults: false
            tasks:
              - id: hello
                type: io.kestra.plugin.core.debug.Return
                format: hi
              - id: maybe
                type: io.kestra.plugin.core.execution.Fail
                runIf: "{{ inputs.fail }}"
            """
        )
        let text = try await CommandRunner.runOffPool(["flow", "run", flow])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("SUCCESS  hello"))
        #expect(text.stdout.contains("SKIPPED  maybe"))
        let json = try await CommandRunner.runOffPool(["flow", "run", flow, "--format", "json", "--input", "fail=true"])
        #expect(json.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["state"] as? String == "FAILED")
        let runs = object?["taskRuns"] as? [[String: Any]]
        #expect(runs?.map { $0["taskId"] as? String } == ["hello", "maybe"])
        #expect((runs?.first?["outputs"] as? [String: Any])?["value"] as? String == "hi")
        let badInput = try await CommandRunner.runOffPool(["flow", "run", flow, "--input", "fail=perhaps"])
        #expect(badInput.status == 1)
        #expect(badInput.stderr.contains("invalid input for `fail`, expected true or false, but received `perhaps`"))
    }

    @Test("shell tasks run only when allowed")
    func processes() async throws {
        let flow = try write(
            """
            id: f
            namespace: n
            tasks:
              - id: sh
                type: io.kestra.plugin.scripts.shell.Commands
                commands:
                  - echo '::{"outputs":{"rows":12}}::'
            """
        )
        let refused = try await CommandRunner.runOffPool(["flow", "run", flow])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--allow-processes"))
        let allowed = try await CommandRunner.runOffPool(["flow", "run", flow, "--allow-processes", "--format", "json"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.contains(#""outputs":{"rows":12,"exitCode":0}"#))
    }
}
