import FinOpsAnalytics
import FinOpsCore
import FinOpsTestSupport
import Foundation
import PivotKit
import Testing

@Suite("Allocation rules")
struct AllocationRulesTests {
    /// September 2024 in USD: Support 100, Compute 300 (web 200, data 100 by tag), Network 90 untagged, and one
    /// EUR row.
    static let csv: String = {
        func row(
            _ currency: String,
            _ day: Int,
            _ service: String,
            _ category: String,
            _ cost: String,
            _ tags: String
        )
            -> [String: String]
        {
            [
                "BillingCurrency": currency, "ChargePeriodStart": "2024-09-0\(day)T00:00:00Z",
                "ChargePeriodEnd": "2024-09-0\(day + 1)T00:00:00Z", "BillingPeriodStart": "2024-09-01T00:00:00Z",
                "BillingPeriodEnd": "2024-10-01T00:00:00Z", "ServiceName": service, "ServiceCategory": category,
                "EffectiveCost": cost, "BilledCost": cost, "ListCost": cost, "ContractedCost": cost, "Tags": tags,
            ]
        }
        return Fixtures.file(
            named: "allocation.csv",
            Fixtures.csv([
                row("USD", 1, "Support", "Management and Governance", "100", "{}"),
                row("USD", 1, "Compute", "Compute", "200", "{\"team\":\"web\"}"),
                row("USD", 2, "Compute", "Compute", "100", "{\"team\":\"data\"}"),
                row("USD", 2, "Network", "Networking", "90", "{}"),
                row("EUR", 2, "Network", "Networking", "0.01", "{}"),
            ])
        )
    }()

    static func run(_ yaml: String) throws -> AllocationResult {
        let rules = try AllocationRules(yaml: yaml, path: "rules.yml")
        return try rules.allocate(try FocusCSVReader(path: csv).readTable())
    }

    static func amounts(_ result: AllocationResult) -> [String: String] {
        Dictionary(uniqueKeysWithValues: result.lines.map { ("\($0.target) \($0.currency)", $0.amount.description) })
    }

    @Test("cascading rules: assign, assign by tag, proportional split, re-split of a target, fallback")
    func cascade() throws {
        let result = try Self.run(
            """
            target: team
            precision: 2
            rules:
              - name: support
                where: ServiceName = 'Support'
                assign: platform
              - name: tagged
                assign_by: tag(team)
              - name: network
                where: ServiceCategory = 'Networking' and BillingCurrency = 'USD'
                split: {proportional_to: direct, among: [web, data]}
              - name: platform shared
                from: platform
                split: {weights: {web: 1, data: 2}}
            """
        )
        // Network 90 by direct cost 200:100 → web 60, data 30; platform's 100 by 1:2 → 33.33 and 66.67 (the cent
        // left over goes to the largest remainder); the EUR cent stays unallocated.
        #expect(
            Self.amounts(result) == [
                "web USD": "293.33", "data USD": "196.67", "unallocated EUR": "0.01",
            ]
        )
        let web = try #require(result.lines.first { $0.target == "web" })
        #expect(web.direct.description == "200")
        #expect(web.allocated.description == "93.33")
        #expect(result.unbalanced.isEmpty)
        let explained = try result.explain("data")
        // Largest first: its own tagged 100, two thirds of platform's support, a third of the network.
        #expect(explained.map(\.amount.description) == ["100", "66.67", "30"])
        #expect(explained.map { $0.steps.map(\.rule) } == [["tagged"], ["support", "platform shared"], ["network"]])
        #expect(explained[1].steps.last?.share == "2 / 3")
        #expect(explained[1].steps.last?.from == "platform")
    }

    @Test("weights per period from a CSV, and a note when a period has none")
    func weightsFile() throws {
        let directory = Fixtures.temporaryDirectory()
        try "period,target,weight\n2024-09,web,3\n2024-09,data,1\n".write(
            to: directory.appendingPathComponent("weights.csv"),
            atomically: true,
            encoding: .utf8
        )
        let path = directory.appendingPathComponent("rules.yml").path
        let rules = try AllocationRules(
            yaml: "rules:\n  - name: all\n    split: {weights_file: weights.csv}\n",
            path: path
        )
        let result = try rules.allocate(try FocusCSVReader(path: Self.csv).readTable())
        #expect(Self.amounts(result)["web USD"] == "367.5")
        #expect(Self.amounts(result)["data USD"] == "122.5")
        #expect(result.notes.isEmpty)

        // Weights for August only: September's cost is left for later rules, here the fallback, with a note.
        try "period,target,weight\n2024-08,web,1\n".write(
            to: directory.appendingPathComponent("august.csv"),
            atomically: true,
            encoding: .utf8
        )
        let august = try AllocationRules(
            yaml: "rules:\n  - name: all\n    split: {weights_file: august.csv}\n",
            path: path
        )
        let left = try august.allocate(try FocusCSVReader(path: Self.csv).readTable())
        #expect(Self.amounts(left) == ["unallocated USD": "490", "unallocated EUR": "0.01"])
        #expect(left.notes.count == 1)
        #expect(left.notes.first?.contains("has no weights for 2024-09") == true)
    }

    @Test("rules built in code are checked as a file's are")
    func codeRules() throws {
        let table = try FocusCSVReader(path: Self.csv).readTable()
        let bad: [AllocationRules] = [
            AllocationRules(precision: 19, rules: [AllocationRule(name: "a", action: .assign("x"))]),
            AllocationRules(rules: [AllocationRule(name: "a", action: .split(.evenly([])))]),
            AllocationRules(rules: [AllocationRule(name: "a", action: .split(.weights([.init("x", ExactDecimal(-1))])))]
            ),
            AllocationRules(rules: [AllocationRule(name: "a", action: .split(.weights([.init("x", .zero)])))]),
            AllocationRules(rules: [AllocationRule(name: "a", action: .split(.proportional(nil, among: [])))]),
        ]
        for rules in bad {
            #expect(throws: AnalyticsError.self, "\(rules)") { try rules.allocate(table) }
        }
    }

    @Test(
        "bad rules files are refused at their line and column",
        arguments: [
            ("rules:\n  - name: a\n    asign: x\n", "rules.yml:3:5: unknown key 'asign' in a rule"),
            ("rules:\n  - name: a\n    where: ServiceName = \n    assign: x\n", "rules.yml:3:25: rule 'a': where:"),
            (
                "rules:\n  - name: a\n    split: {weights: {a: -1}}\n",
                "rules.yml:3:26: rule 'a': the weight of 'a' is negative"
            ),
            (
                "rules:\n  - name: a\n    assign: x\n  - name: a\n    assign: y\n",
                "rules.yml:4:5: a second rule named 'a'"
            ),
            ("rules:\n  - name: a\n", "rules.yml:2:5: rule 'a' needs exactly one of assign, assign_by or split"),
            ("period: hour\nrules: []\n", "rules.yml:1:9: period must be day, week, month, quarter or year"),
            ("rules:\n  - name: a\n    split: {evenly: [x, x]}\n", "rules.yml:3:21: rule 'a': evenly repeats a target"),
            ("rules: [\n", "rules.yml:2:1: invalid YAML"),
        ]
    )
    func badFiles(_ yaml: String, _ message: String) {
        #expect {
            _ = try AllocationRules(yaml: yaml, path: "rules.yml")
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test("a weights file with a bad row names its line and field")
    func badWeights() throws {
        let directory = Fixtures.temporaryDirectory()
        try "period,target,weight\n2024-09,web,x\n".write(
            to: directory.appendingPathComponent("w.csv"),
            atomically: true,
            encoding: .utf8
        )
        let path = directory.appendingPathComponent("rules.yml").path
        #expect {
            _ = try AllocationRules(yaml: "rules:\n  - name: a\n    split: {weights_file: w.csv}\n", path: path)
        } throws: { error in
            "\(error)".hasSuffix("w.csv:2: field weight must be a decimal not below 0, got 'x'")
        }
    }
}
