// Pivot push-down: Q1–Q7 and Q2pivot compiled by PivotKit and run on PostgreSQL through PGStore (results finished
// exactly by PivotKit), beside the same questions as hand-written SQL run by psql, on the same table, in one run.
// Build and run through Benchmarks/run-pushdown.sh (release; only built when FINOPS_BENCHMARKS is set).
//
//   PushDownBench --url URL [--load FILE] [--runs N]
//
// --load stores FILE (the peers' FOCUS-like CSV) first, as source "bench". Prints one JSON object.
import BenchSupport
import FinOpsCore
import Foundation
import PGStore
import PivotKit

var arguments = CommandLine.arguments.dropFirst()
var url: String?
var file: String?
var runs = 3
while let flag = arguments.popFirst() {
    switch flag {
    case "--url": url = arguments.popFirst()
    case "--load": file = arguments.popFirst()
    case "--runs": runs = arguments.popFirst().flatMap(Int.init) ?? runs
    default: break
    }
}
guard let url else {
    FileHandle.standardError.write(Data("usage: PushDownBench --url URL [--load FILE] [--runs N]\n".utf8))
    exit(2)
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// The same questions, written by hand as a PostgreSQL user would.
let handWritten: [String: String] = [
    "Q1": "SELECT service_name, sum(effective_cost) FROM finops.cost_rows GROUP BY 1",
    "Q2": """
    SELECT billing_account_id, service_name, date_trunc('month', charge_period_start AT TIME ZONE 'UTC'),
           sum(effective_cost), count(*)
    FROM finops.cost_rows GROUP BY 1, 2, 3
    """,
    "Q3": """
    SELECT provider_name, service_category, service_name, sum(effective_cost)
    FROM finops.cost_rows GROUP BY ROLLUP (provider_name, service_category, service_name)
    """,
    "Q4": "SELECT region_id, count(DISTINCT resource_id) FROM finops.cost_rows GROUP BY 1",
    "Q5": """
    WITH totals AS (
        SELECT billing_account_id AS account, service_name AS service, sum(effective_cost) AS cost
        FROM finops.cost_rows GROUP BY 1, 2),
    ranked AS (
        SELECT *, row_number() OVER (PARTITION BY account ORDER BY cost DESC) AS rank FROM totals)
    SELECT account, CASE WHEN rank <= 10 THEN service ELSE 'Others' END, sum(cost)
    FROM ranked GROUP BY 1, 2
    """,
    "Q6": """
    SELECT date_trunc('day', charge_period_start AT TIME ZONE 'UTC'), sum(effective_cost)
    FROM finops.cost_rows
    WHERE charge_category = 'Usage' AND region_id IN ('us-east-1', 'eu-west-1', 'eastus', 'westeurope', 'us-central1')
      AND charge_period_start >= '2024-02-01T00:00:00Z' AND charge_period_start < '2024-03-01T00:00:00Z'
    GROUP BY 1
    """,
    "Q7": "SELECT tags ->> 'team', sum(effective_cost) FROM finops.cost_rows GROUP BY 1",
    "Q2pivot": """
    SELECT billing_account_id, service_name, date_trunc('month', charge_period_start AT TIME ZONE 'UTC'),
           sum(effective_cost)
    FROM finops.cost_rows
    GROUP BY GROUPING SETS ((1, 2, 3), (1, 2), (3), ())
    """,
]

/// psql's own `\timing` of a statement, in seconds.
func psqlSeconds(_ sql: String) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "\\timing on", "-c", sql]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CostStoreError(.io, "psql failed on: \(sql)") }
    let text = String(decoding: data, as: UTF8.self)
    guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("Time: ") }),
        let milliseconds = Double(line.dropFirst(6).split(separator: " ").first ?? "")
    else { throw CostStoreError(.io, "no timing in psql's output") }
    return milliseconds / 1000
}

/// Stores a file as source "bench"; the number of rows.
nonisolated func load(_ file: String, into store: PostgresCostStore) async throws -> Int {
    let reader = try FocusCSVReader(path: file, options: FocusReadOptions(requiredColumns: []))
    let summaries = try await store.replace(source: "bench") { writer in
        while let batch = try reader.nextBatch() { try await writer.write(batch.table) }
    }
    return summaries.reduce(0) { $0 + $1.rowCount }
}

let store = try await PostgresCostStore.open(url)
var result: [String: Any] = ["engine": "finops-pgstore-pushdown", "runs": runs]
if let file {
    var rows = 0
    result["load_s"] = try await seconds { rows = try await load(file, into: store) }
    result["rows"] = rows
    try await store.pool.withConnection { try await $0.query("ANALYZE finops.cost_rows") }
}
var timings: [String: Any] = [:]
for (name, query) in PivotBenchQueries.all {
    var ours: [Double] = []
    var cells = 0
    for _ in 0..<runs {
        ours.append(try await seconds { cells = try await store.pool.pivot(query).cells.count })
    }
    var theirs: [Double] = []
    for _ in 0..<runs { theirs.append(try psqlSeconds(handWritten[name]!)) }
    let median = ours.sorted()[runs / 2]
    let psql = theirs.sorted()[runs / 2]
    timings[name] = ["pushdown_s": median, "psql_s": psql, "ratio": median / psql, "cells": cells]
    FileHandle.standardError.write(Data("\(name): push-down \(median) s, psql \(psql) s\n".utf8))
}
result["queries"] = timings
await store.close()
let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
