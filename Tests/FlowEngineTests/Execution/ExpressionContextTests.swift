import FlowEngine
import Foundation
import OrderedCollections
import Testing

@Suite("Execution variables in expressions")
struct ExpressionContextTests {
    @Test("outputs flow between tasks, nested by loop value; parent, taskrun and currentEachOutput see the loop")
    func outputsAndLoops() async throws {
        let execution = try await run(
            """
            id: f
            namespace: company.team
            inputs:
              - id: regions
                type: ARRAY
                itemType: STRING
                defaults: '["eu", "us"]'
            variables:
              prefix: cost
            tasks:
              - id: each
                type: io.kestra.plugin.core.flow.ForEach
                values: "{{ inputs.regions }}"
                tasks:
                  - id: name
                    type: io.kestra.plugin.core.debug.Return
                    format: "{{ vars.prefix }}-{{ taskrun.value }}"
                  - id: inner
                    type: io.kestra.plugin.core.flow.ForEach
                    values: [1, 2]
                    tasks:
                      - id: pair
                        type: io.kestra.plugin.core.debug.Return
                        format: "{{ parent.taskrun.value }}/{{ parents[1].taskrun.value }}"
                  - id: again
                    type: io.kestra.plugin.core.debug.Return
                    format: "{{ currentEachOutput(outputs.name).value }}"
              - id: summary
                type: io.kestra.plugin.core.output.OutputValues
                values:
                  eu: "{{ outputs.name.eu.value }}"
                  pairs: "{{ outputs.pair.us | keys }}"
                  flow: "{{ flow.namespace ~ '.' ~ flow.id }}"
            outputs:
              - id: eu
                type: STRING
                value: "{{ outputs.summary.values.eu }}"
            """
        )
        #expect(execution.state == .success)
        #expect(execution.taskRun("pair", value: "2")?.outputs["value"] != nil)
        #expect(
            execution.taskRuns.filter { $0.taskId == "pair" }.compactMap { $0.outputs["value"]?.rendered }.sorted() == [
                "1/eu", "1/us", "2/eu", "2/us",
            ]
        )
        #expect(execution.taskRun("again", value: "us")?.outputs["value"] == "cost-us")
        #expect(
            execution.taskRun("summary")?.outputs["values"] == [
                "eu": "cost-eu", "pairs": ["1", "2"], "flow": "company.team.f",
            ]
        )
        #expect(execution.outputs == ["eu": "cost-eu"])
    }

    @Test("an undefined variable fails the task with the path named; ?? and runIf expressions work")
    func strictVariables() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: fallback
                type: io.kestra.plugin.core.debug.Return
                format: "{{ outputs.nothing.value ?? 'none' }}"
              - id: guarded
                type: io.kestra.plugin.core.log.Log
                message: skipped
                runIf: "{{ outputs.fallback.value == 'something' }}"
              - id: broken
                type: io.kestra.plugin.core.debug.Return
                format: "{{ outputs.fallback.nope }}"
            """
        )
        #expect(execution.taskRun("fallback")?.outputs == ["value": "none"])
        #expect(execution.taskRun("guarded")?.state == .skipped)
        #expect(execution.taskRun("broken")?.state == .failed)
        #expect(execution.logs.last?.message.contains("outputs.fallback.nope") == true)
        #expect(execution.state == .failed)
    }

    @Test("labels, execution and tasks variables; Labels tasks change what later tasks see")
    func executionVariables() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            labels:
              team: finops
            tasks:
              - id: relabel
                type: io.kestra.plugin.core.execution.Labels
                labels:
                  "{{ 'stage' }}": "{{ labels.team }}-loaded"
              - id: read
                type: io.kestra.plugin.core.debug.Return
                format: "{{ labels.stage }} {{ tasks.relabel.state }} {{ execution.id | length }}"
            """
        )
        #expect(execution.taskRun("read")?.outputs["value"] == .string("finops-loaded SUCCESS 22"))
    }

    @Test("expression errors in a flow are validation errors at the line and column of the expression")
    func expressionErrors() {
        let error = #expect(throws: FlowValidationError.self) {
            try FlowParser().parse(
                """
                id: f
                namespace: n
                tasks:
                  - id: a
                    type: io.kestra.plugin.core.debug.Return
                    format: "value: {{ outputs.x | uppper }}"
                  - id: b
                    type: io.kestra.plugin.core.log.Log
                    message: "{{ 1 + }}"
                """,
                file: "f.yml"
            )
        }
        let messages = error?.diagnostics.map(\.description) ?? []
        #expect(messages.count == 2, "\(messages)")
        #expect(messages.first?.hasPrefix("f.yml:6:36: format: unknown filter `uppper`") == true)
        #expect(messages.last?.hasPrefix("f.yml:9:22: message: expected an expression, found `}}`") == true)
    }
}
