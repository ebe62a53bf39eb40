import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

@Suite("Embedded store")
struct EmbeddedCostStoreTests {
    private func ingest(
        _ path: String,
        into store: EmbeddedCostStore,
        source: String? = nil
    ) async throws -> IngestReport {
        try await FocusIngest().ingest(files: [path], source: source, into: store)
    }

    @Test("stores periods with row counts and per-currency totals, and reads back every cell")
    func roundTrip() async throws {
        let path = Fixtures.file(named: "gen.csv", "")
        try SampleGenerator(rows: 5_000, seed: 7).write(to: path)
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        let report = try await ingest(path, into: store)
        #expect(report.periods.map(\.period.description) == ["2024-01", "2024-02", "2024-03"])
        #expect(report.periods.reduce(0) { $0 + $1.rowCount } == 5_000)
        #expect(report.periods[0].totals.map(\.currency) == ["EUR", "USD"])
        #expect(try await store.periods() == report.periods)

        let (original, _) = try Fixtures.readAll(path)
        let stored = try await store.read(.all)
        #expect(stored.rowCount == original.rowCount)
        for column in original.columns {
            let other = try #require(stored.column(named: column.name))
            #expect(
                Fixtures.render(column, rows: original.rowCount) == Fixtures.render(other, rows: stored.rowCount),
                "\(column.name)"
            )
        }
        let january = try await store.read(CostFilter(until: Timestamp("2024-02-01")))
        #expect(january.rowCount == report.periods[0].rowCount)
    }

    @Test("re-ingesting the same file is idempotent")
    func idempotent() async throws {
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        let first = try await ingest(Fixtures.focusSample, into: store)
        let second = try await ingest(Fixtures.focusSample, into: store)
        #expect(first.periods.map(\.checksum) == second.periods.map(\.checksum))
        #expect(try await store.periods().map(\.rowCount) == [999, 1])
        #expect(try await store.read(.all).rowCount == 1_000)
    }

    @Test("a replace covers only the periods the new rows belong to; other sources are untouched")
    func replaceScope() async throws {
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        let january = Fixtures.file(Fixtures.csv([["BilledCost": "1"], ["BilledCost": "2"]]))
        let february = Fixtures.file(
            Fixtures.csv([
                ["BillingPeriodStart": "2024-02-01", "BillingPeriodEnd": "2024-03-01", "BilledCost": "5"]
            ])
        )
        _ = try await ingest(january, into: store, source: "acme")
        _ = try await ingest(february, into: store, source: "acme")
        _ = try await ingest(january, into: store, source: "other")
        let replacement = Fixtures.file(Fixtures.csv([["BilledCost": "10"]]))
        _ = try await ingest(replacement, into: store, source: "acme")
        let periods = try await store.periods()
        #expect(
            periods.map { "\($0.period) \($0.source) \($0.totals[0].billedCost)" } == [
                "2024-01 acme 10", "2024-01 other 3", "2024-02 acme 5",
            ]
        )
    }

    @Test("a failed load (strict error mid-file) leaves the previous data intact")
    func failedLoadKeepsOldData() async throws {
        let directory = Fixtures.temporaryDirectory()
        let store = try EmbeddedCostStore(directory: directory)
        _ = try await ingest(Fixtures.focusSample, into: store, source: "s")
        let before = try await store.periods()
        let bad = Fixtures.file(
            Fixtures.csv(
                (0..<100).map {
                    ["BillingPeriodStart": "2024-09-01", "BillingPeriodEnd": "2024-10-01", "BilledCost": "\($0)"]
                }
                    + [["BilledCost": "oops"]]
            )
        )
        await #expect(throws: IngestError.self) { try await ingest(bad, into: store, source: "s") }
        #expect(try await store.periods() == before)
        #expect(try await store.read(.all).rowCount == 1_000)
        let staging = try FileManager.default.contentsOfDirectory(
            atPath: directory.appendingPathComponent("staging").path
        )
        #expect(staging.isEmpty)
    }

    @Test("strict mode over several files stores nothing if any file has an error")
    func strictAcrossFiles() async throws {
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        let good = Fixtures.file(Fixtures.csv([[:]]))
        let bad = Fixtures.file(Fixtures.csv([["ChargeCategory": "Nope"]]))
        await #expect(throws: IngestError.self) { try await FocusIngest().ingest(files: [good, bad], into: store) }
        #expect(try await store.periods().isEmpty)
    }

    @Test("skip-invalid stores the good rows and writes rejected rows with reasons")
    func skipInvalidWritesRejects() async throws {
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        let rejects = Fixtures.temporaryDirectory().appendingPathComponent("rejects.csv").path
        let path = Fixtures.file(Fixtures.csv([[:], ["ListCost": "1..2"], [:]]))
        let ingest = FocusIngest(options: FocusReadOptions(skipInvalidRows: true), rejectsPath: rejects)
        let report = try await ingest.ingest(files: [path], into: store)
        #expect(report.files[0].rowsStored == 2)
        #expect(report.files[0].rowsRejected == 1)
        #expect(report.rejectsPath == rejects)
        let lines = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[1].contains(",2,3,ListCost,1..2,invalid-number,not a decimal number,"))
    }

    @Test("opening detects a missing or resized period file; reading detects altered bytes")
    func corruption() async throws {
        let directory = Fixtures.temporaryDirectory()
        let store = try EmbeddedCostStore(directory: directory)
        _ = try await ingest(Fixtures.focusSample, into: store)
        let data = directory.appendingPathComponent("data")
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: data.path).first)
        let file = data.appendingPathComponent(folder)
            .appendingPathComponent(
                try #require(
                    try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent(folder).path)
                        .sorted().first
                )
            )
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: file)
        let reopened = try EmbeddedCostStore(directory: directory)
        await #expect(throws: CostStoreError.self) { try await reopened.read(.all) }
        #expect(throws: CostStoreError.self) { try EmbeddedCostStore(directory: directory, check: .checksums) }
        #expect(throws: CostStoreError.self) { try reopened.verify() }
        try bytes.dropLast().write(to: file)
        #expect(throws: CostStoreError.self) { try EmbeddedCostStore(directory: directory) }
        try FileManager.default.removeItem(at: file)
        do {
            _ = try EmbeddedCostStore(directory: directory)
            Issue.record("opening a store with a missing file succeeded")
        } catch {
            #expect(error.code == .corrupt)
            #expect(error.message.contains("is missing"))
        }
    }

    @Test("a damaged manifest is refused naming it, and a load then changes nothing")
    func damagedManifest() async throws {
        let directory = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await ingest(Fixtures.focusSample, into: try EmbeddedCostStore(directory: directory))
        let manifest = directory.appendingPathComponent("manifest.json")
        let original = try Data(contentsOf: manifest)
        let text = String(decoding: original, as: UTF8.self)
        let file = try #require(text.firstMatch(of: /"file" : "([^"]+)"/)?.1)
        let damages: [(String, Data, String)] = [
            ("truncated", original.prefix(original.count / 2), "is not a valid manifest"),
            (
                "newer", Data(text.replacingOccurrences(of: "\"version\" : 2", with: "\"version\" : 9").utf8),
                "use a newer one"
            ),
            (
                "outside", Data(text.replacingOccurrences(of: String(file), with: "data/../../../outside.fcol").utf8),
                "not a period file of the store"
            ),
        ]
        for (name, bytes, message) in damages {
            try bytes.write(to: manifest)
            do {
                let store = try EmbeddedCostStore(directory: directory)
                _ = try await store.periods()
                Issue.record("\(name): a damaged manifest was read")
            } catch let error as CostStoreError {
                #expect(error.code == .corrupt, "\(name)")
                #expect(error.message.contains(manifest.path) && error.message.contains(message), "\(name): \(error)")
            }
            // A load must not write a new manifest over the damaged one (it would drop every period it lists).
            let store = try? EmbeddedCostStore(directory: directory)
            if let store {
                await #expect(throws: CostStoreError.self) { try await ingest(Fixtures.focusSample, into: store) }
            }
            #expect(try Data(contentsOf: manifest) == bytes, "\(name): the manifest changed")
        }
    }

    @Test("replace(period:source:with:) rejects rows of another period")
    func replaceOnePeriod() async throws {
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        let (table, _) = try Fixtures.readAll(Fixtures.file(Fixtures.csv([[:]])))
        let january = try #require(BillingPeriod.month(2024, 1))
        let summary = try await store.replace(period: january, source: "api", with: table)
        #expect(summary.rowCount == 1)
        await #expect(throws: CostStoreError.self) {
            try await store.replace(period: BillingPeriod.month(2024, 2)!, source: "api", with: table)
        }
    }
}
