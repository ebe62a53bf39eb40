import FinOpsCore
import FinOpsTasks
import FinOpsTestSupport
import FlowEngine
import FlowTesting
import Foundation

/// A flow test over a new embedded store, with the FinOps tasks registered and files kept in a temporary folder.
struct FinOpsFlowHarness {
    let store: EmbeddedCostStore
    let folder: URL

    init() throws {
        folder = Fixtures.temporaryDirectory()
        store = try EmbeddedCostStore(directory: folder.appendingPathComponent("store"))
    }

    var environment: FinOpsTaskEnvironment {
        FinOpsTaskEnvironment(
            store: store,
            workingDirectory: Fixtures.packageRoot,
            outputDirectory: folder.appendingPathComponent("output")
        )
    }

    /// A test of a flow written in YAML, handed this store.
    func test(_ yaml: String) throws -> FlowTest {
        var test = try FlowTest(yaml: yaml, registry: .finOps)
        test.services[FinOpsTaskEnvironment.self] = environment
        return test
    }

    /// A test of a flow file, handed this store.
    func test(file: String) throws -> FlowTest {
        var test = try FlowTest(contentsOf: Fixtures.packageRoot.appendingPathComponent(file), registry: .finOps)
        test.services[FinOpsTaskEnvironment.self] = environment
        return test
    }

    /// Ingests the bundled 1,000-row real sample.
    func ingestRealSample() async throws {
        _ = try await FocusIngest().ingest(files: [Fixtures.focusSample], source: "sample", into: store)
    }

    static let generatedSample = "Examples/data/focus_generated.csv.gz"
}

/// The problems a flow's validation reports, as `line:column: message`.
func validationProblems(_ yaml: String) -> [String] {
    do {
        _ = try FlowParser(registry: .finOps).parse(yaml)
        return []
    } catch {
        return error.diagnostics.map { "\($0.location): \($0.message)" }
    }
}
