import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The default store: a directory of period files and a manifest, needing no server.
///
/// Layout: `manifest.json` (every stored period with its file, size, row count, exact totals, CRC-32 and, for
/// period files of format 3, the CRC-32C of the file's directory), `data/` (one binary columnar file per source and
/// period, in format 3 or, from older builds, 2), `staging/` (loads in progress) and `lock`.
///
/// A load writes new period files under `staging/`, syncs them, then under the store lock renames them into
/// `data/` and atomically replaces the manifest (write, sync, rename, sync the directory). A crash or kill at any
/// moment therefore leaves the old manifest with the old files or the new manifest with the new files. Opening
/// the store checks that every file the manifest names exists with the recorded size; a read checks the checksums
/// of the blocks it uses (the whole file's CRC-32 for format 2). Files no manifest names (from an interrupted load)
/// are removed by the next load.
public struct EmbeddedCostStore: CostStore {
    /// The store's directory.
    public let directory: URL

    /// The directory used when none is given: `.finops` under the current directory.
    public static let defaultDirectoryName = ".finops"

    /// How much of the stored data opening checks against the manifest.
    public enum OpenCheck: Sendable {
        /// Every period file exists with its recorded size (cheap; reads still check what they read).
        case sizes
        /// Everything ``verify()`` checks, reading all stored data once (and rewriting format 2 files as it does).
        case checksums
    }

    /// Opens (creating if needed) the store in `directory` and verifies its manifest.
    ///
    /// - Parameter check: how much to verify now; reads always verify the checksums of what they read.
    /// - Throws: ``CostStoreError`` if the directory cannot be created or the manifest names missing, resized
    ///   or (with ``OpenCheck/checksums``) altered files.
    public init(directory: URL, check: OpenCheck = .sizes) throws(CostStoreError) {
        self.directory = directory.standardizedFileURL
        for sub in ["", "data", "staging"] {
            let path = self.directory.appendingPathComponent(sub).path
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw CostStoreError(.io, "cannot create store directory \(path): \(error.localizedDescription)")
            }
        }
        let manifest = try loadManifest()
        for entry in manifest.entries {
            let path = self.directory.appendingPathComponent(entry.file).path
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw CostStoreError(
                    .corrupt,
                    "store \(self.directory.path): \(entry.file) for \(entry.summary.source) \(entry.summary.period) is missing"
                )
            }
            guard Int(info.st_size) == entry.bytes else {
                throw CostStoreError(
                    .corrupt,
                    "store \(self.directory.path): \(entry.file) has \(info.st_size) bytes, the manifest recorded \(entry.bytes)"
                )
            }
        }
        removeAbandonedStaging()
        if check == .checksums { try verify() }
    }

    public func periods() async throws -> [PeriodSummary] {
        try loadManifest().entries.map(\.summary)
    }

    public func read(_ filter: CostFilter) async throws -> CostTable {
        let entries = try loadManifest().entries.filter {
            filter.includes(source: $0.summary.source, period: $0.summary.period)
        }
        return try PeriodFile.read(entries.map(location), columns: filter)
    }

    public func read(_ filter: CostFilter, rowsPerWindow: Int, _ body: (CostTable) throws -> Void) async throws {
        let entries = try loadManifest().entries.filter {
            filter.includes(source: $0.summary.source, period: $0.summary.period)
        }
        try PeriodFile.read(entries.map(location), columns: filter, rowsPerWindow: rowsPerWindow, body)
    }

    /// Checks every stored period against the manifest: every byte of its file against the recorded size and
    /// CRC-32, then its row count and totals, from its currency and cost columns; period files of format 2 are
    /// rewritten in format 3 on the way (same rows, so the same totals; see ``upgrade(_:)``). Once the whole file's
    /// checksum matches, its other columns are the bytes that were written, so they are not decoded.
    ///
    /// - Returns: The periods checked, as the manifest now lists them.
    /// - Throws: ``CostStoreError`` naming a file that does not match the manifest: the first in manifest order among
    ///   those of format 3, which are checked first (two at a time), then among those of format 2.
    @discardableResult
    public func verify() throws(CostStoreError) -> [PeriodSummary] {
        var upgrades: [Upgrade] = []
        var staging: StagingFolder?
        defer { staging?.remove() }
        let entries = try loadManifest().entries
        try verifyConcurrently(entries.filter { $0.directoryChecksum != nil })
        for entry in entries where entry.directoryChecksum == nil {
            let summary = entry.summary
            let name = "\(entry.file) (source \(summary.source), period \(summary.period))"
            // Format 2 is read whole: the rows are rewritten in format 3.
            let table = try PeriodFile.read(location(entry))
            try summary.check(table, name: name)
            let folder: StagingFolder
            if let staging {
                folder = staging
            } else {
                folder = try StagingFolder(in: self)
                staging = folder
            }
            upgrades.append(try stageUpgrade(of: entry, rows: table, in: folder))
        }
        if !upgrades.isEmpty { try publish(upgrades) }
        return try loadManifest().entries.map(\.summary)
    }

    /// Checks format 3 periods two at a time (each decodes on all cores too, but not all the time: its whole-file
    /// checksum, window assembly and totals take turns), reporting the first failure in manifest order.
    private func verifyConcurrently(_ entries: [Manifest.Entry]) throws(CostStoreError) {
        let failures = UncheckedSendable(
            UnsafeMutableBufferPointer<CostStoreError?>.allocate(capacity: Swift.max(entries.count, 1))
        )
        failures.value.initialize(repeating: nil)
        defer { failures.value.deallocate() }
        let store = UncheckedSendable(self)
        let workers = Swift.min(2, entries.count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: entries.count, by: workers) {
                let entry = entries[index]
                let summary = entry.summary
                let name = "\(entry.file) (source \(summary.source), period \(summary.period))"
                do throws(CostStoreError) {
                    // Every byte checked against the manifest's checksum; then the columns of the totals decoded a
                    // window at a time.
                    var totals = CostTotalsBuilder(source: summary.source)
                    try PeriodFile.read(
                        store.value.location(entry),
                        columns: Self.totalsColumns,
                        rowsPerWindow: Self.verifyWindowRows
                    ) {
                        (window) throws(CostStoreError) in
                        try PeriodSummary.add(window, to: &totals, name: name)
                    }
                    try summary.check(totals, name: name)
                } catch {
                    failures.value[index] = error
                }
            }
        }
        if let failure = failures.value.lazy.compactMap({ $0 }).first { throw failure }
    }

    /// Rows ``verify()`` decodes at a time.
    static let verifyWindowRows = 1 << 19

    /// The columns of a period's totals: what ``verify()`` decodes once the whole file's checksum matched.
    static let totalsColumns = CostFilter(columns: Set(["BillingCurrency"] + CostTotalsBuilder.costColumns))

    func location(_ entry: Manifest.Entry) -> PeriodFile.Location {
        PeriodFile.Location(
            path: directory.appendingPathComponent(entry.file).path,
            size: entry.bytes,
            checksum: entry.summary.checksum,
            directoryChecksum: entry.directoryChecksum
        )
    }

    public func replace(
        source: String,
        _ body: (any CostBatchWriter) async throws -> Void
    ) async throws -> [PeriodSummary] {
        let load = try EmbeddedLoad(store: self, source: source)
        do {
            try await body(load)
            return try await load.commit()
        } catch {
            await load.abort()
            throw error
        }
    }

    // MARK: - Manifest

    struct Manifest: Codable {
        struct Entry: Codable {
            var summary: PeriodSummary
            var file: String
            var bytes: Int
            /// The CRC-32C of a format 3 file's directory; absent for format 2.
            var directoryChecksum: String?
        }

        /// 2 since period files have format 3 (a version 1 manifest lists format 2 files only).
        var version = 2
        var entries: [Entry] = []
    }

    var manifestURL: URL { directory.appendingPathComponent("manifest.json") }

    func loadManifest() throws(CostStoreError) -> Manifest {
        let path = manifestURL.path
        guard FileManager.default.fileExists(atPath: path) else { return Manifest() }
        let bytes = try readFile(path)
        do {
            let manifest = try JSONDecoder().decode(Manifest.self, from: Data(bytes))
            guard manifest.version == 1 || manifest.version == 2 else {
                throw CostStoreError(
                    .corrupt,
                    "\(path) has version \(manifest.version); this build reads versions 1 and 2: use a newer one"
                )
            }
            for (index, entry) in manifest.entries.enumerated() {
                // A load writes `data/<source folder>/<name>.fcol`; anything else (a path out of the store above all)
                // is damage, and must not be read, nor removed when its period is replaced.
                let parts = entry.file.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count == 3, parts[0] == "data", parts[2].hasSuffix(".fcol"),
                    !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }), entry.bytes >= 0
                else {
                    throw CostStoreError(
                        .corrupt,
                        "\(path): entry \(index + 1) (\(entry.summary.source), \(entry.summary.period)) names "
                            + "\"\(entry.file)\", not a period file of the store: restore the store from a backup"
                    )
                }
            }
            return manifest
        } catch let error as CostStoreError {
            throw error
        } catch {
            throw CostStoreError(.corrupt, "\(path) is not a valid manifest: \(error)")
        }
    }

    func writeManifest(_ manifest: Manifest) throws(CostStoreError) {
        var manifest = manifest
        manifest.version = 2
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(manifest)
        } catch {
            throw CostStoreError(.io, "cannot encode the manifest: \(error)")
        }
        let temporary = directory.appendingPathComponent("manifest.json.tmp").path
        do throws(CostStoreError) {
            let writer = try BufferedFileWriter(path: temporary)
            try writer.append([UInt8](data))
            try writer.sync()
            try rename(temporary, to: manifestURL.path)
        } catch {
            unlink(temporary)
            throw error
        }
        do throws(CostStoreError) {
            try syncDirectory(directory.path)
        } catch {
            // The swap happened: readers see the new manifest, but a power loss could bring the old one back, so the
            // files it lists must stay until a later write succeeds.
            throw CostStoreError(
                .notDurable,
                "the new manifest of \(directory.path) is in place but the folder could not be synced "
                    + "(\(error.message)): the change is visible and may not survive a power loss; "
                    + "write it again once the disk is healthy"
            )
        }
    }

    /// Runs `body` holding the store's exclusive lock, so concurrent loads commit one after the other.
    func withLock<T>(_ body: () throws(CostStoreError) -> T) throws(CostStoreError) -> T {
        let path = directory.appendingPathComponent("lock").path
        let descriptor = open(path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw CostStoreError(.io, "cannot open \(path): \(systemError())") }
        defer { posixClose(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw CostStoreError(.io, "cannot lock \(path): \(systemError())") }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    private func removeAbandonedStaging() {
        let staging = directory.appendingPathComponent("staging")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: staging.path) else { return }
        for name in names {
            let folder = staging.appendingPathComponent(name)
            let descriptor = open(folder.appendingPathComponent("owner.lock").path, O_RDWR)
            if descriptor < 0 {
                try? FileManager.default.removeItem(at: folder)
                continue
            }
            // A live load holds its staging lock; only folders of dead processes can be locked here.
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { try? FileManager.default.removeItem(at: folder) }
            posixClose(descriptor)
        }
    }
}

func rename(_ from: String, to: String) throws(CostStoreError) {
    guard posixRename(from, to) == 0 else {
        throw CostStoreError(.io, "cannot rename \(from) to \(to): \(systemError())")
    }
}

func syncDirectory(_ path: String) throws(CostStoreError) {
    let descriptor = open(path, O_RDONLY | O_DIRECTORY)
    guard descriptor >= 0 else { throw CostStoreError(.io, "cannot open directory \(path): \(systemError())") }
    defer { posixClose(descriptor) }
    guard fsync(descriptor) == 0 else { throw CostStoreError(.io, "cannot sync directory \(path): \(systemError())") }
}
