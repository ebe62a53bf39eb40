import FlowEngine
import Foundation
import OrderedCollections
import Testing

@Suite("Execution variables in expressions")
struct ExpressionContextTests {
    @Test("parents are the flowable runs around a task, as in Kestra: in nested loops parents[0] is the outer value")
    func parentsInNestedLoops() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: outer
                type: io.kestra.plugin.core.flow.ForEach
                values: ["yellow", "green"]
                tasks:
                  - id: inner
                    type: io.kestra.plugin.core.flow.ForEach
                    values: ["2020-01", "2020-02"]
                    tasks:
                      - id: pair
                        type: io.kestra.plugin.core.debug.Return
                        format: "{{ parents[0].taskrun.value }} {{ taskrun.value }}"
                      - id: only_yellow
                        type: io.kestra.plugin.core.flow.If
                        condition: "{{ parents[0].taskrun.value == 'yellow' }}"
                        then:
                          - id: combination
                            type: io.kestra.plugin.core.debug.Return
                            format: "{{ parents[1].taskrun.value }} - {{ parents[0].taskrun.value }}"
                  - id: group
                    type: io.kestra.plugin.core.flow.Sequential
                    tasks:
                      - id: grouped
                        type: io.kestra.plugin.core.debug.Return
                        format: "{{ parents[0].taskrun.value }}"
              - id: summary
                type: io.kestra.plugin.core.output.OutputValues
                values:
                  green: "{{ outputs.pair.green['2020-02'].value }}"
            """
        )
        #expect(execution.state == .success)
        let pairs = execution.taskRuns.filter { $0.taskId == "pair" }.compactMap { $0.outputs["value"]?.rendered }
        #expect(pairs.sorted() == ["green 2020-01", "green 2020-02", "yellow 2020-01", "yellow 2020-02"])
        let combinations = execution.taskRuns.filter { $0.taskId == "combination" }
            .compactMap { $0.outputs["value"]?.rendered }
        #expect(combinations.sorted() == ["yellow - 2020-01", "yellow - 2020-02"])
        let grouped = execution.taskRuns.filter { $0.taskId == "grouped" }.compactMap { $0.outputs["value"]?.rendered }
        #expect(grouped.sorted() == ["green", "yellow"])
        // Outputs of a task inside nested loops are keyed by the outer value, then the inner one.
        #expect(execution.taskRun("summary")?.outputs["values"] == ["green": "green 2020-02"])
    }

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
                        format: "{{ taskrun.value }}/{{ parent.taskrun.value }}/{{ parents[0].taskrun.value }}"
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
                "1/eu/eu", "1/us/us", "2/eu/eu", "2/us/us",
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
