import FlowEngine
import FlowTesting
import XCTest

/// The harness used from XCTest, as projects that have not moved to swift-testing use it.
final class XCTestCompatibilityTests: XCTestCase {
    private let yaml = """
        id: nightly
        namespace: finops
        tasks:
          - id: export
            type: io.kestra.plugin.core.debug.Return
            format: exported
            retry:
              type: exponential
              interval: PT1M
              maxInterval: PT1H
              maxAttempt: 4
          - id: report
            type: io.kestra.plugin.core.log.Log
            message: "{{ outputs.export.value }}"
        """

    func testResultsAreValuesForXCTAssert() async throws {
        var test = try FlowTest(yaml: yaml)
        test.mock("export", outputs: ["value": "42 rows"])
        let result = try await test.run()
        XCTAssertEqual(result.state, .success)
        XCTAssertEqual(result.taskIds, ["export", "report"])
        XCTAssertEqual(result.logs(containing: "42 rows").count, 1)
    }

    func testChecksThrowErrorsThatXCTestReports() async throws {
        var test = try FlowTest(yaml: yaml)
        test.mock("export", failingWith: "bucket not found")
        let result = try await test.run()
        XCTAssertEqual(result.taskRun("export")?.attempts.count, 4)
        XCTAssertThrowsError(try result.expectState(.success)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("expected SUCCESS, got FAILED"), message)
            XCTAssertTrue(message.contains("bucket not found"), message)
        }
        XCTAssertNoThrow(try result.expectNotRun("report"))
    }
}
