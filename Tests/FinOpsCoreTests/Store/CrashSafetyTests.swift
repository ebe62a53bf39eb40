import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

@Suite("Crash safety")
struct CrashSafetyTests {
    @Test("files left by a load killed between rename and manifest swap are ignored, then removed")
    func orphanedFiles() async throws {
        let directory = Fixtures.temporaryDirectory()
        let store = try EmbeddedCostStore(directory: directory)
        _ = try await FocusIngest().ingest(files: [Fixtures.focusSample], into: store)
        let before = try await store.periods()
        let data = directory.appendingPathComponent("data")
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: data.path).first)
        let orphan = data.appendingPathComponent(folder).appendingPathComponent("2024-09-deadbeef-0000.fcol")
        try Data("partial".utf8).write(to: orphan)
        let deadStaging = directory.appendingPathComponent("staging/dead-load")
        try FileManager.default.createDirectory(at: deadStaging, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: deadStaging.appendingPathComponent("owner.lock"))

        let reopened = try EmbeddedCostStore(directory: directory)
        #expect(try await reopened.periods() == before)
        #expect(!FileManager.default.fileExists(atPath: deadStaging.path))
        _ = try await FocusIngest().ingest(files: [Fixtures.focusSample], into: reopened)
        #expect(!FileManager.default.fileExists(atPath: orphan.path))
        #expect(try await reopened.read(.all).rowCount == 1_000)
    }
}
