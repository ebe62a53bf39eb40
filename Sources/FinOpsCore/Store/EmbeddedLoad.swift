import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One load into an ``EmbeddedCostStore``: routes rows to a staging file per billing period and commits them all
/// with one manifest swap.
final class EmbeddedLoad: CostBatchWriter {
    private struct Stage {
        var writer: PeriodFileWriter
        var totals: CostTotalsBuilder
    }

    private let store: EmbeddedCostStore
    private let source: String
    private let folder: StagingFolder
    private var stages: [BillingPeriod: Stage] = [:]
    /// The batch being written while the caller reads the next one (write-behind, one batch in flight).
    private var pending: Task<Void, any Error>?

    init(store: EmbeddedCostStore, source: String) throws(CostStoreError) {
        self.store = store
        self.source = source
        folder = try StagingFolder(in: store)
    }

    func write(_ table: CostTable) async throws {
        guard table.rowCount > 0 else { return }
        let previous = pending
        // The stages are only touched by these chained tasks, one after the other, and by commit and abort after
        // the last has finished.
        let load = UncheckedSendable(self)
        pending = Task.detached {
            try await previous?.value
            try load.value.store(table)
        }
        try await previous?.value
    }

    /// Waits for the batch in flight; rethrows its error.
    func drain() async throws {
        let last = pending
        pending = nil
        try await last?.value
    }

    private func store(_ table: CostTable) throws {
        for column in ["BillingPeriodStart", "BillingPeriodEnd"] where table.timestamps(column) == nil {
            throw CostStoreError(.missingColumn, "rows for source \(source) have no \(column) column")
        }
        guard table.strings("BillingCurrency") != nil else {
            throw CostStoreError(.missingColumn, "rows for source \(source) have no BillingCurrency column")
        }
        for (period, rows) in try partition(table) {
            let part = rows.map { table.selecting(rows: $0) } ?? table
            var stage =
                try stages[period]
                ?? Stage(
                    writer: PeriodFileWriter(path: stagingPath(for: period)),
                    totals: CostTotalsBuilder(source: source)
                )
            try stage.totals.add(part)
            try stage.writer.append(part)
            stages[period] = stage
        }
    }

    /// The rows of each period; `nil` rows when the whole table is one period (the common case, no copy).
    private func partition(_ table: CostTable) throws(CostStoreError) -> [(BillingPeriod, [Int]?)] {
        let starts = table.timestamps("BillingPeriodStart")!
        let ends = table.timestamps("BillingPeriodEnd")!
        for row in 0..<table.rowCount where starts[row] == nil || ends[row] == nil {
            throw CostStoreError(.periodMismatch, "row \(row + 1) for source \(source) has no billing period")
        }
        let first = (starts.values[0], ends.values[0])
        var uniform = true
        for row in 1..<table.rowCount where starts.values[row] != first.0 || ends.values[row] != first.1 {
            uniform = false
            break
        }
        func period(_ start: Int64, _ end: Int64) -> BillingPeriod {
            BillingPeriod(start: Timestamp(microsecondsSinceEpoch: start), end: Timestamp(microsecondsSinceEpoch: end))
        }
        if uniform { return [(period(first.0, first.1), nil)] }
        var groups: [BillingPeriod: [Int]] = [:]
        var order: [BillingPeriod] = []
        for row in 0..<table.rowCount {
            let key = period(starts.values[row], ends.values[row])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(row)
        }
        return order.map { ($0, groups[$0]) }
    }

    func commit() async throws -> [PeriodSummary] {
        try await drain()
        return try publish()
    }

    private func publish() throws(CostStoreError) -> [PeriodSummary] {
        for stage in stages.values { try stage.writer.finish() }
        let loadedAt = Timestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000))
        let summaries = try store.withLock { () throws(CostStoreError) -> [PeriodSummary] in
            var manifest = try store.loadManifest()
            let sourceFolder = "data/" + slug(source)
            let sourcePath = store.directory.appendingPathComponent(sourceFolder).path
            do {
                try FileManager.default.createDirectory(atPath: sourcePath, withIntermediateDirectories: true)
            } catch {
                throw CostStoreError(.io, "cannot create \(sourcePath): \(error.localizedDescription)")
            }
            var summaries: [PeriodSummary] = []
            var replaced: [String] = []
            // Files moved into the store so far: removed again if the manifest is not swapped.
            var published: [String] = []
            var swapped = false
            defer {
                if !swapped { for file in published { unlink(store.directory.appendingPathComponent(file).path) } }
            }
            for (period, stage) in stages.sorted(by: { $0.key < $1.key }) {
                let checksum = CRC32.hex(stage.writer.crc)
                let file =
                    "\(sourceFolder)/\(EmbeddedCostStore.fileLabel(period))-\(checksum)-\(UUID().uuidString.prefix(8)).fcol"
                try rename(stagingPath(for: period), to: store.directory.appendingPathComponent(file).path)
                published.append(file)
                let summary = PeriodSummary(
                    source: source,
                    period: period,
                    rowCount: stage.totals.rowCount,
                    totals: stage.totals.totals,
                    checksum: checksum,
                    loadedAt: loadedAt
                )
                let entry = EmbeddedCostStore.Manifest.Entry(
                    summary: summary,
                    file: file,
                    bytes: stage.writer.bytesWritten,
                    directoryChecksum: CRC32.hex(UInt(stage.writer.directoryChecksum))
                )
                if let index = manifest.entries.firstIndex(where: {
                    $0.summary.source == source && $0.summary.period == period
                }) {
                    replaced.append(manifest.entries[index].file)
                    manifest.entries[index] = entry
                } else {
                    manifest.entries.append(entry)
                }
                summaries.append(summary)
            }
            manifest.entries.sort { ($0.summary.period, $0.summary.source) < ($1.summary.period, $1.summary.source) }
            try syncDirectory(sourcePath)
            do throws(CostStoreError) {
                try store.writeManifest(manifest)
            } catch {
                swapped = error.code == .notDurable
                throw error
            }
            swapped = true
            for file in replaced { unlink(store.directory.appendingPathComponent(file).path) }
            removeUnreferencedFiles(manifest)
            return summaries
        }
        removeStaging()
        return summaries
    }

    /// Waits for the batch in flight, then removes the staging folder; nothing in the store changes.
    func abort() async {
        try? await drain()
        removeStaging()
    }

    private func removeStaging() {
        folder.remove()
    }

    private func stagingPath(for period: BillingPeriod) -> String {
        folder.path("\(EmbeddedCostStore.fileLabel(period)).fcol")
    }

    /// Period files left by a load that was killed between renaming and swapping the manifest.
    private func removeUnreferencedFiles(_ manifest: EmbeddedCostStore.Manifest) {
        let referenced = Set(manifest.entries.map(\.file))
        let data = store.directory.appendingPathComponent("data")
        guard let folders = try? FileManager.default.contentsOfDirectory(atPath: data.path) else { return }
        for folder in folders {
            let names =
                (try? FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent(folder).path)) ?? []
            for name in names where name.hasSuffix(".fcol") && !referenced.contains("data/\(folder)/\(name)") {
                unlink(data.appendingPathComponent(folder).appendingPathComponent(name).path)
            }
        }
    }
}

/// A file-system-safe folder name for a source, unique per source.
func slug(_ source: String) -> String {
    let safe = source.unicodeScalars.map { scalar -> Character in
        (scalar.properties.isAlphabetic && scalar.isASCII) || ("0"..."9").contains(scalar) || scalar == "-"
            || scalar == "_" || scalar == "." ? Character(scalar) : "_"
    }
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in source.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    return String(String(safe).prefix(60)) + "-" + String(hash % 0xFFFF_FFFF, radix: 16)
}
