import FlowEngine
import Foundation
import OrderedCollections

/// A YAML test suite in Kestra's format: test cases of one flow, each with fixtures and assertions.
///
/// ```yaml
/// id: daily_costs_tests
/// namespace: finops.examples
/// flowId: daily_costs
/// testCases:
///   - id: counts_the_files
///     type: io.kestra.core.tests.flow.UnitTest
///     fixtures:
///       inputs: {providers: '["aws"]'}
///       tasks:
///         - id: download
///           outputs: {value: s3://bucket/aws.csv}
///     assertions:
///       - value: "{{ execution.outputs.files }}"
///         equalTo: 1
/// ```
public struct TestSuite: Sendable {
    public var id: String
    public var namespace: String
    public var flowId: String
    public var description: String?
    public var disabled: Bool
    public var testCases: [TestCase]
    /// The file the suite was read from.
    public var file: String?

    /// Whether a YAML document is a test suite (it has `testCases`) rather than a flow.
    public static func isTestSuite(_ node: YAMLNode) -> Bool { node.isTestSuite }

    /// Reads a suite from YAML.
    ///
    /// - Throws: ``FlowValidationError`` with every problem, at its line and column.
    public init(yaml: String, file: String? = nil) throws(FlowValidationError) {
        try self.init(YAMLNode.parse(yaml, file: file), file: file)
    }

    /// Reads a suite file.
    public init(contentsOf url: URL) throws(FlowValidationError) {
        try self.init(YAMLNode.parse(contentsOf: url), file: url.path)
    }

    /// Reads a suite from a YAML document already read.
    ///
    /// - Throws: ``FlowValidationError`` with every problem, at its line and column.
    public init(_ root: YAMLNode, file: String? = nil) throws(FlowValidationError) {
        let properties = TaskProperties(root)
        let id = properties.string("id", required: true)
        let namespace = properties.string("namespace", required: true)
        let flowId = properties.string("flowId", required: true)
        let description = properties.string("description")
        let disabled = properties.bool("disabled") ?? false
        var cases: [TestCase] = []
        if let list = properties.node("testCases", required: true) {
            if let items = list.items, !items.isEmpty {
                var seen = Set<String>()
                for item in items {
                    guard let testCase = TestCase(properties.nested(item)) else { continue }
                    if !seen.insert(testCase.id).inserted {
                        properties.report("duplicate test case id '\(testCase.id)'", at: item)
                    }
                    cases.append(testCase)
                }
            } else {
                properties.report("testCases is a non-empty list of test cases", at: list)
            }
        }
        properties.reportUnknownProperties(of: "a test suite")
        guard properties.problems.isEmpty, let id, let namespace, let flowId else {
            throw FlowValidationError(properties.problems, file: file)
        }
        self.id = id
        self.namespace = namespace
        self.flowId = flowId
        self.description = description
        self.disabled = disabled
        self.testCases = cases
        self.file = file
    }
}

/// One test case: an execution of the flow with fixtures, then assertions on what it produced.
public struct TestCase: Sendable {
    public var id: String
    public var description: String?
    public var disabled: Bool
    public var inputs: [String: FlowValue]
    public var fixtures: [TaskFixture]
    /// The `trigger` variable: `{id, type, variables…}` flattened as Kestra exposes it.
    public var trigger: FlowValue?
    /// Inline files by name, exposed as `files['name']` (their content, as there is no internal storage here).
    public var files: [String: String]
    public var assertions: [TestAssertion]
    public var location: SourceLocation

    init?(_ properties: TaskProperties) {
        let id = properties.string("id", required: true)
        if let type = properties.string("type"), type != "io.kestra.core.tests.flow.UnitTest" {
            properties.report(
                "unknown test case type '\(type)'; the only one is io.kestra.core.tests.flow.UnitTest",
                at: "type"
            )
        }
        description = properties.string("description")
        disabled = properties.bool("disabled") ?? false
        inputs = [:]
        fixtures = []
        files = [:]
        trigger = nil
        location = properties.location
        if let node = properties.node("fixtures") {
            let fixtureProperties = properties.nested(node)
            if case .map(let values)? = fixtureProperties.value("inputs") {
                for (key, value) in values { inputs[key] = value }
            }
            if case .map(let values)? = fixtureProperties.value("files") {
                for (key, value) in values { files[key] = value.rendered }
            }
            if let triggerNode = fixtureProperties.node("trigger") {
                let triggerProperties = fixtureProperties.nested(triggerNode)
                var variables: FlowValue = [:]
                if case .map(var map) = triggerProperties.value("variables") ?? [:] {
                    if let id = triggerProperties.string("id") { map["id"] = .string(id) }
                    if let type = triggerProperties.string("type") { map["type"] = .string(type) }
                    variables = .map(map)
                }
                triggerProperties.reportUnknownProperties(of: "a trigger fixture")
                trigger = variables
            }
            if let list = fixtureProperties.node("tasks") {
                for item in list.items ?? [] {
                    let task = fixtureProperties.nested(item)
                    guard let taskId = task.string("id", required: true) else { continue }
                    let value = task.value("value").map(\.rendered)
                    var state = TaskState.success
                    if let name = task.string("state") {
                        if let parsed = TaskState(rawValue: name) {
                            state = parsed
                        } else {
                            task.report("unknown state '\(name)'", at: "state")
                        }
                    }
                    let outputs = task.dynamic("outputs")
                    _ = task.string("description")
                    task.reportUnknownProperties(of: "a task fixture")
                    fixtures.append(TaskFixture(.task(id: taskId, value: value), state: state, outputs: outputs))
                }
            }
            fixtureProperties.reportUnknownProperties(of: "fixtures")
        }
        var assertions: [TestAssertion] = []
        if let list = properties.node("assertions") {
            for item in list.items ?? [] {
                if let assertion = TestAssertion(properties.nested(item)) { assertions.append(assertion) }
            }
        }
        self.assertions = assertions
        properties.reportUnknownProperties(of: "test case '\(id ?? "?")'")
        guard let id else { return nil }
        self.id = id
    }
}

/// An expression checked against expected values once the execution has ended.
public struct TestAssertion: Sendable {
    /// How the actual value is compared with the expected one.
    public enum Operator: String, Sendable, CaseIterable {
        case equalTo, notEqualTo, contains, startsWith, endsWith
        case greaterThan, greaterThanOrEqualTo, lessThan, lessThanOrEqualTo
        case `in`, notIn, isNull, isNotNull
    }

    public var value: Template
    public var taskId: String?
    public var description: String?
    public var errorMessage: Template?
    public var checks: [(operator: Operator, expected: DynamicValue)]
    public var location: SourceLocation

    init?(_ properties: TaskProperties) {
        location = properties.location
        let value = properties.template("value", required: true)
        taskId = properties.string("taskId")
        description = properties.string("description")
        errorMessage = properties.template("errorMessage")
        checks = []
        for op in Operator.allCases {
            if let expected = properties.dynamic(op.rawValue) { checks.append((op, expected)) }
        }
        // Kestra's first spelling of two operators.
        if let expected = properties.dynamic("equalsTo") { checks.append((.equalTo, expected)) }
        if let expected = properties.dynamic("notEqualsTo") { checks.append((.notEqualTo, expected)) }
        if checks.isEmpty {
            properties.report(
                "an assertion needs at least one operator: \(Operator.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        properties.reportUnknownProperties(of: "an assertion")
        guard let value else { return nil }
        self.value = value
    }
}
