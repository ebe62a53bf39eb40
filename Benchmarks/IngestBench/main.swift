// Ingest throughput of FinOpsCore on one FOCUS CSV file, for comparison with DuckDB loading the same file.
// Build and run through Benchmarks/run.sh (release mode; only built when FINOPS_BENCHMARKS is set).
//
//   IngestBench FILE [--runs N]
//
// Prints one JSON object: the median seconds of each phase over N runs, rows, and memory figures.
import FinOpsCore
import Foundation

struct Arguments {
    var file: String
    var runs = 3

    init() {
        var arguments = CommandLine.arguments.dropFirst()
        guard let file = arguments.popFirst() else {
            FileHandle.standardError.write(Data("usage: IngestBench FILE [--runs N]\n".utf8))
            exit(2)
        }
        self.file = file
        while let flag = arguments.popFirst() {
            if flag == "--runs", let value = arguments.popFirst().flatMap(Int.init) { runs = value }
        }
    }
}

func residentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
    }
    return 0
}

func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
    }
    return 0
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func median(_ values: [Double]) -> Double {
    values.sorted()[values.count / 2]
}

/// Bytes the table's arrays occupy (dictionaries counted by their UTF-8 length).
func tableBytes(_ table: CostTable) -> Int {
    table.columns.reduce(0) { total, column in
        switch column.data {
        case .string(let values):
            total + values.codes.count * 4 + values.dictionary.reduce(0) { $0 + $1.utf8.count + 16 }
        case .decimal(let values): total + values.values.count * 16 + (values.nulls?.words.count ?? 0) * 8
        case .timestamp(let values): total + values.values.count * 8 + (values.nulls?.words.count ?? 0) * 8
        case .tags(let values): total + values.codes.count * 4 + values.sets.count * 64
        }
    }
}

AllocatorTuning.preferHeapForLargeAllocations()
let arguments = Arguments()
var parse: [Double] = []
var ingest: [Double] = []
var readBack: [Double] = []
var readOnePeriod: [Double] = []
var onePeriodRows = 0
var rows = 0
var storeBytes = 0
var tableMegabytes = 0.0
var rssDeltaMegabytes = 0.0
let root = FileManager.default.temporaryDirectory.appendingPathComponent("finops-ingest-bench-\(getpid())")
defer { try? FileManager.default.removeItem(at: root) }

for run in 0..<arguments.runs {
    parse.append(
        try await seconds {
            let reader = try FocusCSVReader(path: arguments.file)
            var count = 0
            while let batch = try reader.nextBatch() { count += batch.table.rowCount }
            rows = count
        }
    )
    let directory = root.appendingPathComponent("store-\(run)")
    let store = try EmbeddedCostStore(directory: directory)
    ingest.append(try await seconds { _ = try await FocusIngest().ingest(files: [arguments.file], into: store) })
    storeBytes =
        (FileManager.default.enumerator(atPath: directory.appendingPathComponent("data").path)?.allObjects as? [String]
        ?? [])
        .compactMap {
            try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("data/\($0)").path)[
                .size
            ] as? Int
        }
        .reduce(0, +)
    let before = residentMegabytes()
    var table = CostTable()
    readBack.append(try await seconds { table = try await store.read(.all) })
    rssDeltaMegabytes = residentMegabytes() - before
    let first = try await store.periods()[0]
    onePeriodRows = first.rowCount
    readOnePeriod.append(
        try await seconds {
            _ = try await store.read(
                CostFilter(from: first.period.start, until: first.period.end, sources: [first.source])
            )
        }
    )
    tableMegabytes = Double(tableBytes(table)) / 1_048_576
    precondition(table.rowCount == rows)
    try? FileManager.default.removeItem(at: directory)
}

let result: [String: Double] = [
    "rows": Double(rows),
    "parse_s": median(parse),
    "ingest_s": median(ingest),
    "read_back_s": median(readBack),
    "read_one_period_s": median(readOnePeriod),
    "one_period_rows": Double(onePeriodRows),
    "ingest_rows_per_s": Double(rows) / median(ingest),
    "store_bytes_per_row": Double(storeBytes) / Double(max(rows, 1)),
    "table_bytes_per_row": tableMegabytes * 1_048_576 / Double(max(rows, 1)),
    "read_back_rss_delta_mb": rssDeltaMegabytes,
    "peak_rss_mb": peakResidentMegabytes(),
]
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys]
print(String(decoding: try encoder.encode(result), as: UTF8.self))
