import FinOpsCore
import PivotKit
import Testing

@Suite("Pivot syntax")
struct PivotSyntaxTests {
    @Test("nesting is bounded: deep parentheses, nots and measures are errors, not a stack overflow")
    func deepNesting() throws {
        // Found by fuzzing (FuzzPivotSyntax): 20,000 nested parentheses overflowed the parser's stack.
        let deep = String(repeating: "(", count: 20_000) + "BilledCost > 1" + String(repeating: ")", count: 20_000)
        do {
            _ = try PivotSyntax.filter(deep)
            Issue.record("a filter nested 20,000 deep was accepted")
        } catch {
            #expect(error.description.contains("nests more than 64 levels deep"))
        }
        #expect(throws: PivotSyntaxError.self) {
            try PivotSyntax.filter(String(repeating: "NOT ", count: 5_000) + "a = 'b'")
        }
        let measure =
            String(repeating: "pct_of_total(", count: 100) + "sum(BilledCost)" + String(repeating: ")", count: 100)
        #expect(throws: PivotSyntaxError.self) { try PivotSyntax.measures(measure) }
        #expect(
            try PivotSyntax.filter("((((BilledCost > 1))))")
                == .compare(.column("BilledCost"), .greater, .number(ExactDecimal(1)))
        )
    }

    @Test("dimension lists")
    func dimensions() throws {
        #expect(
            try PivotSyntax.dimensions("ServiceName, month(ChargePeriodStart),tag(team), tag('cost center'), x_Env")
                == [
                    .column("ServiceName"), .time("ChargePeriodStart", .month), .tag("team"), .tag("cost center"),
                    .column("x_Env"),
                ]
        )
    }

    @Test("measure lists")
    func measures() throws {
        #expect(
            try PivotSyntax.measures(
                "sum(EffectiveCost),count(), COUNT_DISTINCT(ResourceId),avg(ListCost),p90(BilledCost)"
            )
                == [
                    .sum("EffectiveCost"), .count, .countDistinct("ResourceId"), .avg("ListCost"),
                    .percentile("BilledCost", 90),
                ]
        )
    }

    @Test("filters with precedence, lists, ranges, nulls and patterns")
    func filters() throws {
        let parsed = try PivotSyntax.filter(
            "ChargeCategory = 'Usage' and RegionId in ('us-east-1','eu-west-1') or not BilledCost >= -1.5e2"
        )
        #expect(
            parsed
                == .or(
                    .and(
                        .compare(.column("ChargeCategory"), .equal, .text("Usage")),
                        .isIn(.column("RegionId"), [.text("us-east-1"), .text("eu-west-1")])
                    ),
                    .not(.compare(.column("BilledCost"), .greaterOrEqual, .number(ExactDecimal(-150))))
                )
        )
        #expect(
            try PivotSyntax.filter("tag(team) is not null and ServiceName not like 'Amazon%' and x between 1 and 2")
                == .and(
                    .and(.not(.isNull(.tag("team"))), .not(.like(.column("ServiceName"), "Amazon%"))),
                    .between(.column("x"), .number(ExactDecimal(1)), .number(ExactDecimal(2)))
                )
        )
        #expect(try PivotSyntax.filter("a <> 'it''s'") == .compare(.column("a"), .notEqual, .text("it's")))
        #expect(
            try PivotSyntax.filter("RegionId ~ '^us-' or RegionId!~'east' and tag(team) not matches '(?i)^PAY'")
                == .or(
                    .matches(.column("RegionId"), "^us-"),
                    .and(.not(.matches(.column("RegionId"), "east")), .not(.matches(.tag("team"), "(?i)^PAY")))
                )
        )
    }

    @Test(
        "errors point at the column",
        arguments: [
            ("ChargeCategory = 'Usage' and RegionId inn ('x')", 39, "expected a comparison"),
            ("ChargeCategory = 'Usage", 18, "not closed"),
            ("a = 1 and", 10, "expected a name"),
            ("a in ('x' 'y')", 11, "expected ')'"),
            ("a = 1 b", 7, "unexpected 'b'"),
            ("a ~ 1", 5, "needs a 'quoted pattern'"),
            ("RegionId ~ 'us-(east'", 12, "not a valid regular expression"),
            // Foundation on Linux leaks memory compiling a pattern over 256 characters.
            ("RegionId ~ '" + String(repeating: "x", count: 257) + "'", 12, "too long (at most 256)"),
            ("a # 1", 3, "unexpected character '#'"),
        ]
    )
    func errors(_ text: String, _ column: Int, _ message: String) {
        do {
            _ = try PivotSyntax.filter(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.column == column, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.description.contains("\n  \(text)\n"))
        }
    }

    @Test("unknown functions and measures are named")
    func unknownNames() {
        #expect(throws: PivotSyntaxError.self) { try PivotSyntax.dimensions("fortnight(ChargePeriodStart)") }
        #expect(throws: PivotSyntaxError.self) { try PivotSyntax.measures("median(BilledCost)") }
    }
}
