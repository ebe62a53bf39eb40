import BenchSupport
// The pivot queries Q1–Q7 and Q2pivot of ../shared/bench (DuckDB, polars, pandas run the same ones) on one CSV,
// in memory after loading it. Build and run through Benchmarks/run-pivot.sh (release; only built when
// FINOPS_BENCHMARKS is set).
//
//   PivotBench FILE [--runs N] [--query NAME] [--scan-threads N]
//
// --scan-threads sets FocusReadOptions.scanThreads (the threads that split each buffer's records; the reader's own
// choice when absent).
// Prints one JSON object: load seconds, median seconds per query, result rows and a checksum per query.
import FinOpsCore
import Foundation
import PivotKit

AllocatorTuning.preferHeapForLargeAllocations()
var arguments = CommandLine.arguments.dropFirst()
guard let file = arguments.popFirst() else {
    FileHandle.standardError.write(Data("usage: PivotBench FILE [--runs N] [--query NAME] [--scan-threads N]\n".utf8))
    exit(2)
}
var runs = 3
var only: String?
var scanThreads: Int?
while let flag = arguments.popFirst() {
    if flag == "--runs", let value = arguments.popFirst().flatMap(Int.init) { runs = value }
    if flag == "--query" { only = arguments.popFirst() }
    if flag == "--scan-threads", let value = arguments.popFirst().flatMap(Int.init) { scanThreads = value }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func residentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
    }
    return 0
}

// The peers' file is FOCUS-like, not complete FOCUS: no column is required.
var table = CostTable()
let loadSeconds = try seconds {
    var options = FocusReadOptions(requiredColumns: [])
    options.scanThreads = scanThreads
    table = try FocusCSVReader(path: file, options: options).readTable()
}

let queries = PivotBenchQueries.all.filter { only == nil || $0.0 == only }

var results: [String: Any] = [
    "engine": "finops-pivotkit", "rows": table.rowCount, "load_s": loadSeconds,
    "rss_after_load_mb": residentMegabytes(),
]
var timings: [String: Any] = [:]
for (name, query) in queries {
    var times: [Double] = []
    var result: PivotResult?
    for _ in 0..<runs {
        times.append(try seconds { result = try query.run(on: table) })
    }
    var checksum = ExactDecimal.zero
    for cell in result?.groups ?? [] {
        for value in cell.measures {
            if case .decimal(let amount) = value { checksum = checksum + amount }
        }
    }
    timings[name] = [
        "median_s": times.sorted()[times.count / 2], "result_rows": result?.groups.count ?? 0,
        "checksum": checksum.description,
    ]
    FileHandle.standardError.write(Data("\(name): \(times.sorted()[times.count / 2]) s\n".utf8))
}
results["queries"] = timings
let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
