import FinOpsCore
import FinOpsTasks
import FinOpsTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// Each FinOps task type through FlowTesting, outputs and failure paths (the report, metrics, budgets, pivot,
/// reconcile and notify have suites of their own).
@Suite("FinOps task types")
struct TaskTypeTests {
    /// A harness whose store holds the generated four-month sample.
    static func generated() async throws -> FinOpsFlowHarness {
        let harness = try FinOpsFlowHarness()
        let sample = Fixtures.packageRoot.appendingPathComponent(FinOpsFlowHarness.generatedSample).path
        _ = try await FocusIngest().ingest(files: [sample], source: "sample", into: harness.store)
        return harness
    }

    static func flow(_ tasks: String) -> String {
        "id: types\nnamespace: test\ntasks:\n" + tasks
    }

    @Test("TagCoverage gives per-month lines, the untagged members and the latest month's spend coverage")
    func tagCoverage() async throws {
        let harness = try await Self.generated()
        let result = try await harness.test(
            Self.flow("  - id: coverage\n    type: io.finops.cost.TagCoverage\n    tags: [team, env]\n    top: 3\n")
        ).run()
        try result.expectState(.success)
        let outputs = try #require(result.outputs(of: "coverage"))
        let team = try #require(outputs["spendCoverage"]?["team"]?["USD"])
        #expect(team.numericValue.map { $0 > 80 && $0 < 100 } == true, "team coverage \(team)")
        #expect((outputs["lines"]?.listCount ?? 0) > 8)
        // At most 3 members per key, currency and dimension (ServiceName, SubAccountId, ResourceId).
        #expect((20...(2 * 2 * 3 * 3)).contains(outputs["untagged"]?.listCount ?? 0))
    }

    @Test("Commitments lists each commitment and warns below a utilization")
    func commitments() async throws {
        let harness = try FinOpsFlowHarness()
        // c1: 3 of 4 hours used (75%); c2: wholly used.
        let columns = ["CommitmentDiscountId", "CommitmentDiscountStatus", "CommitmentDiscountQuantity"]
        let rows: [[String: String]] = [
            [
                "CommitmentDiscountId": "c1", "CommitmentDiscountStatus": "Used", "CommitmentDiscountQuantity": "3",
                "EffectiveCost": "3",
            ],
            [
                "CommitmentDiscountId": "c1", "CommitmentDiscountStatus": "Unused", "CommitmentDiscountQuantity": "1",
                "EffectiveCost": "1",
            ],
            [
                "CommitmentDiscountId": "c2", "CommitmentDiscountStatus": "Used", "CommitmentDiscountQuantity": "2",
                "EffectiveCost": "2",
            ],
        ]
        _ = try await FocusIngest().ingest(
            files: [Fixtures.file(Fixtures.csv(rows, extraColumns: columns))],
            into: harness.store
        )
        let plain = try await harness.test(
            Self.flow("  - id: commitments\n    type: io.finops.cost.Commitments\n")
        ).run()
        try plain.expectState(.success)
        let listed = try #require(plain.outputs(of: "commitments")?["commitments"])
        #expect(listed.listCount == 2)
        #expect(listed.listFirst?["utilization_percent"] == .decimal(75))
        #expect(listed.listFirst?["unused_cost"] == "1")  // amounts in analysis rows are text with every digit
        let strict = try await harness.test(
            Self.flow("  - id: commitments\n    type: io.finops.cost.Commitments\n    minUtilization: 80\n")
        ).run()
        try strict.expectTask("commitments", state: .warning)
        #expect(strict.outputs(of: "commitments")?["underused"] == ["c1"])
        try strict.expectLog(containing: "c1 is 75.00% used, below 80.0%")
    }

    @Test("Anomalies and Forecast give their findings as outputs later tasks can read")
    func anomaliesAndForecasts() async throws {
        let harness = try await Self.generated()
        let result = try await harness.test(
            Self.flow(
                """
                  - id: anomalies
                    type: io.finops.cost.Anomalies
                    by: [ServiceName]
                    minImpact: 25
                    warnOnAnomalies: true
                  - id: daily
                    type: io.finops.cost.Forecast
                    by: [ProviderName]
                    where: "BillingCurrency = 'USD'"
                    horizon: 5
                  - id: month_end
                    type: io.finops.cost.Forecast
                    by: [ProviderName]
                    monthEnd: true
                  - id: first
                    type: io.kestra.plugin.core.debug.Return
                    format: "{{ outputs.anomalies.anomalies[0].series }} {{ outputs.daily.forecasts[0].points | length }}"

                """
            )
        ).run()
        try result.expectTask("anomalies", state: .warning)
        let anomalies = try #require(result.outputs(of: "anomalies"))
        #expect(anomalies["count"] == .int(anomalies["anomalies"]?.listCount ?? -1))
        #expect(anomalies["series"].map { ($0.numericValue ?? 0) > 100 } == true)
        let first = try #require(anomalies["anomalies"]?.listFirst)
        for key in ["day", "series", "kind", "actual", "expected", "lower", "upper", "impact", "contributors"] {
            #expect(first[key] != nil, "an anomaly has no \(key)")
        }
        #expect(result.outputs(of: "daily")?["count"] == 3)
        #expect(result.outputs(of: "first")?["value"]?.rendered.hasSuffix(" 5") == true)
        let totals = try #require(result.outputs(of: "month_end")?["totals"]?.listFirst)
        #expect(totals["start"] == "2024-04-01" && totals["end"] == "2024-05-01")
    }

    @Test("Ingest stops at a bad row, naming file, row and column, and stores nothing; skipInvalid stores the rest")
    func ingestFailures() async throws {
        let harness = try FinOpsFlowHarness()
        let path = Fixtures.file(
            Fixtures.csv([["EffectiveCost": "1.5"], ["EffectiveCost": "1.2.3"], ["EffectiveCost": "2"]])
        )
        let strict = try await harness.test(
            Self.flow("  - id: ingest\n    type: io.finops.cost.Ingest\n    from: \(path)\n")
        ).run()
        try strict.expectTask("ingest", state: .failed)
        try strict.expectLog(containing: "row 2 (line 3), column EffectiveCost, value \"1.2.3\": not a decimal number")
        #expect(try await harness.store.periods().isEmpty)
        let lenient = try await harness.test(
            Self.flow("  - id: ingest\n    type: io.finops.cost.Ingest\n    from: [\(path)]\n    skipInvalid: true\n")
        ).run()
        try lenient.expectTask("ingest", state: .success)
        #expect(lenient.outputs(of: "ingest")?["rows"] == 2)
        #expect(lenient.outputs(of: "ingest")?["rejected"] == 1)
        #expect(lenient.outputs(of: "ingest")?["rejects"] != nil)
    }

    @Test("a store error fails the task with the store's message, naming the damaged file")
    func storeError() async throws {
        let harness = try FinOpsFlowHarness()
        try await harness.ingestRealSample()
        let data = harness.folder.appendingPathComponent("store/data")
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: data.path).sorted().first)
        let name = try #require(
            try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent(folder).path).sorted().first
        )
        let file = data.appendingPathComponent(folder).appendingPathComponent(name)
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: file)
        let result = try await harness.test(
            Self.flow(
                "  - id: pivot\n    type: io.finops.cost.Pivot\n    rows: [ServiceName]\n"
                    + "    measures: [sum(BilledCost), count_distinct(ResourceId), sum(ListCost)]\n"
            )
        ).run()
        try result.expectTask("pivot", state: .failed)
        try result.expectLog(containing: name)
    }
}

extension FlowValue {
    var listFirst: FlowValue? {
        if case .list(let items) = self { return items.first }
        return nil
    }
}

@Suite("the nightly backup flow")
struct NightlyBackupTests {
    @Test("backs the store up into a dated folder that restores to the same totals")
    func backup() async throws {
        let harness = try FinOpsFlowHarness()
        try await harness.ingestRealSample()
        let folder = Fixtures.temporaryDirectory()
        let result = try await harness.test(file: "Examples/flows/nightly_backup.yml").run(inputs: [
            "folder": .string(folder.path)
        ])
        try result.expectState(.success)
        let uri = try #require(result.flowOutputs["folder"]?.rendered)
        #expect(uri.hasPrefix(folder.path + "/finops-2025-01-01-"))
        #expect(result.outputs(of: "backup")?["rows"] == 1000)
        let target = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        let restored = try await StoreBackup.restore(from: URL(fileURLWithPath: uri), into: target)
        let original = try await harness.store.periods()
        #expect(restored.map(\.totals) == original.map(\.totals))
        #expect(restored.map(\.rowCount) == original.map(\.rowCount))
    }
}
