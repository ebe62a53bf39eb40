import FlowEngine
import FlowTesting
import Foundation
import Testing

@Suite("YAML test suites")
struct TestSuiteTests {
    let flow = """
        id: orders
        namespace: shop
        inputs:
          - id: product
            type: STRING
            defaults: book
        tasks:
          - id: price
            type: io.kestra.plugin.core.output.OutputValues
            values:
              amount: "{{ 12 }}"
          - id: flaky
            type: io.kestra.plugin.core.debug.Return
            format: "ordered {{ inputs.product }}"
            retry:
              type: exponential
              interval: PT1M
              maxInterval: PT1H
              maxAttempt: 5
          - id: wait
            type: io.kestra.plugin.core.flow.Sleep
            duration: PT6H
        outputs:
          - id: amount
            type: INT
            value: "{{ outputs.price.values.amount }}"
        """

    func runner() throws -> TestSuiteRunner {
        TestSuiteRunner(flows: FlowRepository([try FlowParser().parse(flow)]))
    }

    @Test("passing and failing assertions, each failure with its message and the actual value")
    func outcomes() async throws {
        let suite = try TestSuite(
            yaml: """
                id: orders_tests
                namespace: shop
                flowId: orders
                testCases:
                  - id: passes
                    type: io.kestra.core.tests.flow.UnitTest
                    fixtures:
                      inputs: {product: pen}
                    assertions:
                      - value: "{{ outputs.flaky.value }}"
                        equalTo: ordered pen
                        contains: pen
                      - value: "{{ execution.outputs.amount }}"
                        equalTo: "12"
                        greaterThan: 11.5
                        in: [11, 12]
                      - value: "{{ outputs.nothing ?? null }}"
                        isNull: true
                  - id: fails
                    type: io.kestra.core.tests.flow.UnitTest
                    assertions:
                      - value: "{{ outputs.flaky.value }}"
                        equalTo: ordered pen
                      - value: "{{ execution.outputs.amount }}"
                        lessThan: 10
                        errorMessage: "too expensive: {{ execution.outputs.amount }}"
                  - id: errors
                    type: io.kestra.core.tests.flow.UnitTest
                    assertions:
                      - value: "{{ outputs.missing.value }}"
                        equalTo: x
                  - id: mocked_failure
                    type: io.kestra.core.tests.flow.UnitTest
                    fixtures:
                      tasks:
                        - id: flaky
                          state: FAILED
                    assertions:
                      - value: "{{ execution.state }}"
                        equalTo: FAILED
                  - id: off
                    type: io.kestra.core.tests.flow.UnitTest
                    disabled: true
                    assertions:
                      - value: x
                        equalTo: y
                """
        )
        let result = try await runner().run(suite)
        #expect(result.cases.map(\.state) == [.success, .failed, .error, .success, .skipped])
        #expect(result.state == .error)
        #expect(
            result.cases[1].failures == [
                "expected '{{ outputs.flaky.value }}' to equal 'ordered pen' but was 'ordered book'",
                "too expensive: 12",
            ]
        )
        #expect(result.cases[2].failures.first?.contains("outputs.missing") == true)
        #expect(result.cases[3].executionState == .failed)
        let text = TestReport.text([result])
        #expect(
            text.contains(
                "FAIL  shop.orders_tests/fails: expected '{{ outputs.flaky.value }}' to equal 'ordered pen' but was 'ordered book'"
            )
        )
        #expect(text.hasSuffix("2 passed, 1 failed, 1 errored, 1 skipped"))
        let junit = TestReport.junit([result])
        #expect(junit.contains(#"<testsuite name="shop.orders_tests" tests="5" failures="1" errors="1" skipped="1""#))
        #expect(
            junit.contains(
                "<failure message=\"expected &#39;{{ outputs.flaky.value }}&#39; to equal &#39;ordered pen&#39; but was &#39;ordered book&#39;\">"
            )
        )
    }

    @Test("suite files are validated with line and column; a missing flow is an error for every case")
    func validation() async throws {
        let error = #expect(throws: FlowValidationError.self) {
            try TestSuite(
                yaml: """
                        id: t
                        namespace: shop
                        flowId: orders
                        testCases:
                          - id: a
                            asertions: []
                          - id: b
                            assertions:
                              - value: "{{ x }}"
                    """,
                file: "suite.yml"
            )
        }
        #expect(
            error?.diagnostics.map(\.description) == [
                "suite.yml:6:9: unknown property 'asertions' of test case 'a'",
                "suite.yml:9:13: an assertion needs at least one operator: equalTo, notEqualTo, contains, startsWith, endsWith, greaterThan, greaterThanOrEqualTo, lessThan, lessThanOrEqualTo, in, notIn, isNull, isNotNull",
            ]
        )
        let orphan = try TestSuite(
            yaml:
                "id: t\nnamespace: shop\nflowId: nowhere\ntestCases:\n  - id: a\n    assertions:\n      - value: x\n        equalTo: x\n"
        )
        let result = try await runner().run(orphan)
        #expect(result.state == .error)
        #expect(result.cases.first?.failures == ["flow shop.nowhere is not among the flows given"])
    }

    @Test("a 100-case suite over a flow with retries and sleeps runs on virtual time (timed in Benchmarks/FlowBench)")
    func hundredCases() async throws {
        var yaml = "id: many\nnamespace: shop\nflowId: orders\ntestCases:\n"
        for index in 0..<100 {
            yaml += """
                  - id: case\(index)
                    fixtures:
                      inputs: {product: p\(index)}
                      tasks:
                        - id: price
                          state: FAILED
                    assertions:
                      - value: "{{ execution.state }}"
                        equalTo: FAILED

                """
            yaml += "\n"
        }
        let suite = try TestSuite(yaml: yaml)
        let result = try await runner().run(suite)
        #expect(result.cases.count == 100)
        #expect(result.state == .success)
    }
}

@Suite("YAML test suites: files and triggers")
struct SuiteFixtureTests {
    @Test("files and trigger fixtures are variables of the execution and of the assertions")
    func filesAndTrigger() async throws {
        let flow = try FlowParser().parse(
            """
            id: scheduled
            namespace: shop
            tasks:
              - id: read
                type: io.kestra.plugin.core.debug.Return
                format: "{{ fromJson(files['prices.json']) | jq('.book') | first }} on {{ trigger.date }}"
            """
        )
        let suite = try TestSuite(
            yaml: """
                id: scheduled_tests
                namespace: shop
                flowId: scheduled
                testCases:
                  - id: reads
                    fixtures:
                      files:
                        prices.json: '{"book": 12}'
                      trigger:
                        id: daily
                        type: io.kestra.plugin.core.trigger.Schedule
                        variables:
                          date: "2025-01-01T00:00:00Z"
                    assertions:
                      - value: "{{ outputs.read.value }}"
                        equalTo: 12 on 2025-01-01T00:00:00Z
                      - value: "{{ trigger.id }}"
                        equalTo: daily
                """
        )
        let result = await TestSuiteRunner(flows: FlowRepository([flow])).run(suite)
        #expect(result.cases.first?.failures == [])
        #expect(result.state == .success)
    }
}
