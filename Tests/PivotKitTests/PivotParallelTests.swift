import FinOpsCore
import Testing

@testable import PivotKit

/// Aggregation split over the cores gives the same cells as one pass and as the reference.
@Suite("Pivot parallel aggregation")
struct PivotParallelTests {
    @Test("parallel parts merge deterministically into the serial result")
    func parallelEqualsSerial() throws {
        let table = PivotFixtures.generated
        var random = SeededRandom(seed: 99)
        for _ in 0..<25 {
            var query = PivotQuery(
                rows: [.column("BillingCurrency")]
                    + (0..<random.next(3)).map { _ in
                        PivotDifferentialTests.dimensions[random.next(PivotDifferentialTests.dimensions.count)]
                    },
                measures: (0...random.next(3)).map { _ in
                    PivotDifferentialTests.measures[random.next(PivotDifferentialTests.measures.count)]
                },
                filter: PivotDifferentialTests.filters[random.next(PivotDifferentialTests.filters.count)],
                totals: .all
            )
            query.parallelThreshold = .max
            let serial = try query.run(on: table)
            query.parallelThreshold = 1_000
            let parallel = try query.run(on: table)
            #expect(parallel.cells == serial.cells, "\(query)")
            #expect(PivotFixtures.keyed(parallel) == NaivePivot.run(query, on: table), "\(query)")
        }
    }
}
