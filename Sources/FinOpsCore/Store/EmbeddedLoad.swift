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
        var rowCount = 0
        var totals: [String: CurrencyTotals] = [:]
    }

    private let store: EmbeddedCostStore
    private let source: String
    private let folder: URL
    private let ownerLock: Int32
    private var stages: [BillingPeriod: Stage] = [:]
    /// The batch being written while the caller reads the next one (write-behind, one batch in flight).
    private var pending: Task<Void, any Error>?

    init(store: EmbeddedCostStore, source: String) throws(CostStoreError) {
        self.store = store
        self.source = source
        folder = store.directory.appendingPathComponent("staging").appendingPathComponent(UUID().uuidString)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CostStoreError(.io, "cannot create \(folder.path): \(error.localizedDescription)")
        }
        ownerLock = open(folder.appendingPathComponent("owner.lock").path, O_RDWR | O_CREAT, 0o644)
        guard ownerLock >= 0, flock(ownerLock, LOCK_EX | LOCK_NB) == 0 else {
            throw CostStoreError(.io, "cannot lock \(folder.path): \(systemError())")
        }
    }

    deinit {
        close(ownerLock)
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
        guard let currencies = table.strings("BillingCurrency") else {
            throw CostStoreError(.missingColumn, "rows for source \(source) have no BillingCurrency column")
        }
        for (period, rows) in try partition(table) {
            let part = rows.map { table.selecting(rows: $0) } ?? table
            var stage = try stages[period] ?? Stage(writer: PeriodFileWriter(path: stagingPath(for: period)))
            try stage.writer.append(part)
            stage.rowCount += part.rowCount
            try accumulate(part, currencies: rows == nil ? currencies : part.strings("BillingCurrency")!, into: &stage)
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

    private func accumulate(
        _ table: CostTable,
        currencies: StringColumn,
        into stage: inout Stage
    ) throws(CostStoreError) {
        let codes = currencies.codes
        let currencyCount = currencies.dictionary.count
        var rows = [Int](repeating: 0, count: currencyCount)
        for (row, code) in codes.enumerated() {
            guard code != StringColumn.nullCode else {
                throw CostStoreError(.missingColumn, "row \(row + 1) for source \(source) has no BillingCurrency")
            }
            rows[Int(code)] += 1
        }
        // One pass per cost column (a missing column adds nothing), exact sums per currency code.
        var sums: [[Int128]] = []
        var overflow = false
        for name in ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"] {
            var perCode = [Int128](repeating: 0, count: currencyCount)
            if let column = table.decimals(name) {
                for (row, value) in column.values.enumerated() {
                    let (sum, carry) = perCode[Int(codes[row])].addingReportingOverflow(value.units)
                    perCode[Int(codes[row])] = sum
                    overflow = overflow || carry
                }
            }
            sums.append(perCode)
        }
        if overflow {
            throw CostStoreError(.overflow, "the cost totals of source \(source) exceed the decimal range")
        }
        do {
            for code in 0..<currencyCount where rows[code] > 0 {
                let currency = currencies.dictionary[code]
                var totals = stage.totals[currency] ?? CurrencyTotals(currency: currency)
                totals.rowCount += rows[code]
                totals.billedCost = try totals.billedCost.adding(ExactDecimal(units: sums[0][code]))
                totals.effectiveCost = try totals.effectiveCost.adding(ExactDecimal(units: sums[1][code]))
                totals.listCost = try totals.listCost.adding(ExactDecimal(units: sums[2][code]))
                totals.contractedCost = try totals.contractedCost.adding(ExactDecimal(units: sums[3][code]))
                stage.totals[currency] = totals
            }
        } catch {
            throw CostStoreError(.overflow, "the cost totals of source \(source) exceed the decimal range: \(error)")
        }
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
            for (period, stage) in stages.sorted(by: { $0.key < $1.key }) {
                let checksum = hex(stage.writer.crc)
                let file = "\(sourceFolder)/\(fileLabel(period))-\(checksum)-\(UUID().uuidString.prefix(8)).fcol"
                try rename(stagingPath(for: period), to: store.directory.appendingPathComponent(file).path)
                let summary = PeriodSummary(
                    source: source,
                    period: period,
                    rowCount: stage.rowCount,
                    totals: stage.totals.values.sorted { $0.currency < $1.currency },
                    checksum: checksum,
                    loadedAt: loadedAt
                )
                let entry = EmbeddedCostStore.Manifest.Entry(
                    summary: summary,
                    file: file,
                    bytes: stage.writer.bytesWritten
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
            try store.writeManifest(manifest)
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
        try? FileManager.default.removeItem(at: folder)
    }

    private func stagingPath(for period: BillingPeriod) -> String {
        folder.appendingPathComponent("\(fileLabel(period)).fcol").path
    }

    private func fileLabel(_ period: BillingPeriod) -> String {
        period.description.replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "/", with: "_")
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
