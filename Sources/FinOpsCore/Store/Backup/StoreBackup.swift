import Foundation

/// A verified copy of a store: every stored (source, period) as a checksummed period file, with a manifest of row
/// counts and exact totals, taken from any ``CostStore`` and restored into any (the embedded store and PostgreSQL
/// alike, either way).
///
/// ```swift
/// let taken = try await StoreBackup.backup(store, to: URL(fileURLWithPath: "backups/2024-06-30"))
/// let restored = try await StoreBackup.restore(from: URL(fileURLWithPath: "backups/2024-06-30"), into: other)
/// ```
///
/// A backup is consistent: the periods are listed before and after they are read, and a period replaced meanwhile
/// makes the backup read again. It is written to a temporary folder beside the destination and renamed into place
/// when complete, so a destination holds a whole backup or none. A restore checks every file (size, CRC-32, row count
/// and exact totals per currency) before it changes anything, then replaces the backup's periods source by source,
/// all of them committing only once every one was written; periods of the target that the backup does not hold are
/// left as they are.
public enum StoreBackup {
    /// The version of the folder's layout this code writes and reads.
    public static let format = 1

    /// What a backup folder's `backup.json` records.
    public struct Manifest: Codable, Sendable, Hashable {
        /// The layout's version.
        public var format: Int
        /// When the backup was taken.
        public var created: Timestamp
        /// One entry per stored (source, period).
        public var entries: [Entry]
    }

    /// One period in a backup: what the store said of it and the file that holds its rows.
    public struct Entry: Codable, Sendable, Hashable {
        /// The store's summary: source, period, rows and exact totals.
        public var summary: PeriodSummary
        /// The file, relative to the backup folder.
        public var file: String
        /// Its size in bytes.
        public var bytes: Int
        /// The CRC-32 of the whole file, in hex.
        public var checksum: String
        /// The CRC-32C of its directory, in hex.
        public var directoryChecksum: String
    }

    /// The name of the manifest inside a backup folder.
    public static let manifestName = "backup.json"

    /// Copies every stored period of `store` into a new folder at `folder`.
    ///
    /// - Throws: ``CostStoreError`` when `folder` exists and is not empty, when the store keeps changing while it is
    ///   read (three tries), or for a store or file failure.
    /// - Returns: The manifest written.
    @discardableResult
    public static func backup(_ store: any CostStore, to folder: URL) async throws -> Manifest {
        try await BlockingIO.run { try checkDestination(folder) }
        let staging = folder.deletingLastPathComponent()
            .appendingPathComponent(".\(folder.lastPathComponent).partial-\(UUID().uuidString.prefix(8))")
        for _ in 1...3 {
            try await BlockingIO.run { try createFolder(staging) }
            let listed = try await store.periods()
            var entries: [Entry] = []
            for (index, summary) in listed.enumerated() {
                let rows = try await store.read(
                    CostFilter(
                        from: summary.period.start,
                        until: Timestamp(microsecondsSinceEpoch: summary.period.start.microsecondsSinceEpoch + 1),
                        sources: [summary.source]
                    )
                )
                let name = "\(summary.source)/\(summary.period)"
                try summary.check(rows, name: name)
                let file =
                    String(format: "%05ld-", index + 1) + slug(summary.source) + "-"
                    + EmbeddedCostStore.fileLabel(summary.period) + ".fcol"
                entries.append(
                    try await BlockingIO.run { try write(rows, summary: summary, file: file, in: staging) }
                )
            }
            // The same periods, loaded at the same moments, after the read: nothing was replaced meanwhile.
            guard try await store.periods() == listed else {
                try? FileManager.default.removeItem(at: staging)
                continue
            }
            let now = Timestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000))
            let manifest = Manifest(format: format, created: now, entries: entries)
            try await BlockingIO.run { try finish(manifest, staging: staging, folder: folder) }
            return manifest
        }
        throw CostStoreError(.io, "the store changed during each of 3 tries to back it up; try again when it is quiet")
    }

    /// Checks a backup folder without restoring it: every file against the manifest (size, CRC-32, row count and
    /// exact totals).
    ///
    /// - Throws: ``CostStoreError`` (`corrupt`) naming the first file that does not match, or `io`.
    @discardableResult
    public static func verify(_ folder: URL) async throws -> Manifest {
        let manifest = try await BlockingIO.run { try readManifest(folder) }
        for entry in manifest.entries {
            _ = try await BlockingIO.run { try rows(of: entry, in: folder) }
        }
        return manifest
    }

    /// Restores a backup into `store`, after checking all of it.
    ///
    /// - Throws: ``CostStoreError`` (`corrupt`) naming the first file that does not match its manifest, before
    ///   anything is changed; the store's errors while replacing (the store then keeps what it had).
    /// - Returns: What the store holds afterwards for each restored period.
    @discardableResult
    public static func restore(from folder: URL, into store: any CostStore) async throws -> [PeriodSummary] {
        let manifest = try await verify(folder)
        var bySource: [(String, [Entry])] = []
        for entry in manifest.entries {
            if let index = bySource.firstIndex(where: { $0.0 == entry.summary.source }) {
                bySource[index].1.append(entry)
            } else {
                bySource.append((entry.summary.source, [entry]))
            }
        }
        var restored: [PeriodSummary] = []
        try await replace(bySource[...], in: folder, into: store, restored: &restored)
        // What the store now holds must be what the backup held, row for row and to the last digit.
        for entry in manifest.entries {
            guard
                let summary = restored.first(where: {
                    $0.source == entry.summary.source && $0.period == entry.summary.period
                }),
                summary.rowCount == entry.summary.rowCount, summary.totals == entry.summary.totals
            else {
                throw CostStoreError(
                    .corrupt,
                    "after the restore, \(entry.summary.source)/\(entry.summary.period) differs from the backup"
                )
            }
        }
        return restored.sorted { ($0.period, $0.source) < ($1.period, $1.source) }
    }

    /// Replaces each source's periods, nested so that every replacement commits only after all were written.
    private static func replace(
        _ groups: ArraySlice<(String, [Entry])>,
        in folder: URL,
        into store: any CostStore,
        restored: inout [PeriodSummary]
    ) async throws {
        guard let (source, entries) = groups.first else { return }
        var inner: [PeriodSummary] = []
        let summaries = try await store.replace(source: source) { writer in
            for entry in entries {
                try await writer.write(try await BlockingIO.run { try rows(of: entry, in: folder) })
            }
            try await replace(groups.dropFirst(), in: folder, into: store, restored: &inner)
        }
        restored += summaries + inner
    }
}

extension StoreBackup {
    /// The rows of an entry's file, checked against the file's size and checksums and the entry's totals.
    static func rows(of entry: Entry, in folder: URL) throws(CostStoreError) -> CostTable {
        let path = folder.appendingPathComponent(entry.file).path
        guard entry.file.firstIndex(of: "/") == nil, !entry.file.hasPrefix(".") else {
            throw CostStoreError(.corrupt, "\(manifestName) names a file outside the backup: \(entry.file)")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw CostStoreError(.corrupt, "\(path) is missing from the backup")
        }
        let rows = try PeriodFile.read(
            .init(path: path, size: entry.bytes, checksum: entry.checksum, directoryChecksum: entry.directoryChecksum)
        )
        try entry.summary.check(rows, name: path)
        return rows
    }

    static func readManifest(_ folder: URL) throws(CostStoreError) -> Manifest {
        let path = folder.appendingPathComponent(manifestName).path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CostStoreError(.io, "cannot read \(path): \(error.localizedDescription); is this a backup folder?")
        }
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: data)
        } catch {
            throw CostStoreError(.corrupt, "\(path) is not a backup manifest: \(error)")
        }
        guard manifest.format == format else {
            throw CostStoreError(
                .corrupt,
                "\(path) is a backup of format \(manifest.format); this version reads \(format)"
            )
        }
        return manifest
    }

    private static func checkDestination(_ folder: URL) throws(CostStoreError) {
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        guard contents.isEmpty else {
            throw CostStoreError(.io, "\(folder.path) is not empty: a backup goes into a new or empty folder")
        }
    }

    private static func createFolder(_ folder: URL) throws(CostStoreError) {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CostStoreError(.io, "cannot create \(folder.path): \(error.localizedDescription)")
        }
    }

    /// Writes one period's rows, synced to disk.
    private static func write(
        _ rows: CostTable,
        summary: PeriodSummary,
        file: String,
        in folder: URL
    ) throws(CostStoreError) -> Entry {
        let writer = try PeriodFileWriter(path: folder.appendingPathComponent(file).path)
        try writer.appendInChunks(rows)
        try writer.finish()
        return Entry(
            summary: summary,
            file: file,
            bytes: writer.bytesWritten,
            checksum: CRC32.hex(writer.crc),
            directoryChecksum: CRC32.hex(UInt(writer.directoryChecksum))
        )
    }

    /// Writes the manifest, syncs, and renames the staging folder to the destination.
    private static func finish(_ manifest: Manifest, staging: URL, folder: URL) throws(CostStoreError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            let data = try encoder.encode(manifest)
            let path = staging.appendingPathComponent(manifestName).path
            let writer = try BufferedFileWriter(path: path)
            try writer.append(Array(data))
            try writer.sync()
            if FileManager.default.fileExists(atPath: folder.path) { try FileManager.default.removeItem(at: folder) }
            try FileManager.default.moveItem(at: staging, to: folder)
        } catch let error as CostStoreError {
            throw error
        } catch {
            throw CostStoreError(.io, "cannot finish the backup in \(folder.path): \(error.localizedDescription)")
        }
    }
}
