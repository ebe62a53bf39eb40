import FinOpsCore
import FinOpsTasks
import FinOpsTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Testing

@testable import TeamDigest

/// How a program tests a flow that mixes FinOps tasks with its own: a store of its own, the registry it runs with.
@Suite("Example: team digest")
struct TeamDigestTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func test() throws -> FlowTest {
        var registry = TaskRegistry.finOps
        registry.register(TeamDigestTask.self)
        var test = try FlowTest(
            contentsOf: Self.root.appendingPathComponent("Examples/TeamDigest/team_digest.yml"),
            registry: registry
        )
        let folder = Fixtures.temporaryDirectory()
        test.services[FinOpsTaskEnvironment.self] = FinOpsTaskEnvironment(
            store: try EmbeddedCostStore(directory: folder),
            workingDirectory: Self.root,
            outputDirectory: folder.appendingPathComponent("output")
        )
        return test
    }

    @Test("one message per team, with exact amounts rounded for reading")
    func messages() async throws {
        let result = try await test().run()
        try result.expectState(.success)
        guard case .map(let messages)? = result.outputs(of: "digest")?["messages"] else {
            Issue.record("no messages")
            return
        }
        #expect(messages.count >= 10)
        #expect(messages["security"]?.rendered.hasPrefix("security: EUR 2.81 and USD 149.59 in 2024-04.") == true)
        #expect(messages["unallocated"] != nil)
        try result.expectLog(containing: "team messages for 2024-04")
    }

    @Test("a month without showback lines gives no messages")
    func emptyMonth() async throws {
        let result = try await test().run(inputs: ["month": "2023-01"])
        try result.expectState(.success)
        #expect(result.outputs(of: "digest")?["teams"] == [])
    }
}
