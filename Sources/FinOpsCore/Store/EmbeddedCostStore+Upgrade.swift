import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rewriting period files of format 2 in format 3, as ``EmbeddedCostStore/verify()`` does: the rows are read (and
/// checked) whole, written to a staging file, synced, and swapped in under the store lock with one manifest write,
/// as a load commits; a crash leaves the old file and manifest. A period a load replaced meanwhile keeps the load's
/// data.
extension EmbeddedCostStore {
    struct Upgrade {
        var entry: Manifest.Entry
        var stagedPath: String
        var bytes: Int
        var checksum: String
        var directoryChecksum: String
    }

    func stageUpgrade(
        of entry: Manifest.Entry,
        rows table: CostTable,
        in folder: StagingFolder
    ) throws(CostStoreError) -> Upgrade {
        let path = folder.path("\(UUID().uuidString).fcol")
        let writer = try PeriodFileWriter(path: path)
        do throws(CostStoreError) {
            try writer.appendInChunks(table)
            try writer.finish()
        } catch {
            unlink(path)
            throw error
        }
        return Upgrade(
            entry: entry,
            stagedPath: path,
            bytes: writer.bytesWritten,
            checksum: CRC32.hex(writer.crc),
            directoryChecksum: CRC32.hex(UInt(writer.directoryChecksum))
        )
    }

    /// Swaps staged upgrades in; each keeps the summary it replaces but for the new file's checksum.
    func publish(_ upgrades: [Upgrade]) throws(CostStoreError) {
        try withLock { () throws(CostStoreError) in
            var manifest = try loadManifest()
            var replaced: [String] = []
            var folders: Set<String> = []
            for upgrade in upgrades {
                guard let index = manifest.entries.firstIndex(where: { $0.file == upgrade.entry.file }) else {
                    continue
                }
                let folder = (upgrade.entry.file as NSString).deletingLastPathComponent
                let file =
                    "\(folder)/\(Self.fileLabel(upgrade.entry.summary.period))-\(upgrade.checksum)-"
                    + "\(UUID().uuidString.prefix(8)).fcol"
                try rename(upgrade.stagedPath, to: directory.appendingPathComponent(file).path)
                var entry = manifest.entries[index]
                entry.file = file
                entry.bytes = upgrade.bytes
                entry.summary.checksum = upgrade.checksum
                entry.directoryChecksum = upgrade.directoryChecksum
                manifest.entries[index] = entry
                replaced.append(upgrade.entry.file)
                folders.insert(directory.appendingPathComponent(folder).path)
            }
            guard !replaced.isEmpty else { return }
            for folder in folders { try syncDirectory(folder) }
            try writeManifest(manifest)
            for file in replaced { unlink(directory.appendingPathComponent(file).path) }
        }
    }

    /// The part of a period file's name that says which period it holds: `2024-09`, or its instants without colons.
    static func fileLabel(_ period: BillingPeriod) -> String {
        period.description.replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "/", with: "_")
    }
}
