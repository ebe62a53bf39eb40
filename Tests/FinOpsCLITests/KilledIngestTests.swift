import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

@Suite("Crash safety of finops ingest")
struct KilledIngestTests {
    @Test("an ingest killed with SIGKILL mid-way leaves the store with the previous data intact")
    func killedIngest() async throws {
        let directory = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let storePath = directory.appendingPathComponent("store")
        let small = directory.appendingPathComponent("small.csv").path
        let big = directory.appendingPathComponent("big.csv").path
        try SampleGenerator(rows: 2_000, seed: 1).write(to: small)
        try SampleGenerator(rows: 300_000, seed: 2).write(to: big)
        let store = try EmbeddedCostStore(directory: storePath)
        _ = try await FocusIngest().ingest(files: [small], source: "billing", into: store)
        let before = try await store.periods()

        let (process, _, _) = try CommandRunner.start(["ingest", big, "--source", "billing", "--store", storePath.path])
        let staging = storePath.appendingPathComponent("staging")
        var sawStagedData = false
        for _ in 0..<3_000 where process.isRunning {
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []
            let files = folders.flatMap { folder in
                ((try? FileManager.default.contentsOfDirectory(atPath: staging.appendingPathComponent(folder).path))
                    ?? [])
                    .filter { $0.hasSuffix(".fcol") }
                    .map { staging.appendingPathComponent(folder).appendingPathComponent($0).path }
            }
            let sizes = files.compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }
            if sizes.contains(where: { $0 > 0 }) {
                sawStagedData = true
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(sawStagedData, "the ingest finished or never staged data before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let reopened = try EmbeddedCostStore(directory: storePath)
        #expect(try await reopened.periods() == before)
        try reopened.verify()
        #expect(try await reopened.read(.all).rowCount == 2_000)

        // The next load cleans up after the killed one and succeeds.
        let after = try await FocusIngest().ingest(files: [small], source: "billing", into: reopened)
        #expect(after.periods.map(\.checksum) == before.map(\.checksum))
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging.path).isEmpty)
    }
}
