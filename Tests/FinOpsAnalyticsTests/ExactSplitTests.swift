import FinOpsCore
import Testing

@testable import FinOpsAnalytics

@Suite("Exact split")
struct ExactSplitTests {
    @Test("largest remainders, ties to the first, what is below a step to the largest weight")
    func remainders() throws {
        let parts = try ExactSplit.split(
            ExactDecimal(100),
            weights: [1, 1, 1].map(ExactDecimal.init),
            step: ExactDecimal.unitsPerOne / 100
        )
        #expect(parts.map(\.description) == ["33.34", "33.33", "33.33"])
        let fine = try ExactSplit.split(
            try .parse("-0.005"),
            weights: [ExactDecimal(1), ExactDecimal(3)],
            step: ExactDecimal.unitsPerOne / 100
        )
        #expect(fine.map(\.description) == ["0", "-0.005"])
        let extreme = try ExactSplit.split(
            .greatestFiniteMagnitude,
            weights: [ExactDecimal(units: 1), ExactDecimal(units: Int128.max - 1)]
        )
        #expect(extreme[0].units + extreme[1].units == Int128.max)
        #expect(throws: AnalyticsError.self) {
            try ExactSplit.split(ExactDecimal(1), weights: [.greatestFiniteMagnitude, .greatestFiniteMagnitude])
        }
    }
}
