import ArgumentParser
import FinOpsCore
import Foundation

extension FinOps {
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every stored period into a new folder, with a manifest of row counts and exact totals.",
            discussion: """
                The copy is consistent (periods replaced while it is read make it read again) and appears in the \
                folder only when complete. Restore it into either store kind with finops restore.
                Examples:
                  finops backup --to backups/2024-06-30
                  finops backup --store postgres://finops@db/finops --to /srv/backups/finops-$(date +%F)
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "The folder to create (it must not exist, or be empty).")
        var to: String

        func run() async throws {
            let manifest = try await storeOptions.withStore {
                try await StoreBackup.backup($0, to: URL(fileURLWithPath: to))
            }
            let rows = manifest.entries.reduce(0) { $0 + $1.summary.rowCount }
            print("Backed up \(manifest.entries.count) periods, \(rows) rows, of \(storeOptions.displayName) to \(to).")
            print(renderPeriods(manifest.entries.map(\.summary)))
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a backup into a store, after checking every file against its manifest.",
            discussion: """
                Every file's size, checksums, row count and exact totals are checked before anything is changed; \
                then the backup's periods replace the store's, all committing together. Periods the backup does not \
                hold are left as they are. The store may be of the other kind than the one backed up.
                Examples:
                  finops restore --from backups/2024-06-30
                  finops restore --from backups/2024-06-30 --store postgres://finops@db/finops
                  finops restore --from backups/2024-06-30 --check-only
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "The backup folder.")
        var from: String

        @Flag(help: "Only check the backup; change nothing.")
        var checkOnly = false

        func run() async throws {
            let folder = URL(fileURLWithPath: from)
            if checkOnly {
                let manifest = try await StoreBackup.verify(folder)
                print("OK: \(manifest.entries.count) periods in \(from) match their manifest.")
                return
            }
            let restored = try await storeOptions.withStore { try await StoreBackup.restore(from: folder, into: $0) }
            let rows = restored.reduce(0) { $0 + $1.rowCount }
            print(
                "Restored \(restored.count) periods, \(rows) rows, into \(storeOptions.displayName); totals match the backup."
            )
            print(renderPeriods(restored))
        }
    }
}
