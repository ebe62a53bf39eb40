import PivotKit

/// The pivot benchmark's queries (the ones ../shared/bench's peers run), shared by the in-memory and push-down
/// benchmarks.
public enum PivotBenchQueries {
    static let regions: [FilterExpression.Literal] = ["us-east-1", "eu-west-1", "eastus", "westeurope", "us-central1"]
        .map {
            .text($0)
        }
    /// Q1–Q7 and Q2pivot of the pivot benchmark, by name.
    public static let all: [(String, PivotQuery)] = [
        ("Q1", PivotQuery(rows: [.column("ServiceName")], measures: [.sum("EffectiveCost")])),
        (
            "Q2",
            PivotQuery(
                rows: [.column("BillingAccountId"), .column("ServiceName"), .time("ChargePeriodStart", .month)],
                measures: [.sum("EffectiveCost"), .count]
            )
        ),
        (
            "Q3",
            PivotQuery(
                rows: [.column("ProviderName"), .column("ServiceCategory"), .column("ServiceName")],
                measures: [.sum("EffectiveCost")],
                totals: .all
            )
        ),
        ("Q4", PivotQuery(rows: [.column("RegionId")], measures: [.countDistinct("ResourceId")])),
        (
            "Q5",
            PivotQuery(
                rows: [.column("BillingAccountId"), .column("ServiceName")],
                measures: [.sum("EffectiveCost")],
                top: TopN(10, by: .sum("EffectiveCost"))
            )
        ),
        (
            "Q6",
            PivotQuery(
                rows: [.time("ChargePeriodStart", .day)],
                measures: [.sum("EffectiveCost")],
                filter: .and(
                    .and(
                        .compare(.column("ChargeCategory"), .equal, .text("Usage")),
                        .isIn(.column("RegionId"), Self.regions)
                    ),
                    .and(
                        .compare(.column("ChargePeriodStart"), .greaterOrEqual, .text("2024-02-01T00:00:00Z")),
                        .compare(.column("ChargePeriodStart"), .less, .text("2024-03-01T00:00:00Z"))
                    )
                )
            )
        ),
        ("Q7", PivotQuery(rows: [.tag("team")], measures: [.sum("EffectiveCost")])),
        (
            "Q2pivot",
            PivotQuery(
                rows: [.column("BillingAccountId"), .column("ServiceName")],
                columns: [.time("ChargePeriodStart", .month)],
                measures: [.sum("EffectiveCost")],
                totals: .grand
            )
        ),
    ]
}
