import CostStoreConformance
import FinOpsCore
import FinOpsTestSupport
import Testing

@Suite("Embedded store conformance")
struct EmbeddedConformanceTests {
    @Test(arguments: CostStoreConformance.checks)
    func conformance(_ check: CostStoreCheck) async throws {
        try await check.run(on: EmbeddedCostStore(directory: Fixtures.temporaryDirectory()))
    }
}
