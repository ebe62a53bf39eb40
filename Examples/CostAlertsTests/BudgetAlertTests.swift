import CostAlerts
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// How a program tests its own flow and task type with FlowTesting: the path to copy.
@Suite("Example: budget alert flow")
struct BudgetAlertTests {
    func test() throws -> FlowTest {
        try FlowTest(contentsOf: CostAlerts.flowURL, registry: CostAlerts.registry)
    }

    @Test("a team over budget ends its check WARNING, exactly")
    func overBudget() async throws {
        let result = try await test().run()
        try result.expectState(.warning)
        try result.expectTask("check", value: "data", state: .warning)
        try result.expectOutput("check", value: "data", "ratio", equals: .decimal(Decimal(string: "1.31005")!))
        try result.expectOutput("check", value: "platform", "exceeded", equals: false)
        try result.expectLog(containing: "1 team(s) over budget")
    }

    @Test("inputs change the outcome; a mocked check stands in for the real one")
    func inputsAndMocks() async throws {
        var test = try test()
        let relaxed = try await test.run(inputs: ["budget": "5000"])
        try relaxed.expectState(.success)
        test.mock("check", value: "platform", state: .warning, outputs: ["exceeded": true, "ratio": 9])
        let mocked = try await test.run()
        try mocked.expectLog(containing: "2 team(s) over budget")
    }
}
