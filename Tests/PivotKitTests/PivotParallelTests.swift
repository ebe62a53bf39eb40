import FinOpsCore
import FinOpsTestSupport
import Testing

@testable import PivotKit

/// Aggregation split into chunks and over the cores gives the same cells as one pass and as the reference.
@Suite("Pivot parallel aggregation")
struct PivotParallelTests {
    @Test("chunks and parallel parts merge deterministically into the one-pass result")
    func parallelEqualsSerial() throws {
        let table = PivotFixtures.generated
        var random = SeededRandom(seed: 99)
        for _ in 0..<25 {
            var query = PivotFixtures.randomQuery(&random)
            query.tuning = ExecutionTuning(parallelThreshold: .max, chunkRows: .max)
            let serial = try query.run(on: table)
            query.tuning = ExecutionTuning(parallelThreshold: .max, chunkRows: 333)
            let chunked = try query.run(on: table)
            query.tuning = ExecutionTuning(parallelThreshold: 1_000, chunkRows: 777)
            let parallel = try query.run(on: table)
            #expect(chunked.cells == serial.cells, "\(query)")
            #expect(parallel.cells == serial.cells, "\(query)")
            #expect(PivotFixtures.keyed(parallel) == NaivePivot.run(query, on: table), "\(query)")
        }
    }
}

extension PivotParallelTests {
    @Test("approximate distinct counts and top-N merge across parts as in one pass")
    func sketchesAndTopAcrossParts() throws {
        var query = PivotQuery(
            rows: [.column("BillingCurrency"), .column("BillingAccountId"), .column("ServiceName")],
            measures: [.sum("EffectiveCost"), .approxCountDistinct("ResourceId"), .countDistinct("RegionId")],
            totals: .all,
            top: TopN(3, by: .sum("EffectiveCost"))
        )
        query.tuning = ExecutionTuning(parallelThreshold: .max, chunkRows: .max)
        let serial = try query.run(on: PivotFixtures.generated)
        query.tuning = ExecutionTuning(parallelThreshold: 1_000, chunkRows: 500)
        let parallel = try query.run(on: PivotFixtures.generated)
        #expect(parallel.cells == serial.cells)
        #expect(serial.cells.count > 10)
    }
}

extension PivotParallelTests {
    @Test("a chain of ANDed conditions run part by part selects the rows one pass selects")
    func filterChainsInParts() throws {
        let chains: [FilterExpression] = [
            .and(
                .and(
                    .compare(.column("ChargeCategory"), .equal, .text("Usage")),
                    .isIn(.column("RegionId"), [.text("us-east-1"), .text("eu-west-1"), .text("eastus")])
                ),
                .and(
                    .compare(.column("ChargePeriodStart"), .greaterOrEqual, .text("2024-02-01T00:00:00Z")),
                    .compare(.column("ChargePeriodStart"), .less, .text("2024-03-01T00:00:00Z"))
                )
            ),
            .and(
                .compare(.column("BilledCost"), .greater, .number(ExactDecimal(1))),
                .compare(.column("ServiceName"), .notEqual, .text("Amazon EC2"))
            ),
            // No row passes the first condition.
            .and(.compare(.column("BilledCost"), .less, .number(ExactDecimal(-1_000_000))), .isNull(.tag("team"))),
            // A condition without a tight loop (a tag) leaves the chain to the one-pass path.
            .and(.compare(.column("ChargeCategory"), .equal, .text("Usage")), .isNull(.tag("team"))),
        ]
        for filter in chains {
            var query = PivotQuery(
                rows: [.column("BillingCurrency"), .column("ServiceName")],
                measures: [.sum("EffectiveCost"), .count],
                filter: filter,
                totals: .all
            )
            query.tuning = ExecutionTuning(parallelThreshold: .max, chunkRows: .max)
            let serial = try query.run(on: PivotFixtures.generated)
            query.tuning = ExecutionTuning(parallelThreshold: 1_000, chunkRows: 500)
            let parallel = try query.run(on: PivotFixtures.generated)
            #expect(parallel.cells == serial.cells, "\(filter)")
            #expect(PivotFixtures.keyed(parallel) == NaivePivot.run(query, on: PivotFixtures.generated), "\(filter)")
        }
    }
}

extension PivotParallelTests {
    @Test(
        "time buckets found part by part number the same members as one pass, in zones with daylight saving",
        arguments: ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe"]
    )
    func timeBucketsInParts(zone: String) throws {
        for bucket in [TimeBucket.hour, .day, .week, .month, .quarter, .year] {
            var query = PivotQuery(
                rows: [.column("BillingCurrency"), .time("ChargePeriodStart", bucket)],
                columns: [.tag("team")],
                measures: [.sum("EffectiveCost"), .count],
                filter: .compare(.column("ChargeCategory"), .equal, .text("Usage")),
                totals: .all,
                timeZone: zone
            )
            query.tuning = ExecutionTuning(parallelThreshold: .max, chunkRows: .max)
            let serial = try query.run(on: PivotFixtures.generated)
            query.tuning = ExecutionTuning(parallelThreshold: 1_000, chunkRows: 500)
            let parallel = try query.run(on: PivotFixtures.generated)
            #expect(parallel.cells == serial.cells, "\(bucket) in \(zone)")
            #expect(
                PivotFixtures.keyed(parallel) == NaivePivot.run(query, on: PivotFixtures.generated),
                "\(bucket) in \(zone)"
            )
        }
    }
}
