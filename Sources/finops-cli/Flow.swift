import ArgumentParser
import FinOpsCore
import FinOpsTasks
import FlowEngine
import FlowTesting
import Foundation
import OrderedCollections
import Prometheus

/// `finops flow`: Kestra-compatible YAML flows.
struct FlowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "Validate and run Kestra-compatible YAML flows.",
        subcommands: [Validate.self, Run.self, Test.self, Executions.self, Logs.self, Replay.self]
    )

    /// The task types flows may use: Kestra's core ones and the FinOps ones.
    static func registry(allowProcesses: Bool) -> TaskRegistry {
        var registry = TaskRegistry.finOps
        if allowProcesses { registry.registerProcessTasks() }
        return registry
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check flow files; print every problem as file:line:column: message.",
            discussion: "Exits 1 when any file is invalid."
        )

        @Argument(help: "Flow files, or directories of .yml/.yaml files.")
        var paths: [String]

        @Flag(help: "Accept tasks that run processes (shell Commands and Script).")
        var allowProcesses = false

        func run() async throws {
            let parser = FlowParser(registry: FlowCommand.registry(allowProcesses: allowProcesses))
            var invalid = 0
            let files = try FlowFiles.expand(paths)
            for file in files {
                do {
                    let root = try YAMLNode.parse(contentsOf: file)
                    if TestSuite.isTestSuite(root) {
                        let suite = try TestSuite(root, file: file.path)
                        print(
                            "\(file.path): valid test suite (\(suite.testCases.count) cases of \(suite.namespace).\(suite.flowId))"
                        )
                        continue
                    }
                    let flow = try parser.parse(root, file: file.path)
                    print("\(file.path): valid (\(flow.namespace).\(flow.id), \(flow.allTasks.count) tasks)")
                } catch {
                    invalid += 1
                    for diagnostic in error.diagnostics { printError(render(diagnostic)) }
                }
            }
            if invalid > 0 {
                throw DataError(
                    message: "\(invalid) of \(files.count) flow file\(files.count == 1 ? " is" : "s are") invalid"
                )
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a flow to its end.",
            discussion: "Exits 0 when the execution ends SUCCESS or WARNING, 1 otherwise."
        )

        @Argument(help: "The flow file.")
        var file: String

        @Option(name: .customLong("input"), help: "An input as key=value (repeatable).")
        var inputs: [String] = []

        @Option(name: .customLong("flows"), help: "A directory of flows that Subflow tasks may call (repeatable).")
        var flowDirectories: [String] = []

        @Option(help: "text: each task run as it progresses, then the final state; json: one JSON object at the end.")
        var format: OutputFormat = .text

        @Flag(help: "Allow tasks that run processes on this machine (shell Commands and Script).")
        var allowProcesses = false

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "Where FinOps tasks write their files (a folder per flow and execution inside it).")
        var output = "finops-output"

        func run() async throws {
            let parser = FlowParser(registry: FlowCommand.registry(allowProcesses: allowProcesses))
            let flow: Flow
            let flows: FlowRepository
            do {
                flow = try parser.parse(contentsOf: URL(fileURLWithPath: file))
                flows = try FlowRepository(
                    directories: flowDirectories.map { URL(fileURLWithPath: $0) },
                    parser: parser
                )
            } catch {
                for diagnostic in error.diagnostics { printError(render(diagnostic)) }
                throw DataError(message: "the flow is invalid")
            }
            var values: [String: FlowValue] = [:]
            for input in inputs {
                guard let equals = input.firstIndex(of: "=") else {
                    throw ValidationError("--input takes key=value, not '\(input)'")
                }
                values[String(input[..<equals])] = .string(String(input[input.index(after: equals)...]))
            }
            let text = format == .text
            // Task runs and ingests are counted into the registry the flow's Metrics tasks write out.
            let registry = PrometheusCollectorRegistry()
            let metrics = FlowMetrics(flow: flow, registry: registry)
            var runner = FlowRunner(
                flows: flows,
                observer: { event in
                    metrics.observe(event)
                    if text { Self.show(event) }
                }
            )
            let environment = ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("ENV_") }
            let options = FlowRunner.Options(
                environment: Dictionary(
                    uniqueKeysWithValues: environment.map { (String($0.key.dropFirst(4)).lowercased(), $0.value) }
                )
            )
            let execution: Execution = try await storeOptions.withStore { store in
                var environment = FinOpsTaskEnvironment(store: store, outputDirectory: URL(fileURLWithPath: output))
                environment.metrics = registry
                runner.services[FinOpsTaskEnvironment.self] = environment
                do {
                    return try await runner.run(flow, inputs: values, options: options)
                } catch let error as FlowRunError {
                    throw DataError(message: error.problems.joined(separator: "\nerror: "))
                }
            }
            if text {
                let seconds = (execution.endDate ?? execution.startDate).timeIntervalSince(execution.startDate)
                print("execution \(execution.id) \(execution.state.rawValue) in \(String(format: "%.3f", seconds)) s")
                for (key, value) in execution.outputs { print("output \(key) = \(value.rendered)") }
            } else {
                print(execution.summary.json)
            }
            guard execution.state.isSuccessful else { throw ExitCode(1) }
        }

        @Sendable static func show(_ event: ExecutionEvent) {
            switch event {
            case .taskRunChanged(let run):
                // The first attempt starting repeats the task run's RUNNING.
                if run.state == .running && run.attempts.count == 1 { return }
                let value = run.value.map { " [\($0)]" } ?? ""
                let attempt = run.attempts.count > 1 ? " (attempt \(run.attempts.count))" : ""
                print(
                    "\(run.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(run.taskId)\(value)\(attempt)"
                )
            case .log(let entry):
                print(
                    "  \(entry.level.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) \(entry.taskId ?? "flow"): \(entry.message)"
                )
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run YAML test suites (Kestra's format) against their flows.",
            discussion: """
                Prints one line per test case and a summary; exits 1 when a case fails or errors. Flows are looked up \
                by namespace and id in the --flows directories (default: the directories of the suites).
                """
        )

        @Argument(help: "Test suite files, or directories (files with testCases are suites).")
        var paths: [String]

        @Option(name: .customLong("flows"), help: "A directory of flows (repeatable).")
        var flowDirectories: [String] = []

        @Option(help: "text: a line per case and a summary; junit: JUnit XML for CI systems.")
        var format: ReportFormat = .text

        @Flag(help: "Allow tasks that run processes on this machine (shell Commands and Script).")
        var allowProcesses = false

        @Option(
            help: "The store FinOps tasks use (default: a new, empty store in a temporary folder, removed afterwards)."
        )
        var store: String?

        enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
            case text, junit
        }

        func run() async throws {
            // Suites are the files with testCases; the others are flows (read, and reported, with the flows below).
            var files: [URL] = []
            var suites: [TestSuite] = []
            var invalid = false
            for file in try FlowFiles.expand(paths) {
                guard let root = try? YAMLNode.parse(contentsOf: file), TestSuite.isTestSuite(root) else { continue }
                files.append(file)
                do {
                    suites.append(try TestSuite(root, file: file.path))
                } catch {
                    invalid = true
                    for diagnostic in error.diagnostics { printError(render(diagnostic)) }
                }
            }
            guard !files.isEmpty else {
                throw DataError(
                    message: "no test suite (a YAML file with testCases) in \(paths.joined(separator: ", "))"
                )
            }
            let directories =
                flowDirectories.isEmpty
                ? Array(Set(files.map { $0.deletingLastPathComponent().path })).sorted() : flowDirectories
            let flows: FlowRepository
            do {
                flows = try FlowRepository(
                    directories: directories.map { URL(fileURLWithPath: $0) },
                    parser: FlowParser(registry: FlowCommand.registry(allowProcesses: allowProcesses))
                )
            } catch {
                for diagnostic in error.diagnostics { printError(render(diagnostic)) }
                throw DataError(message: "the flows are invalid")
            }
            guard !invalid else { throw DataError(message: "invalid test suites") }
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "finops-test-\(UUID().uuidString)"
            )
            defer { try? FileManager.default.removeItem(at: scratch) }
            let location = StoreOptions(location: store ?? scratch.appendingPathComponent("store").path)
            let results = try await location.withStore { store in
                var services = TaskServices()
                services[FinOpsTaskEnvironment.self] = FinOpsTaskEnvironment(
                    store: store,
                    outputDirectory: scratch.appendingPathComponent("output")
                )
                // Cases run one after another: they share the store.
                let runner = TestSuiteRunner(flows: flows, services: services, concurrency: 1)
                var results: [TestSuiteResult] = []
                for suite in suites { results.append(await runner.run(suite)) }
                return results
            }
            print(
                format == .junit ? TestReport.junit(results) : TestReport.text(results),
                terminator: format == .junit ? "" : "\n"
            )
            if results.contains(where: { $0.state == .failed || $0.state == .error }) { throw ExitCode(1) }
        }
    }
}

/// Flow files named on the command line, directories expanded to their .yml/.yaml files.
enum FlowFiles {
    static func expand(_ paths: [String]) throws -> [URL] {
        var files: [URL] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw DataError(message: "\(path): no such file or directory")
            }
            guard isDirectory.boolValue else {
                files.append(URL(fileURLWithPath: path))
                continue
            }
            files += FlowRepository.yamlFiles(under: URL(fileURLWithPath: path))
        }
        return files
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// A diagnostic as `file:line:column: message`, with the flag that fixes it where there is one.
func render(_ diagnostic: FlowDiagnostic) -> String {
    switch diagnostic.code {
    case .processTasksDisabled: diagnostic.description + "; pass --allow-processes to run them"
    default: diagnostic.description
    }
}
