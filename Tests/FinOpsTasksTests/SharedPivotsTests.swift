import FinOpsCore
import FinOpsTasks
import FinOpsTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Synchronization
import Testing

/// An embedded store that counts the reads that answer pivots.
private final class CountingStore: CostStore {
    let store: EmbeddedCostStore
    private let count = Mutex(0)

    init(_ store: EmbeddedCostStore) {
        self.store = store
    }

    var reads: Int { count.withLock { $0 } }

    func replace(
        source: String,
        _ body: (any CostBatchWriter) async throws -> Void
    ) async throws -> [PeriodSummary] {
        try await store.replace(source: source, body)
    }

    func periods() async throws -> [PeriodSummary] { try await store.periods() }

    func read(_ filter: CostFilter) async throws -> CostTable {
        count.withLock { $0 += 1 }
        return try await store.read(filter)
    }

    func verify() async throws -> [PeriodSummary] { try store.verify() }
}

@Suite("Pivots shared by the tasks of an execution")
struct SharedPivotsTests {
    private func run(_ tasks: String, on store: CountingStore, folder: URL) async throws -> Int {
        var test = try FlowTest(
            yaml: "id: shared\nnamespace: tests\ntasks:\n" + tasks,
            registry: .finOps
        )
        test.services[FinOpsTaskEnvironment.self] = FinOpsTaskEnvironment(
            store: store,
            workingDirectory: Fixtures.packageRoot,
            outputDirectory: folder.appendingPathComponent("output")
        )
        let before = store.reads
        try await test.run().expectState(.success)
        return store.reads - before
    }

    private let report = "  - id: report\n    type: io.finops.cost.Report\n    tags: [team]\n"
    private let metrics = "  - id: metrics\n    type: io.finops.cost.Metrics\n    tags: [team]\n"
    private let ingest = "  - id: ingest\n    type: io.finops.cost.Ingest\n    from: [Examples/data/focus_sample.csv]\n"

    @Test("metrics after a report with the same settings asks the store nothing new; after a load in between, again")
    func reportThenMetrics() async throws {
        let folder = Fixtures.temporaryDirectory()
        let store = CountingStore(try EmbeddedCostStore(directory: folder.appendingPathComponent("store")))
        _ = try await FocusIngest().ingest(files: [Fixtures.focusSample], source: "sample", into: store)
        let alone = try await run(report, on: store, folder: folder)
        #expect(alone > 5, "a review asks the store several questions")
        // Another execution shares nothing with the first: the same count again.
        #expect(try await run(report + metrics, on: store, folder: folder) == alone)
        // A load between them changes the store's periods, so metrics asks again.
        #expect(try await run(report + ingest + metrics, on: store, folder: folder) == 2 * alone)
    }
}
