import ArgumentParser
import FinOpsServer
import FlowEngine
import Foundation

extension FlowCommand {
    struct Executions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "List the executions recorded with the store (by finops serve and finops scheduler), newest first."
        )

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "Only this flow: namespace.id, or an id.")
        var flow: String?

        @Option(help: "Only executions in this state (SUCCESS, FAILED, RUNNING, …).")
        var state: String?

        @Option(help: "At most this many.")
        var limit = 50

        @Option(help: "text: a line each; json: the records.")
        var format: OutputFormat = .text

        func run() async throws {
            var wanted: TaskState?
            if let state {
                guard let parsed = TaskState(rawValue: state.uppercased()) else {
                    throw ValidationError(
                        "--state is one of \(TaskState.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                wanted = parsed
            }
            let executions = try await storeOptions.openExecutions()
            let records: [ExecutionRecord]
            do {
                records = try await executions.list(flow: flow, state: wanted, limit: limit)
                await executions.close()
            } catch {
                await executions.close()
                throw DataError(message: "\(error)")
            }
            if format == .json {
                print(FlowValue.list(records.map(\.summary)).json)
                return
            }
            for record in records {
                let seconds =
                    record.endDate.map { String(format: "%.3f s", $0.timeIntervalSince(record.startDate)) } ?? ""
                print(
                    "\(record.id)  \(record.namespace).\(record.flowId)  \(record.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(ExecutionRecord.timestamp(record.startDate))  \(seconds)  \(record.startedBy)"
                )
            }
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a recorded execution's logs.")

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: "The execution's id.")
        var execution: String

        func run() async throws {
            let executions = try await storeOptions.openExecutions()
            let record: ExecutionRecord?
            do {
                record = try await executions.record(execution)
                await executions.close()
            } catch {
                await executions.close()
                throw DataError(message: "\(error)")
            }
            guard let record else { throw DataError(message: "no execution \(execution) is recorded with the store") }
            for entry in record.logs {
                print(
                    "\(ExecutionRecord.timestamp(entry.timestamp)) \(entry.level.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) \(entry.taskId ?? "flow"): \(entry.message)"
                )
            }
            for problem in record.problems { print("problem: \(problem)") }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a recorded execution's flow again with the same inputs; exits 1 unless it succeeds."
        )

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: "The execution's id.")
        var execution: String

        @Option(help: "The directory of flows the execution's flow is in.")
        var flows: String

        @Option(help: "Where flows' FinOps tasks write their files.")
        var output = "finops-output"

        @Flag(help: "Allow tasks that run processes on this machine (shell Commands and Script).")
        var allowProcesses = false

        func run() async throws {
            let executions = try await storeOptions.openExecutions()
            let record: ExecutionRecord = try await storeOptions.withStore { store in
                var configuration = FinOpsServer.Configuration(store: store)
                configuration.executions = executions
                configuration.flowsDirectory = URL(fileURLWithPath: flows)
                configuration.outputDirectory = URL(fileURLWithPath: output)
                configuration.allowsProcesses = allowProcesses
                do {
                    let record = try await FinOpsServer(configuration).replay(execution)
                    await executions.close()
                    return record
                } catch {
                    await executions.close()
                    throw DataError(message: "\(error)")
                }
            }
            print("execution \(record.id) \(record.state.rawValue) (a replay of \(execution))")
            guard record.state.isSuccessful else { throw ExitCode(1) }
        }
    }
}
