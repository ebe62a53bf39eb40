import FinOpsCore
import FinOpsTestSupport
import PivotKit
import Testing

/// Every query shape against the naive row-by-row reference, on the FOCUS sample and on generated data.
@Suite("Pivot differential")
struct PivotDifferentialTests {
    static let dimensions: [PivotDimension] = [
        .column("ServiceName"), .column("ProviderName"), .column("RegionId"), .column("ChargeCategory"),
        .column("PricingCategory"), .time("ChargePeriodStart", .month), .time("ChargePeriodStart", .day),
        .time("ChargePeriodStart", .week), .time("ChargePeriodStart", .quarter), .time("ChargePeriodStart", .hour),
        .tag("team"), .tag("env"), .tag("environment"), .column("SubAccountId"),
    ]
    static let measures: [Measure] = [
        .count, .sum("EffectiveCost"), .sum("ListCost"), .min("BilledCost"), .max("BilledCost"), .avg("EffectiveCost"),
        .countDistinct("ResourceId"), .avg("ConsumedQuantity"), .min("ContractedCost"), .percentile("BilledCost", 50),
        .percentile("ListCost", 90), .percentile("EffectiveCost", 99),
    ]
    static let filters: [FilterExpression?] = [
        nil,
        .compare(.column("ChargeCategory"), .equal, .text("Usage")),
        .isIn(.column("RegionId"), [.text("us-east-1"), .text("eu-west-1"), .text("eastus"), .text("us-west-2")]),
        .and(
            .compare(.column("ChargePeriodStart"), .greaterOrEqual, .text("2024-02-01")),
            .compare(.column("ChargePeriodStart"), .less, .text("2024-09-20"))
        ),
        .or(.isNull(.tag("team")), .compare(.column("BilledCost"), .greater, .number(ExactDecimal(1)))),
        .not(.isIn(.column("PricingCategory"), [.text("Standard")])),
        .like(.column("ServiceName"), "Amazon%"),
        .between(.column("ListCost"), .number(.zero), .number(try! .parse("0.5"))),
        .not(.like(.tag("environment"), "d_v")),
        .compare(.column("ConsumedQuantity"), .notEqual, .number(ExactDecimal(2))),
        .or(.matches(.column("RegionId"), "^(us|eu)-[a-z]+-1$"), .not(.matches(.tag("team"), "(?i)^[a-m]"))),
    ]

    @Test("random queries agree with the reference", arguments: [0, 1])
    func randomQueries(_ dataset: Int) throws {
        let table = dataset == 0 ? PivotFixtures.focusSample : PivotFixtures.generated
        var random = SeededRandom(seed: UInt64(dataset + 1))
        for _ in 0..<60 {
            var rows = (0..<random.next(3)).map { _ in Self.dimensions[random.next(Self.dimensions.count)] }
            let columns = (0..<random.next(2)).map { _ in Self.dimensions[random.next(Self.dimensions.count)] }
            let measures = (0...random.next(3)).map { _ in Self.measures[random.next(Self.measures.count)] }
            if dataset == 1 { rows.insert(.column("BillingCurrency"), at: 0) }
            let query = PivotQuery(
                rows: rows,
                columns: columns,
                measures: measures,
                filter: Self.filters[random.next(Self.filters.count)],
                totals: [PivotTotals.none, .grand, .all][random.next(3)],
                timeZone: ["UTC", "America/Los_Angeles", "Asia/Kolkata"][random.next(3)]
            )
            let expected = NaivePivot.run(query, on: table)
            let actual = PivotFixtures.keyed(try query.run(on: table))
            #expect(actual == expected, "\(query)")
            if actual != expected { break }
        }
    }
}

/// A deterministic generator for the random queries.
