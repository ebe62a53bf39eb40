import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

/// The reader splits each buffer's records between threads: whatever the input, it must read exactly what one thread
/// reads, with the same errors at the same lines and rows.
@Suite("Scanning a buffer on several threads")
struct ParallelScanTests {
    /// An export of `rows` records mixing what can trip a split: quoted fields with commas, quotes and line ends,
    /// blank lines, CRLF; one record in `damage` (if any) must be rejected (a field missing, a quote inside an
    /// unquoted field, a bad amount), and an unclosed quote ends the file.
    private func export(rows: Int, seed: UInt64, damage: Int?) -> String {
        var random = SeededRandom(seed: seed)
        let columns = Fixtures.defaultRow.map(\.0)
        let description = columns.firstIndex(of: "ChargeDescription")!
        let cost = columns.firstIndex(of: "BilledCost")!
        var text = columns.joined(separator: ",") + "\n"
        for row in 0..<rows {
            var values = Fixtures.defaultRow.map { CSVField.quoted($0.1) }
            values[cost] = "\(random.next(100_000)).\(random.next(1_000))"
            switch random.next(40) {
            case 0: values[description] = "\"multi\nline \"\"quoted\"\"\nnote \(row)\""
            case 1: values[description] = "\"a, b and c \(row)\""
            case 2: values[description] = "\"\r\n\""
            case 3: text += "\n"
            default: values[description] = "row \(row)"
            }
            if let damage, random.next(damage) == 0 {
                switch random.next(3) {
                case 0: values.removeLast()
                case 1: values[description] = "bad\"quote"
                default: values[cost] = "1.2.3"
                }
            }
            text += values.joined(separator: ",") + (random.next(10) == 0 ? "\r\n" : "\n")
        }
        if damage != nil { text += "x,\"never closed\n" }
        return text
    }

    /// Everything a read yields: each batch's rows as text, and each rejected row or the error that stopped it.
    private func read(_ path: String, threads: Int, skip: Bool, batchSize: Int) -> [String] {
        var options = FocusReadOptions(batchSize: batchSize, skipInvalidRows: skip, bufferSize: 1_200_000)
        options.scanThreads = threads
        var seen: [String] = []
        do {
            let reader = try FocusCSVReader(path: path, options: options)
            while let batch = try reader.nextBatch() {
                let table = batch.table
                seen.append("batch of \(table.rowCount)")
                for column in table.columns {
                    seen.append(
                        column.name + ": " + Fixtures.render(column, rows: table.rowCount).joined(separator: "|")
                    )
                }
                for rejected in batch.rejected { seen.append("rejected \(rejected.error) \(rejected.text)") }
            }
        } catch {
            seen.append("error \(error)")
        }
        return seen
    }

    @Test(
        "clean and damaged exports read the same on one thread and on several, strict and skipping bad rows",
        arguments: [(seed: UInt64(1), damage: Int?.none), (2, 3_000), (3, 200), (4, 10)]
    )
    func sameAsOneThread(seed: UInt64, damage: Int?) throws {
        let path = Fixtures.file(named: "parallel.csv", export(rows: 30_000, seed: seed, damage: damage))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for skip in [true, false] {
            for batchSize in [65_536, 2_500] {
                let serial = read(path, threads: 1, skip: skip, batchSize: batchSize)
                let parallel = read(path, threads: 4, skip: skip, batchSize: batchSize)
                #expect(serial.count == parallel.count, "skip \(skip), batches of \(batchSize)")
                let firstDifference = zip(serial, parallel).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                #expect(
                    firstDifference == nil,
                    "skip \(skip), batches of \(batchSize): \(firstDifference.map { serial[$0].prefix(300) } ?? "")"
                )
                if damage != nil {
                    #expect(serial.contains { $0.hasPrefix(skip ? "rejected" : "error") })
                }
            }
        }
    }
}
