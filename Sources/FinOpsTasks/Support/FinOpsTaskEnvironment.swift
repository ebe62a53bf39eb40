import FinOpsCore
import FlowEngine
import Foundation
import PivotKit
import Prometheus

/// What FinOps tasks need from the program that runs a flow: the cost store and where files live.
///
/// A program puts one in the runner's services before it runs a flow that uses FinOps tasks:
///
/// ```swift
/// var runner = FlowRunner()
/// runner.services[FinOpsTaskEnvironment.self] = FinOpsTaskEnvironment(store: store)
/// ```
public struct FinOpsTaskEnvironment: Sendable {
    /// The store that tasks ingest into and ask their questions of (pushed down where the store can).
    public var store: any CostStore
    /// The directory that relative paths in task properties (exports, rules and budget files) are read from.
    public var workingDirectory: URL
    /// The directory under which tasks write files: `<flow id>/<execution id>/` inside it, unless a task names
    /// its own path.
    public var outputDirectory: URL
    /// Where tasks record what they did (ingest rows, bytes and seconds), and a ``FlowMetrics`` its task runs; the
    /// Metrics task writes it out beside the cost figures. `nil`: nothing is recorded.
    public var metrics: PrometheusCollectorRegistry?
    /// The pivot results tasks share (``pivot(_:context:)``); copies of the environment share them too.
    let sharedPivots = SharedPivots()

    /// An environment over a store; paths relative to the current directory, files under `finops-output/`.
    public init(store: any CostStore, workingDirectory: URL? = nil, outputDirectory: URL? = nil) {
        let current = workingDirectory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        self.store = store
        self.workingDirectory = current
        self.outputDirectory = outputDirectory ?? current.appendingPathComponent("finops-output")
    }

    /// Answers a pivot for a task: from the store (pushed down where it can), or with the result of the same
    /// question asked earlier in the execution while the store's periods are unchanged (a review's Report and
    /// Metrics tasks ask the same questions).
    func pivot(_ query: PivotQuery, context: TaskContext) async throws -> PivotResult {
        try await sharedPivots.pivot(query, store: store, execution: context.executionId)
    }

    /// A path as written in a flow, resolved against the working directory when it is relative.
    public func resolve(_ path: String) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path) }
        return workingDirectory.appendingPathComponent(path)
    }

    /// Where a task writes a file: the path it names (resolved), else `<flow>/<execution>/<name>` under the output
    /// directory. The folder is created.
    func outputFile(named name: String, path: String?, context: TaskContext) throws -> URL {
        let url =
            path.map(resolve)
            ?? outputDirectory.appendingPathComponent(context.flowId, isDirectory: true)
            .appendingPathComponent(context.executionId, isDirectory: true).appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
        } catch {
            throw TaskFailure("cannot create the folder of \(url.path): \(error.localizedDescription)")
        }
        return url
    }

    /// Writes a file in one step (a temporary file renamed over the target), so readers never see half of it.
    func write(_ text: String, to url: URL) async throws {
        try await BlockingIO.run {
            do {
                try Data(text.utf8).write(to: url, options: .atomic)
            } catch {
                throw TaskFailure("cannot write \(url.path): \(error.localizedDescription)")
            }
        }
    }

    /// Reads a file named in a flow (budgets, rules, rates) with `read`, off the cooperative pool.
    func load<Value: Sendable>(
        _ path: String,
        _ read: @escaping @Sendable (String) throws -> Value
    ) async throws -> Value {
        let resolved = resolve(path).path
        return try await BlockingIO.run { try read(resolved) }
    }
}

extension TaskContext {
    /// The FinOps environment the program handed in; a clear failure when there is none.
    var finOps: FinOpsTaskEnvironment {
        get throws {
            guard let environment = services[FinOpsTaskEnvironment.self] else {
                throw TaskFailure(
                    "this task needs a cost store, and the program running the flow gave none "
                        + "(FlowRunner.services[FinOpsTaskEnvironment.self])"
                )
            }
            return environment
        }
    }
}
