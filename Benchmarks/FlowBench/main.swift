// Engine overhead on the workloads W1–W4 of ../shared/bench/flows (the peers run the same task bodies):
//   W1  a 2-task flow (first(i) = i + 1, then second(x) = "v{x}") executed n times, one after another
//   W2  one flow of n tasks in a chain: task k = task k-1 + 1; the last output must be n
//   W3  one flow of n independent tasks item(i) = "v{i}" in a Parallel with concurrency 8
//   W4  a ForEach over 0..<n running item(v) per value, concurrencyLimit 8, then a count of the results
//   S   a YAML test suite of n cases over a flow with retries (backoff up to an hour) and a 6-hour sleep
// Each result is checked. Build and run through Benchmarks/run-flows.sh (release; only built when
// FINOPS_BENCHMARKS is set).
//
//   FlowBench --workload W1|W2|W3|W4|S --n N
//
// Prints one JSON line in the peers' format (engine, workload, n, tasks, seconds, per_task_us, executions_per_s,
// latency_median_ms, build_s, rss_mb, bytes_per_task_run).
import FlowEngine
import FlowTesting
import Foundation
import OrderedCollections

var arguments = CommandLine.arguments.dropFirst()
var workload = "W1"
var n = 1_000
while let flag = arguments.popFirst() {
    switch flag {
    case "--workload": workload = arguments.popFirst() ?? workload
    case "--n": n = arguments.popFirst().flatMap(Int.init) ?? n
    default:
        FileHandle.standardError.write(Data("usage: FlowBench --workload W1|W2|W3|W4 --n N\n".utf8))
        exit(2)
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func residentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
    }
    return 0
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("FlowBench: \(message)\n".utf8))
    exit(1)
}

func yaml(_ workload: String, n: Int) -> String {
    var text = "id: bench\nnamespace: bench\n"
    switch workload {
    case "W1":
        text += """
            inputs:
              - id: i
                type: INT
            tasks:
              - id: first
                type: io.kestra.plugin.core.output.OutputValues
                values:
                  x: "{{ inputs.i + 1 }}"
              - id: second
                type: io.kestra.plugin.core.debug.Return
                format: "v{{ outputs.first.values.x }}"

            """
    case "W2":
        text += "tasks:\n"
        for k in 1...n {
            let previous = k == 1 ? "0" : "outputs.t\(k - 1).values.x"
            text += "  - id: t\(k)\n    type: io.kestra.plugin.core.output.OutputValues\n"
            text += "    values:\n      x: \"{{ \(previous) + 1 }}\"\n"
        }
    case "W3":
        text += "tasks:\n  - id: all\n    type: io.kestra.plugin.core.flow.Parallel\n    concurrent: 8\n    tasks:\n"
        for i in 0..<n {
            text += "      - id: item\(i)\n        type: io.kestra.plugin.core.debug.Return\n        format: v\(i)\n"
        }
    case "W4":
        text += """
            tasks:
              - id: each
                type: io.kestra.plugin.core.flow.ForEach
                values: "{{ range(0, \(n - 1)) }}"
                concurrencyLimit: 8
                tasks:
                  - id: item
                    type: io.kestra.plugin.core.debug.Return
                    format: "v{{ taskrun.value }}"
              - id: count
                type: io.kestra.plugin.core.debug.Return
                format: "{{ outputs.item | length }}"

            """
    default:
        fail("unknown workload \(workload)")
    }
    return text
}

if workload == "S" {
    let flow = try FlowParser().parse(
        """
        id: orders
        namespace: shop
        inputs:
          - id: product
            type: STRING
        tasks:
          - id: flaky
            type: io.kestra.plugin.core.debug.Return
            format: "ordered {{ inputs.product }}"
            retry:
              type: exponential
              interval: PT1M
              maxInterval: PT1H
              maxAttempt: 8
          - id: wait
            type: io.kestra.plugin.core.flow.Sleep
            duration: PT6H
        """
    )
    var yaml = "id: many\nnamespace: shop\nflowId: orders\ntestCases:\n"
    for index in 0..<n {
        yaml += "  - id: case\(index)\n    fixtures:\n      inputs: {product: p\(index)}\n      tasks:\n"
        yaml += "        - id: flaky\n          state: FAILED\n    assertions:\n"
        yaml += "      - value: \"{{ execution.state }}\"\n        equalTo: FAILED\n"
        yaml += "      - value: \"{{ tasks.flaky.state }}\"\n        equalTo: FAILED\n"
    }
    let suite = try TestSuite(yaml: yaml)
    let start = ContinuousClock.now
    let result = await TestSuiteRunner(flows: FlowRepository([flow])).run(suite)
    let elapsed = seconds(since: start)
    guard result.state == .success, result.cases.count == n else { fail("suite: \(TestReport.text([result]))") }
    print(
        #"{"engine":"finops-flowtesting","workload":"S","n":\#(n),"seconds":\#(elapsed),"per_case_ms":\#(elapsed / Double(n) * 1000)}"#
    )
    exit(0)
}

let buildStart = ContinuousClock.now
let flow: Flow
do {
    flow = try FlowParser().parse(yaml(workload, n: n))
} catch {
    fail("\(error)")
}
let buildSeconds = seconds(since: buildStart)
let runner = FlowRunner()

// One warm-up execution of a small flow, as the peers do.
_ = try await runner.run(try FlowParser().parse(yaml("W1", n: 2)), inputs: ["i": 1])

let rssBefore = residentMegabytes()
var latencies: [Double] = []
var taskRuns = 0
var lastExecution: Execution?
let start = ContinuousClock.now
switch workload {
case "W1":
    latencies.reserveCapacity(n)
    for i in 0..<n {
        let one = ContinuousClock.now
        let execution = try await runner.run(flow, inputs: ["i": .int(i)])
        latencies.append(seconds(since: one))
        guard execution.taskRun("second")?.outputs["value"] == .string("v\(i + 1)") else {
            fail("W1 execution \(i): wrong result \(execution.summary.json)")
        }
        taskRuns += execution.taskRuns.count
    }
default:
    let execution = try await runner.run(flow)
    taskRuns = execution.taskRuns.count
    lastExecution = execution
}
let elapsed = seconds(since: start)
if let execution = lastExecution {
    guard execution.state == .success else {
        fail("\(workload) ended \(execution.state): \(execution.logs.first?.message ?? "")")
    }
    switch workload {
    case "W2":
        guard execution.taskRun("t\(n)")?.outputs["values"]?["x"] == .int(n) else { fail("W2: wrong last value") }
    case "W3":
        guard execution.taskRun("item\(n - 1)")?.outputs["value"] == .string("v\(n - 1)") else {
            fail("W3: wrong result")
        }
    default:
        guard execution.taskRun("count")?.outputs["value"] == .string("\(n)") else {
            fail("W4: counted \(execution.taskRun("count")?.outputs["value"] ?? .null), not \(n)")
        }
    }
}
let tasks = workload == "W1" ? 2 * n : n
latencies.sort()
let result: [String: Any] = [
    "engine": "finops-flowengine",
    "workload": workload,
    "n": n,
    "tasks": tasks,
    "task_runs": taskRuns,
    "seconds": elapsed,
    "per_task_us": elapsed / Double(tasks) * 1e6,
    "executions_per_s": workload == "W1" ? Double(n) / elapsed : NSNull(),
    "latency_median_ms": latencies.isEmpty ? NSNull() : latencies[latencies.count / 2] * 1000,
    "latency_p95_ms": latencies.isEmpty ? NSNull() : latencies[latencies.count * 95 / 100] * 1000,
    "build_s": buildSeconds,
    "rss_mb": residentMegabytes(),
    "bytes_per_task_run": lastExecution == nil
        ? NSNull() : (residentMegabytes() - rssBefore) * 1_048_576 / Double(max(taskRuns, 1)),
]
let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
