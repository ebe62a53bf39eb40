import FinOpsCore
import FinOpsTestSupport
import Foundation
import PGStore
import Testing

/// Backups move between store kinds: the embedded store's into PostgreSQL and back, every total equal.
@Suite("Backups across store kinds", .postgres)
struct BackupOnPostgresTests {
    static func contents(_ periods: [PeriodSummary]) -> [String] {
        periods.map { summary in
            "\(summary.source) \(summary.period) \(summary.rowCount) "
                + summary.totals.map { "\($0.currency) \($0.billedCost) \($0.effectiveCost) \($0.contractedCost)" }
                .joined(separator: " ")
        }
    }

    @Test("embedded → PostgreSQL → embedded through backups keeps every row count and exact total")
    func roundTrip() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let embedded = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
            let generated = Fixtures.temporaryDirectory().appendingPathComponent("generated.csv").path
            try SampleGenerator(rows: 5_000, seed: 9, months: 2).write(to: generated)
            _ = try await FocusIngest().ingest(files: [Fixtures.focusSample, generated], into: embedded)
            let original = Self.contents(try await embedded.periods())

            var opener = CostStoreOpener()
            opener.registerPostgres()
            let postgres = try await opener.open(StoreLocation(conninfo))
            let first = Fixtures.temporaryDirectory().appendingPathComponent("from-embedded")
            try await StoreBackup.backup(embedded, to: first)
            try await StoreBackup.restore(from: first, into: postgres)
            #expect(Self.contents(try await postgres.periods()) == original)
            try await postgres.verify()

            let second = Fixtures.temporaryDirectory().appendingPathComponent("from-postgres")
            try await StoreBackup.backup(postgres, to: second)
            await postgres.close()
            let back = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
            try await StoreBackup.restore(from: second, into: back)
            #expect(Self.contents(try await back.periods()) == original)
            try back.verify()
        }
    }
}
