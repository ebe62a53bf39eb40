import CostStoreConformance
import FinOpsTestSupport
import Foundation
import Testing

@testable import FinOpsCore

@Suite("Period file format 3")
struct PeriodFileFormatTests {
    /// A copy of the store of format 2 in the fixtures (written before format 3 existed).
    private func format2Store() throws -> URL {
        let target = Fixtures.temporaryDirectory()
        try FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(
            at: Fixtures.packageRoot.appendingPathComponent("Tests/FinOpsCoreTests/Fixtures/store-format2"),
            to: target
        )
        return target
    }

    private func files(in store: URL) throws -> [String] {
        let data = store.appendingPathComponent("data")
        return try FileManager.default.subpathsOfDirectory(atPath: data.path).filter { $0.hasSuffix(".fcol") }.sorted()
    }

    @Test("a store of format 2 still reads; verify rewrites it in format 3 with the same rows, totals and load times")
    func upgrade() async throws {
        let directory = try format2Store()
        let store = try EmbeddedCostStore(directory: directory)
        let before = try await store.periods()
        #expect(try store.loadManifest().entries.allSatisfy { $0.directoryChecksum == nil })
        // The store gives the rows period by period, each in file order.
        let (file, _) = try Fixtures.readAll(Fixtures.focusSample)
        let starts = try #require(file.timestamps("BillingPeriodStart")).values
        let expected = file.selecting(
            rows: file.rowCount == 0 ? [] : (0..<file.rowCount).sorted { (starts[$0], $0) < (starts[$1], $1) }
        )
        CostStoreConformance.expectEqual(try await store.read(.all), expected, "format 2 read")
        let oldFiles = try files(in: directory)
        let oldBytes = try store.loadManifest().entries.map(\.bytes)

        let verified = try store.verify()
        let entries = try store.loadManifest().entries
        #expect(entries.allSatisfy { $0.directoryChecksum != nil })
        #expect(verified.map(\.totals) == before.map(\.totals))
        #expect(verified.map(\.rowCount) == before.map(\.rowCount))
        #expect(verified.map(\.loadedAt) == before.map(\.loadedAt))
        #expect(verified.map(\.checksum) != before.map(\.checksum))
        #expect(Set(try files(in: directory)).isDisjoint(with: oldFiles), "the format 2 files are removed")
        #expect(entries.map(\.bytes).reduce(0, +) < oldBytes.reduce(0, +), "packed files are smaller")
        CostStoreConformance.expectEqual(try await store.read(.all), expected, "format 3 read")
        let upgradedFiles = try files(in: directory)
        let reopened = try EmbeddedCostStore(directory: directory, check: .checksums)
        #expect(try reopened.verify() == verified, "a second verify changes nothing")
        #expect(try files(in: directory) == upgradedFiles, "nor rewrites a file")
    }

    @Test("an altered byte fails the reads of its column, naming it, and verify; other columns still read")
    func blockChecksums() async throws {
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        _ = try await FocusIngest().ingest(files: [Fixtures.focusSample], into: store)
        let entry = try #require(try store.loadManifest().entries.first { $0.summary.rowCount > 1 })
        let path = store.directory.appendingPathComponent(entry.file).path
        let raw = try Data(contentsOf: URL(fileURLWithPath: path))
        let directory = try raw.withUnsafeBytes { bytes in
            let trailer = bytes.count - PeriodFileDirectory.trailerSize
            let offset = Int(bytes.loadUnaligned(fromByteOffset: trailer + 4, as: UInt64.self))
            let length = Int(bytes.loadUnaligned(fromByteOffset: trailer + 12, as: UInt64.self))
            return try PeriodFileDirectory(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]),
                limit: offset
            )
        }
        let column = try #require(directory.columns.first { $0.name == "ServiceName" })
        let block = try #require(column.parts.first?.values)
        var altered = raw
        altered[block.offset] ^= 0x01
        try altered.write(to: URL(fileURLWithPath: path))

        let other = try await store.read(CostFilter(columns: ["BilledCost", "BillingCurrency"]))
        #expect(other.rowCount == 1_000)
        let error = await #expect(throws: CostStoreError.self) {
            try await store.read(CostFilter(columns: ["ServiceName"]))
        }
        #expect(error?.code == .corrupt)
        #expect(error?.message.contains("column ServiceName, chunk 1 does not match its checksum") == true)
        #expect(error?.message.contains(entry.file) == true)
        #expect(throws: CostStoreError.self) { try store.verify() }
    }

    @Test("an altered directory fails every read of the file")
    func directoryChecksum() async throws {
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        _ = try await FocusIngest().ingest(files: [Fixtures.focusSample], into: store)
        let entry = try #require(try store.loadManifest().entries.first)
        let path = store.directory.appendingPathComponent(entry.file).path
        var raw = try Data(contentsOf: URL(fileURLWithPath: path))
        raw[raw.count - PeriodFileDirectory.trailerSize - 3] ^= 0x40
        try raw.write(to: URL(fileURLWithPath: path))
        let error = await #expect(throws: CostStoreError.self) {
            try await store.read(CostFilter(columns: ["BilledCost"]))
        }
        #expect(error?.message.contains("its directory has checksum") == true)
    }

    @Test("every encoding round-trips exactly: decimals at each exponent and past 64 bits, instants, nulls, codes")
    func encodings() async throws {
        var generator = SplitMix(seed: 42)
        let count = 70_000  // more distinct codes than 2 bytes hold, and two chunks of a batch each
        func decimals(_ make: (Int) -> ExactDecimal?) -> CostTable.ColumnData {
            .decimal(CostStoreConformance.decimalColumn((0..<count).map(make)))
        }
        func instants(_ make: (Int) -> Timestamp?) -> CostTable.ColumnData {
            .timestamp(CostStoreConformance.timestampColumn((0..<count).map(make)))
        }
        var table = CostStoreConformance.rows(count)
        let columns: [(String, CostTable.ColumnData)] = [
            ("x_Cents", decimals { ExactDecimal(mantissa: Int64($0) - 35_000, scale: 2) }),
            ("x_Fine", decimals { _ in ExactDecimal(units: Int128(Int64(bitPattern: generator.next()) >> 8)) }),
            ("x_Whole", decimals { $0 % 3 == 0 ? nil : ExactDecimal(mantissa: Int64($0) * 1_000, scale: 0) }),
            ("x_Huge", decimals { $0 == 5 ? .greatestFiniteMagnitude : ExactDecimal(mantissa: Int64($0), scale: 4) }),
            ("x_Wide", decimals { $0 == 7 ? ExactDecimal("99999999999.5")! : ExactDecimal(mantissa: 1, scale: 0) }),
            (
                "x_Hours",
                instants {
                    $0 % 5 == 0
                        ? nil : Timestamp(microsecondsSinceEpoch: 1_704_067_200_000_000 + Int64($0) * 3_600_000_000)
                }
            ),
            ("x_Micros", instants { Timestamp(microsecondsSinceEpoch: 1_704_067_200_000_001 + Int64($0)) }),
            (
                "x_Span",
                instants {
                    Timestamp(microsecondsSinceEpoch: $0 % 2 == 0 ? -62_135_596_800_000_000 : 253_402_300_799_000_000)
                }
            ),
            ("x_Null", instants { _ in nil }),
            ("x_Few", CostStoreConformance.strings((0..<count).map { $0 % 7 == 0 ? nil : "few-\($0 % 10)" })),
            ("x_Some", CostStoreConformance.strings((0..<count).map { "some-\($0 % 1_000)" })),
            ("x_Many", CostStoreConformance.strings((0..<count).map { "many-\($0)" })),
        ]
        for (name, data) in columns { table = CostStoreConformance.adding(table, name, data) }
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        _ = try await store.replace(source: "encodings") { writer in
            try await writer.write(table.selecting(rows: Array(0..<40_000)))
            try await writer.write(table.selecting(rows: Array(40_000..<count)))
        }
        CostStoreConformance.expectEqual(try await store.read(.all), table)
        #expect(try store.verify().map(\.rowCount) == [count])
    }
}

@Suite("Frame-of-reference offsets")
struct OffsetPackingTests {
    @Test("offsets of every width from 0 to 16 bytes round-trip, the last rows of a block too")
    func widths() {
        var generator = SplitMix(seed: 7)
        for width in 0...16 {
            let count = 37
            let limit: UInt128 = width == 16 ? .max : (UInt128(1) << (8 * width)) &- 1
            let values = (0..<count).map { row -> UInt128 in
                let random = UInt128(generator.next()) << 64 | UInt128(generator.next())
                return row == 0 ? limit : random & limit
            }
            let packed = OffsetPacking.pack(count, width: width) { values[$0] }
            #expect(packed.count == count * width)
            #expect(OffsetPacking.width(limit) == width)
            let decoded = packed.withUnsafeBytes { raw in
                (0..<count).map { row in
                    width == 0 ? 0 : OffsetPacking.offset(raw.baseAddress!, row: row, count: count, width: width)
                }
            }
            #expect(decoded == values, "width \(width)")
        }
    }

    @Test("the loops by width read what offset(_:row:count:width:) reads, for every block length up to 40 rows")
    func loopsByWidth() {
        var generator = SplitMix(seed: 11)
        for width in 0...16 {
            for count in 0...40 {
                let limit: UInt128 = width == 16 ? .max : (UInt128(1) << (8 * width)) &- 1
                let values = (0..<count).map { _ in
                    (UInt128(generator.next()) << 64 | UInt128(generator.next())) & limit
                }
                let packed = OffsetPacking.pack(count, width: width) { values[$0] }
                var decoded = [UInt128](repeating: 7, count: count)
                packed.withUnsafeBytes { raw in
                    let source = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!
                    if width <= 8 {
                        OffsetPacking.forEachSmallOffset(source, count: count, width: width) {
                            decoded[$0] = UInt128($1)
                        }
                    } else {
                        OffsetPacking.forEachLargeOffset(source, count: count, width: width) { decoded[$0] = $1 }
                    }
                }
                #expect(decoded == values, "width \(width), \(count) rows")
            }
        }
    }

    @Test("packed decimals and instants decode exactly: every scale, small and wide offsets, negative bases")
    func decimalsAndInstants() {
        var generator = SplitMix(seed: 13)
        for exponent in [0, 1, 6, 12, 18] {
            for spread in [UInt64(0), 200, 1 << 40, .max] {
                let values = (0..<53).map { row -> ExactDecimal in
                    let offset = Int128(generator.next() % (spread == 0 ? 1 : spread))
                    let wide = spread == .max ? Int128(generator.next()) << 1 : 0  // offsets past 64 bits
                    let base: Int128 = row.isMultiple(of: 2) ? -5_000_000 : 3
                    return ExactDecimal(units: (base + offset + wide) * PowersOfTen.int128[exponent])
                }
                let plan = DecimalPacking.plan(values)
                let packed = DecimalPacking.pack(values, plan)
                var decoded = [ExactDecimal](repeating: ExactDecimal(units: 1), count: values.count)
                packed.withUnsafeBytes { raw in
                    decoded.withUnsafeMutableBufferPointer { target in
                        DecimalPacking.unpack(
                            raw.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!,
                            count: values.count,
                            plan,
                            into: target.baseAddress!
                        )
                    }
                }
                #expect(decoded == values, "exponent \(exponent), spread \(spread), width \(plan.width)")
            }
        }
        let instants = TimestampColumn(values: (0..<45).map { Int64($0) * 86_400_000_000 - 1_000_000_000_000 })
        let bounds = TimestampPacking.bounds(instants)!
        let plan = TimestampPacking.plan(instants, bounds: bounds)
        var decoded = [Int64](repeating: 0, count: 45)
        TimestampPacking.pack(instants, plan).withUnsafeBytes { raw in
            decoded.withUnsafeMutableBufferPointer { target in
                TimestampPacking.unpack(raw.baseAddress!, count: 45, plan, into: target.baseAddress!)
            }
        }
        #expect(decoded == instants.values)
    }
}

/// A small seeded generator, so the test's data is the same on every run.
private struct SplitMix {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension PeriodFileFormatTests {
    @Test("columns encoded on several threads give the file one thread writes, byte for byte")
    func encodingThreads() throws {
        let path = Fixtures.file(named: "threads.csv", "")
        try SampleGenerator(rows: 20_000, seed: 11).write(to: path)
        var options = FocusReadOptions(batchSize: 3_000)
        options.scanThreads = 1
        let reader = try FocusCSVReader(path: path, options: options)
        var batches: [CostTable] = []
        while let batch = try reader.nextBatch() { batches.append(batch.table) }
        #expect(batches.count > 3)
        var files: [[UInt8]] = []
        for threads in [1, 4] {
            let file = Fixtures.temporaryDirectory().appendingPathComponent("period.fcol").path
            let writer = try PeriodFileWriter(path: file, threads: threads)
            for batch in batches { try writer.append(batch) }
            try writer.finish()
            files.append(try readFile(file))
        }
        #expect(files[0] == files[1])
        #expect(files[0].count > 100_000)
    }
}
