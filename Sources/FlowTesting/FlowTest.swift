import FlowEngine
import Foundation
import OrderedCollections

/// A flow under test: load it, replace tasks with fixtures, run it on a virtual clock, and check the result.
///
/// ```swift
/// @Test func reportsTheCosts() async throws {
///     var test = try FlowTest(contentsOf: URL(fileURLWithPath: "flows/daily.yml"))
///     test.mock("download", outputs: ["rows": 120])
///     test.mock("notify", failingWith: "Slack is down")
///     let result = try await test.run(inputs: ["day": "2024-09-30"])
///     try result.expectState(.failed)
///     try result.expectTask("load", state: .success)
///     #expect(result.outputs(of: "load")?["rows"] == 120)
/// }
/// ```
///
/// Runs take no real time for sleeps, retries, pauses and timeouts: they run on a ``VirtualClock`` that starts at
/// the execution date.
public struct FlowTest: Sendable {
    /// The flow under test.
    public var flow: Flow
    /// Flows that `Subflow` tasks of the flow may call.
    public var flows: FlowRepository
    /// The stand-ins for tasks, most specific first.
    public var fixtures: [TaskFixture] = []
    /// What the flow's tasks are handed (a store, a directory), as a program running the flow would hand them.
    public var services = TaskServices()

    /// A test of a parsed flow.
    public init(_ flow: Flow, flows: FlowRepository = FlowRepository()) {
        self.flow = flow
        self.flows = flows
    }

    /// A test of a flow written in YAML.
    ///
    /// - Throws: ``FlowValidationError`` when the flow is invalid.
    public init(yaml: String, registry: TaskRegistry = .core, flows: FlowRepository = FlowRepository()) throws {
        self.init(try FlowParser(registry: registry).parse(yaml), flows: flows)
    }

    /// A test of a flow file.
    ///
    /// - Throws: ``FlowValidationError`` when the flow is invalid.
    public init(contentsOf url: URL, registry: TaskRegistry = .core, flows: FlowRepository = FlowRepository()) throws {
        self.init(try FlowParser(registry: registry).parse(contentsOf: url), flows: flows)
    }

    /// Replaces a task (only its run for one loop value when `value` is given) with a fixed outcome.
    public mutating func mock(
        _ taskId: String,
        value: String? = nil,
        state: TaskState = .success,
        outputs: FlowValue = [:]
    ) {
        fixtures.insert(.task(taskId, value: value, state: state, outputs: outputs), at: 0)
    }

    /// Makes a task (or its run for one loop value) fail with a message.
    public mutating func mock(_ taskId: String, value: String? = nil, failingWith message: String) {
        fixtures.insert(TaskFixture(.task(id: taskId, value: value), errorMessage: message), at: 0)
    }

    /// Replaces every task of a type with a fixed outcome.
    public mutating func mock(type: String, state: TaskState = .success, outputs: FlowValue = [:]) {
        fixtures.append(TaskFixture(.type(type), state: state, outputs: .value(outputs)))
    }

    /// The default execution date: a fixed moment, so that dates in outputs are the same on every run.
    public static let defaultExecutionDate = Date(timeIntervalSince1970: 1_735_689_600)

    /// Runs the flow once.
    ///
    /// - Parameters:
    ///   - inputs: values for the flow's inputs, as they would be given on the command line or typed.
    ///   - labels: labels added to the execution.
    ///   - trigger: the `trigger` variable (e.g. `["date": "2025-01-01T00:00:00Z"]` for a Schedule).
    ///   - files: inline files by name, readable by expressions as `files['name']` (their content: this engine has
    ///     no internal storage to hold them).
    ///   - executionDate: when the execution starts on the virtual clock.
    ///   - clock: the clock to run on; a new ``VirtualClock`` at `executionDate` when nil.
    /// - Throws: ``FlowRunError`` when the execution cannot start (e.g. an input that does not fit).
    public func run(
        inputs: [String: FlowValue] = [:],
        labels: OrderedDictionary<String, String> = [:],
        trigger: FlowValue? = nil,
        files: [String: String] = [:],
        executionDate: Date = FlowTest.defaultExecutionDate,
        clock: VirtualClock? = nil
    ) async throws(FlowRunError) -> FlowTestResult {
        var runner = FlowRunner(clock: clock ?? VirtualClock(start: executionDate), flows: flows)
        runner.fixtures = fixtures
        runner.services = services
        var options = FlowRunner.Options(labels: labels, trigger: trigger)
        if !files.isEmpty {
            let sorted = files.sorted { $0.key < $1.key }.map { ($0.key, FlowValue.string($0.value)) }
            options.variables["files"] = .map(OrderedDictionary(uniqueKeysWithValues: sorted))
        }
        let execution = try await runner.run(
            flow,
            inputs: inputs,
            options: options
        )
        return FlowTestResult(execution: execution)
    }
}
