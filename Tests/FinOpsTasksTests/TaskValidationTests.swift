import FinOpsCore
import FinOpsTasks
import FinOpsTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Testing

@Suite("FinOps task properties")
struct TaskValidationTests {
    @Test("constant properties are checked when the flow is read, at their line and column")
    func constantsAtTheirPlace() {
        let problems = validationProblems(
            """
            id: checks
            namespace: test
            tasks:
              - id: pivot
                type: io.finops.cost.Pivot
                rows: "ServiceName, month("
                top: "0"
                totals: sometimes
              - id: anomalies
                type: io.finops.cost.Anomalies
                threshold: lots
              - id: forecast
                type: io.finops.cost.Forecast
                by: [ServiceName]
                interval: 2
                horizn: 7
              - id: budgets
                type: io.finops.cost.CheckBudgets
                budgets: b.yml
                failOn: always
              - id: notify
                type: io.finops.cost.Notify
                url: http://127.0.0.1/
                attempts: 0
                headers: [a, b]
            """
        )
        #expect(problems.contains { $0.hasPrefix("6:11: 'rows':") })
        #expect(problems.contains("7:10: 'top': takes N or N:MEASURE with N > 0, e.g. 10:sum(EffectiveCost), not '0'"))
        #expect(problems.contains("8:13: 'totals': is one of none, grand, all, not 'sometimes'"))
        #expect(problems.contains("9:5: missing required property 'by'"))
        #expect(problems.contains("11:16: 'threshold': takes a number from 0.0 to 1000.0, not 'lots'"))
        #expect(problems.contains("15:15: 'interval': takes a number from 0.5 to 0.999, not '2'"))
        #expect(problems.contains("16:5: unknown property 'horizn' of task 'forecast' (io.finops.cost.Forecast)"))
        #expect(problems.contains("20:13: 'failOn': is one of never, warning, breached, not 'always'"))
        #expect(problems.contains("24:15: 'attempts': takes an integer from 1 to 20, not '0'"))
        #expect(problems.contains("25:14: 'headers' is a map of header names to values"))
    }

    @Test("expressions are checked when the task runs, and a bad value names the property and what it rendered")
    func expressionsAtRunTime() async throws {
        let harness = try FinOpsFlowHarness()
        try await harness.ingestRealSample()
        let test = try harness.test(
            """
            id: dynamic
            namespace: test
            inputs:
              - id: by
                type: STRING
            tasks:
              - id: pivot
                type: io.finops.cost.Pivot
                rows: "{{ inputs.by }}"
                measures: [sum(BilledCost), count()]
            """
        )
        let good = try await test.run(inputs: ["by": "ProviderName"])
        try good.expectState(.success)
        #expect(good.outputs(of: "pivot")?["size"] == 3)
        let bad = try await test.run(inputs: ["by": "month("])
        try bad.expectState(.failed)
        #expect(
            !bad.logs(containing: "rows:").filter { $0.message.contains("rendered from '{{ inputs.by }}' as 'month('") }
                .isEmpty
        )
    }

    @Test("flags and durations take expressions too")
    func expressionFlags() async throws {
        let harness = try FinOpsFlowHarness()
        // A commitment purchase that carries EffectiveCost breaks a FOCUS invariant.
        let path = Fixtures.file(
            Fixtures.csv(
                [
                    [
                        "ChargeCategory": "Purchase", "EffectiveCost": "5", "BilledCost": "5",
                        "CommitmentDiscountId": "c1",
                    ]
                ],
                extraColumns: ["CommitmentDiscountId"]
            )
        )
        _ = try await FocusIngest().ingest(files: [path], into: harness.store)
        let test = try harness.test(
            """
            id: flags
            namespace: test
            inputs:
              - id: strict
                type: BOOLEAN
            tasks:
              - id: reconcile
                type: io.finops.cost.Reconcile
                strict: "{{ inputs.strict }}"
            """
        )
        let lenient = try await test.run(inputs: ["strict": "false"])
        try lenient.expectTask("reconcile", state: .warning)
        #expect(lenient.outputs(of: "reconcile")?["valid"] == false)
        let strict = try await test.run(inputs: ["strict": "true"])
        try strict.expectTask("reconcile", state: .failed)
        try strict.expectLog(containing: "1 invariants broken: purchase-effective-cost")
        #expect(
            validationProblems(
                "id: f\nnamespace: t\ntasks:\n  - id: n\n    type: io.finops.cost.Notify\n    url: http://x/\n"
                    + "    requestTimeout: PT0S\n    retryInterval: \"PT{{ 1 }}S\"\n"
            ) == [
                "7:21: 'requestTimeout': takes an ISO-8601 duration from 0.001 seconds to 3600.0 seconds, such as PT10S, not 'PT0S'"
            ]
        )
    }

    @Test("a report's pivots take constants only, and each pivot's properties are checked")
    func reportPivots() {
        let problems = validationProblems(
            """
            id: report
            namespace: test
            tasks:
              - id: report
                type: io.finops.cost.Report
                pivots:
                  - title: by region
                    rows: "{{ inputs.rows }}"
                  - title: by service
                    rows: [ServiceName]
                    colums: [RegionId]
            """
        )
        #expect(problems.contains { $0.hasPrefix("7:9: a report's pivots are written without expressions") })
        #expect(problems.contains("11:9: unknown property 'colums' of a report pivot"))
    }

    @Test("a FinOps task run without a store fails saying what the program must hand in")
    func noEnvironment() async throws {
        let test = try FlowTest(
            yaml: """
                id: nostore
                namespace: test
                tasks:
                  - id: reconcile
                    type: io.finops.cost.Reconcile
                """,
            registry: .finOps
        )
        let result = try await test.run()
        try result.expectState(.failed)
        #expect(!result.logs(containing: "FlowRunner.services[FinOpsTaskEnvironment.self]").isEmpty)
    }
}

@Suite("FinOps task outputs")
struct TaskOutputTests {
    @Test("amounts cross into flow values exactly, to the last of their 18 fractional digits")
    func exactAmounts() throws {
        #expect(FlowValue(exactly: ExactDecimal("12.50")!) == .decimal(Decimal(string: "12.5")!))
        #expect(FlowValue(exactly: ExactDecimal("-0.000000000000000001")!) == .decimal(Decimal(string: "-1e-18")!))
        var random = SeededRandom(seed: 11)
        var extremes: [ExactDecimal] = [.greatestFiniteMagnitude, .leastFiniteMagnitude, .zero]
        for _ in 0..<2_000 {
            var units: Int128 = random.next(2) == 0 ? 1 : -1
            for _ in 0..<random.next(7) { units = units * 1_000_000 + Int128(random.next(1_000_000)) }
            extremes.append(ExactDecimal(units: units))
        }
        for amount in extremes {
            let value = FlowValue(exactly: amount)
            #expect(ExactDecimal(value.rendered) == amount, "\(amount) crossed as \(value)")
        }
    }

    @Test("a pivot task's rows are the store's pivot, amounts exact, totals as null members")
    func pivotRows() async throws {
        let harness = try FinOpsFlowHarness()
        let path = Fixtures.file(
            Fixtures.csv([
                ["EffectiveCost": "0.1", "ServiceName": "a"], ["EffectiveCost": "0.2", "ServiceName": "a"],
                ["EffectiveCost": "123456789012345678.000000000000000001", "ServiceName": "b"],
            ])
        )
        _ = try await FocusIngest().ingest(files: [path], into: harness.store)
        let test = try harness.test(
            """
            id: pivot
            namespace: test
            tasks:
              - id: pivot
                type: io.finops.cost.Pivot
                rows: [ServiceName]
                measures: ["sum(EffectiveCost)", "count()"]
                totals: grand
              - id: check
                type: io.kestra.plugin.core.debug.Return
                format: "{{ outputs.pivot.rows[0]['sum(EffectiveCost)'] + 0.0 }} {{ outputs.pivot.rows[2]['ServiceName'] ?? 'total' }}"
            """
        )
        let result = try await test.run()
        try result.expectState(.success)
        let rows = try #require(result.outputs(of: "pivot")?["rows"])
        #expect(rows.listCount == 3)
        if case .list(let cells) = rows {
            #expect(
                cells[0] == ["ServiceName": "a", "sum(EffectiveCost)": .decimal(Decimal(string: "0.3")!), "count()": 2]
            )
            #expect(cells[1]["sum(EffectiveCost)"]?.rendered == "123456789012345678.000000000000000001")
            #expect(cells[2]["ServiceName"] == .null)
            #expect(cells[2]["sum(EffectiveCost)"]?.rendered == "123456789012345678.300000000000000001")
        }
        #expect(result.outputs(of: "check")?["value"] == "0.3 total")
    }

    @Test("budgets warn or fail the task on the state asked for")
    func budgetStates() async throws {
        let harness = try FinOpsFlowHarness()
        try await harness.ingestRealSample()
        let budgets = Fixtures.file(
            named: "budgets.yml",
            "currency: USD\nbudgets:\n  - {name: tiny, period: month, amount: 1}\n"
                + "  - {name: roomy, period: month, amount: 1000000}\n"
        )
        let flow = { (warnOn: String, failOn: String) in
            """
            id: budgets
            namespace: test
            tasks:
              - id: budgets
                type: io.finops.cost.CheckBudgets
                budgets: \(budgets)
                warnOn: \(warnOn)
                failOn: \(failOn)
            """
        }
        let warned = try await harness.test(flow("warning", "never")).run()
        try warned.expectState(.warning)
        let outputs = try #require(warned.outputs(of: "budgets"))
        #expect(outputs["statuses"]?.listCount == 2)
        #expect(outputs["breached"] == 1)
        #expect(outputs["state"] == "breached")
        #expect(outputs["alerts"]?.listCount == 1)
        try await harness.test(flow("never", "never")).run().expectState(.success)
        let failed = try await harness.test(flow("warning", "breached")).run()
        try failed.expectState(.failed)
        #expect(!failed.logs(containing: "budgets breached: tiny: actual ≥ amount").isEmpty)
    }
}
