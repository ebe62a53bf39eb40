import Foundation
import OrderedCollections

/// Runs flows in process: one call, one execution, with Kestra's semantics for states, retries, errors and outputs.
///
/// ```swift
/// let flow = try FlowParser().parse(yaml)
/// let execution = try await FlowRunner().run(flow, inputs: ["day": "2024-01-31"])
/// print(execution.state)
/// ```
///
/// Each run is one task group: cancelling the calling task kills the execution (running tasks see the
/// cancellation; the execution ends KILLED).
public struct FlowRunner: Sendable {
    /// The time the engine runs on (``VirtualClock`` makes sleeps, retries, pauses and timeouts instant).
    public var clock: any FlowClock
    /// Where `Subflow` tasks find the flows they call.
    public var flows: FlowRepository
    /// Told of every task run change and log line as it happens.
    public var observer: (@Sendable (ExecutionEvent) -> Void)?
    /// Stand-ins for tasks (tests): a matching task run ends with the fixture's outcome without running.
    public var fixtures: [TaskFixture] = []
    /// What tasks may use besides their properties (see ``TaskContext/services``); subflows get the same.
    public var services = TaskServices()

    public init(
        clock: any FlowClock = SystemClock(),
        flows: FlowRepository = FlowRepository(),
        observer: (@Sendable (ExecutionEvent) -> Void)? = nil
    ) {
        self.clock = clock
        self.flows = flows
        self.observer = observer
    }

    /// What an execution starts from besides its inputs.
    public struct Options: Sendable {
        /// Labels added to the flow's.
        public var labels: OrderedDictionary<String, String>
        /// The `trigger` variable (e.g. a Schedule trigger's `date`).
        public var trigger: FlowValue?
        /// The execution id; a random one when nil.
        public var executionId: String?
        /// The `envs` variable.
        public var environment: [String: String]
        /// The zone of `now()` and `date` without an explicit zone.
        public var timeZone: TimeZone
        /// More variable roots for expressions (e.g. a test's `files`); they do not replace the engine's own.
        public var variables: [String: FlowValue] = [:]

        public init(
            labels: OrderedDictionary<String, String> = [:],
            trigger: FlowValue? = nil,
            executionId: String? = nil,
            environment: [String: String] = [:],
            timeZone: TimeZone = .gmt
        ) {
            self.labels = labels
            self.trigger = trigger
            self.executionId = executionId
            self.environment = environment
            self.timeZone = timeZone
        }
    }

    /// Runs a flow to its end.
    ///
    /// - Throws: ``FlowRunError`` when the execution cannot start: a disabled flow, or inputs that do not fit
    ///   their definitions (every such input is named). Task failures do not throw: they are in the execution.
    public func run(
        _ flow: Flow,
        inputs: [String: FlowValue] = [:],
        options: Options = Options()
    ) async throws(FlowRunError) -> Execution {
        try await run(flow, inputs: inputs, options: options, depth: 0)
    }

    func run(
        _ flow: Flow,
        inputs: [String: FlowValue],
        options: Options,
        depth: Int
    ) async throws(FlowRunError)
        -> Execution
    {
        guard !flow.disabled else { throw FlowRunError(["flow \(flow.namespace).\(flow.id) is disabled"]) }
        let resolved = try Self.resolve(flow.inputs, supplied: inputs)
        let id = options.executionId ?? RandomID.make()
        var labels = flow.labels
        for (key, value) in options.labels { labels[key] = value }
        if labels["system.correlationId"] == nil { labels["system.correlationId"] = id }
        let run = ExecutionRun(
            flow: flow,
            id: id,
            inputs: resolved,
            labels: labels,
            options: options,
            runner: self,
            depth: depth
        )
        return await run.execute()
    }

    /// The typed inputs, dotted ids nested; every problem at once.
    static func resolve(
        _ definitions: [InputDefinition],
        supplied: [String: FlowValue]
    ) throws(FlowRunError) -> FlowValue {
        var problems: [String] = []
        let known = Set(definitions.map(\.id))
        for name in supplied.keys.sorted() where !known.contains(name) {
            problems.append(
                "unknown input `\(name)`; the flow takes \(known.isEmpty ? "no inputs" : known.sorted().joined(separator: ", "))"
            )
        }
        var values = OrderedDictionary<String, FlowValue>()
        for definition in definitions {
            do {
                let value = try definition.resolve(supplied[definition.id])
                Self.insert(value, at: definition.id.split(separator: ".").map(String.init), into: &values)
            } catch {
                problems.append(error.description)
            }
        }
        guard problems.isEmpty else { throw FlowRunError(problems) }
        return .map(values)
    }

    private static func insert(
        _ value: FlowValue,
        at path: [String],
        into map: inout OrderedDictionary<String, FlowValue>
    ) {
        guard path.count > 1 else {
            map[path[0]] = value
            return
        }
        var nested: OrderedDictionary<String, FlowValue> = [:]
        if case .map(let existing)? = map[path[0]] { nested = existing }
        insert(value, at: Array(path.dropFirst()), into: &nested)
        map[path[0]] = .map(nested)
    }
}

/// An execution that could not start, with every reason.
public struct FlowRunError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [String]

    public init(_ problems: [String]) { self.problems = problems }

    public var description: String { problems.joined(separator: "\n") }
}

/// Kestra-style short random ids (22 base-62 characters).
enum RandomID {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// 11 base-62 digits of a 64-bit value.
    static func base62(_ value: UInt64) -> String {
        var remaining = value
        return String(
            unsafeUninitializedCapacity: 11,
            initializingUTF8With: { buffer in
                for index in 0..<11 {
                    buffer[index] = alphabet[Int(remaining % 62)]
                    remaining /= 62
                }
                return 11
            }
        )
    }

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 22)
        for index in 0..<11 {
            bytes[index] = alphabet[Int(high % 62)]
            high /= 62
            bytes[11 + index] = alphabet[Int(low % 62)]
            low /= 62
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
