import FlowEngine
import Foundation
import OrderedCollections

/// Runs YAML test suites against the flows they name.
public struct TestSuiteRunner: Sendable {
    /// Where suites find their flows (by namespace and flow id), and the flows those call.
    public var flows: FlowRepository
    /// How many test cases run at once.
    public var concurrency: Int
    /// What the flows' tasks are handed (each case's execution gets the same services).
    public var services: TaskServices

    public init(
        flows: FlowRepository,
        services: TaskServices = TaskServices(),
        concurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.flows = flows
        self.services = services
        self.concurrency = max(concurrency, 1)
    }

    /// Runs every case of a suite (cases are independent executions, run concurrently), results in suite order.
    public func run(_ suite: TestSuite) async -> TestSuiteResult {
        let start = ContinuousClock.now
        guard !suite.disabled else {
            return TestSuiteResult(suite: suite, state: .skipped, cases: [], seconds: 0)
        }
        guard let flow = flows.flow(namespace: suite.namespace, id: suite.flowId) else {
            let error = "flow \(suite.namespace).\(suite.flowId) is not among the flows given"
            let cases = suite.testCases.map { TestCaseResult(testCase: $0, state: .error, errors: [error]) }
            return TestSuiteResult(suite: suite, state: .error, cases: cases, seconds: 0)
        }
        var results = [TestCaseResult?](repeating: nil, count: suite.testCases.count)
        await withTaskGroup(of: (Int, TestCaseResult).self) { group in
            var next = 0
            func add(_ group: inout TaskGroup<(Int, TestCaseResult)>) {
                let index = next
                let testCase = suite.testCases[index]
                group.addTask { (index, await self.run(testCase, of: flow)) }
                next += 1
            }
            while next < min(concurrency, suite.testCases.count) { add(&group) }
            while let (index, result) = await group.next() {
                results[index] = result
                if next < suite.testCases.count { add(&group) }
            }
        }
        let cases = results.compactMap { $0 }
        let elapsed = ContinuousClock.now - start
        return TestSuiteResult(
            suite: suite,
            state: .combined(cases.map(\.state)),
            cases: cases,
            seconds: elapsed.seconds
        )
    }

    /// Runs one case: an execution with the case's fixtures, then its assertions on the final variables.
    public func run(_ testCase: TestCase, of flow: Flow) async -> TestCaseResult {
        let start = ContinuousClock.now
        guard !testCase.disabled else { return TestCaseResult(testCase: testCase, state: .skipped) }
        var test = FlowTest(flow, flows: flows)
        test.fixtures = testCase.fixtures
        test.services = services
        let result: FlowTestResult
        do {
            result = try await test.run(inputs: testCase.inputs, trigger: testCase.trigger, files: testCase.files)
        } catch {
            return TestCaseResult(
                testCase: testCase,
                state: .error,
                errors: error.problems,
                seconds: (ContinuousClock.now - start).seconds
            )
        }
        let context = result.execution.finalContext
        var outcomes: [AssertionResult] = []
        var errors: [String] = []
        for assertion in testCase.assertions {
            do {
                outcomes += try AssertionEvaluator.evaluate(assertion, in: context)
            } catch {
                errors.append(
                    "could not evaluate `\(assertion.value.source)` (line \(assertion.location.line)): \(error)"
                )
            }
        }
        let state: TestState = !errors.isEmpty ? .error : outcomes.allSatisfy(\.isSuccess) ? .success : .failed
        return TestCaseResult(
            testCase: testCase,
            state: state,
            executionId: result.execution.id,
            executionState: result.state,
            assertions: outcomes,
            errors: errors,
            seconds: (ContinuousClock.now - start).seconds
        )
    }
}

/// The outcome of a test case or suite, as Kestra names them.
public enum TestState: String, Sendable, Hashable {
    case success = "SUCCESS"
    case failed = "FAILED"
    case skipped = "SKIPPED"
    case error = "ERROR"

    /// A suite's state: ERROR if a case errored, else FAILED if one failed, else SKIPPED if all were, else SUCCESS.
    static func combined(_ states: [TestState]) -> TestState {
        if states.contains(.error) { return .error }
        if states.contains(.failed) { return .failed }
        if !states.isEmpty && states.allSatisfy({ $0 == .skipped }) { return .skipped }
        return .success
    }
}

/// What one operator of an assertion found.
public struct AssertionResult: Sendable, Hashable {
    public var `operator`: String
    public var expected: FlowValue
    public var actual: FlowValue
    public var isSuccess: Bool
    public var taskId: String?
    public var description: String?
    /// The message to show when the check failed: the assertion's own `errorMessage`, else a generated one.
    public var message: String
}

/// The outcome of one test case.
public struct TestCaseResult: Sendable {
    public var testCase: TestCase
    public var state: TestState
    public var executionId: String?
    public var executionState: TaskState?
    public var assertions: [AssertionResult] = []
    /// Problems that kept the case from being judged (an execution that could not start, an assertion that did not
    /// render).
    public var errors: [String] = []
    public var seconds: Double = 0

    /// The failed checks and errors, one line each.
    public var failures: [String] { errors + assertions.filter { !$0.isSuccess }.map(\.message) }
}

/// The outcome of a suite.
public struct TestSuiteResult: Sendable {
    public var suite: TestSuite
    public var state: TestState
    public var cases: [TestCaseResult]
    public var seconds: Double
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
