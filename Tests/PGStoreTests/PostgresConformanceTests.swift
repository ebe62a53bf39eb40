import CostStoreConformance
import FinOpsCore
import PGStore
import Testing

@Suite("PostgreSQL store conformance", .postgres)
struct PostgresConformanceTests {
    @Test(arguments: CostStoreConformance.checks)
    func conformance(_ check: CostStoreCheck) async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let store = try await PostgresCostStore.open(conninfo)
            do {
                try await check.run(on: store)
                try await store.verify()
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }
}
