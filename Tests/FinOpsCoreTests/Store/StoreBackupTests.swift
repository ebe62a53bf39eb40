import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

@Suite("Backups")
struct StoreBackupTests {
    /// A store holding the real sample and a generated month (two sources, several periods, two currencies).
    static func populated() async throws -> EmbeddedCostStore {
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        let generated = Fixtures.temporaryDirectory().appendingPathComponent("generated.csv").path
        try SampleGenerator(rows: 3_000, seed: 5, months: 2).write(to: generated)
        _ = try await FocusIngest().ingest(files: [Fixtures.focusSample, generated], into: store)
        return store
    }

    /// What must survive a round trip: each period's source, rows and exact totals.
    static func contents(_ periods: [PeriodSummary]) -> [String] {
        periods.map { summary in
            "\(summary.source) \(summary.period) \(summary.rowCount) "
                + summary.totals.map { "\($0.currency) \($0.billedCost) \($0.effectiveCost) \($0.listCost)" }
                .joined(separator: " ")
        }
    }

    @Test("a backup restores into a new store with every period, row and exact total")
    func roundTrip() async throws {
        let store = try await Self.populated()
        let folder = Fixtures.temporaryDirectory().appendingPathComponent("backup")
        let manifest = try await StoreBackup.backup(store, to: folder)
        let stored = try await store.periods()
        #expect(manifest.entries.map(\.summary) == stored)
        #expect(try await StoreBackup.verify(folder) == manifest)
        let target = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        let restored = try await StoreBackup.restore(from: folder, into: target)
        #expect(Self.contents(restored) == Self.contents(stored))
        #expect(Self.contents(try await target.periods()) == Self.contents(stored))
        try target.verify()
        // Row for row: the same rows, in the same order, in every column read back.
        let before = try await store.read(.all)
        let after = try await target.read(.all)
        #expect(after.rowCount == before.rowCount)
        for row in stride(from: 0, to: before.rowCount, by: 7) {
            #expect(after.strings("ResourceId")?[row] == before.strings("ResourceId")?[row])
            #expect(after.strings("ServiceName")?[row] == before.strings("ServiceName")?[row])
            #expect(after.decimals("BilledCost")?[row] == before.decimals("BilledCost")?[row])
            #expect(after.timestamps("ChargePeriodStart")?[row] == before.timestamps("ChargePeriodStart")?[row])
        }
    }

    @Test("a damaged backup is refused before anything is changed, naming the file")
    func damaged() async throws {
        let store = try await Self.populated()
        let folder = Fixtures.temporaryDirectory().appendingPathComponent("backup")
        let manifest = try await StoreBackup.backup(store, to: folder)
        let target = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        _ = try await FocusIngest().ingest(files: [Fixtures.focusSample], source: "kept", into: target)
        let untouched = try await target.periods()

        // One flipped byte in one file.
        let file = folder.appendingPathComponent(try #require(manifest.entries.last?.file))
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 3] ^= 0x10
        try bytes.write(to: file)
        do {
            try await StoreBackup.restore(from: folder, into: target)
            Issue.record("a damaged backup was restored")
        } catch let error as CostStoreError {
            #expect(error.code == .corrupt)
            #expect(error.message.contains(file.lastPathComponent))
        }
        #expect(try await target.periods() == untouched)
        bytes[bytes.count / 3] ^= 0x10
        try bytes.write(to: file)

        // A manifest whose totals were edited.
        let manifestFile = folder.appendingPathComponent(StoreBackup.manifestName)
        let original = try String(contentsOf: manifestFile, encoding: .utf8)
        let first = try #require(manifest.entries.first)
        let edited = original.replacingOccurrences(
            of: "\"rowCount\" : \(first.summary.rowCount),",
            with: "\"rowCount\" : \(first.summary.rowCount + 1),"
        )
        #expect(edited != original)
        try edited.write(to: manifestFile, atomically: true, encoding: .utf8)
        await #expect(throws: CostStoreError.self) { try await StoreBackup.restore(from: folder, into: target) }
        #expect(try await target.periods() == untouched)

        // A missing file, and a manifest naming a file outside the folder.
        try original.write(to: manifestFile, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: file)
        do {
            try await StoreBackup.verify(folder)
            Issue.record("a backup missing a file verified")
        } catch let error as CostStoreError {
            #expect(error.message.contains("is missing from the backup"))
        }
        try original.replacingOccurrences(of: first.file, with: "../\(first.file)")
            .write(to: manifestFile, atomically: true, encoding: .utf8)
        await #expect(throws: CostStoreError.self) { try await StoreBackup.verify(folder) }
        #expect(try await target.periods() == untouched)
    }

    @Test("a backup goes into a new or empty folder only, and appears there whole")
    func destination() async throws {
        let store = try await Self.populated()
        let folder = Fixtures.temporaryDirectory()
        try "x".write(to: folder.appendingPathComponent("other.txt"), atomically: true, encoding: .utf8)
        do {
            try await StoreBackup.backup(store, to: folder)
            Issue.record("a backup overwrote a folder with files")
        } catch let error as CostStoreError {
            #expect(error.message.contains("is not empty"))
        }
        let parent = Fixtures.temporaryDirectory()
        try await StoreBackup.backup(store, to: parent.appendingPathComponent("nightly"))
        // Nothing is left beside it: the staging folder was renamed into place.
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["nightly"])
    }
}
