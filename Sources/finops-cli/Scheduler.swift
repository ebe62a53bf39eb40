import ArgumentParser
import FinOpsCore
import FinOpsServer
import FlowEngine
import Foundation

extension FinOps {
    struct Scheduler: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fire the Schedule triggers of a directory of flows, recording executions with the store.",
            discussion: """
                What `finops serve` does besides serving pages, alone. Several schedulers (and servers) may share one \
                store: with PostgreSQL each tick fires once across machines, with an embedded store across the \
                processes of one machine. Runs until interrupted.
                Example:
                  finops scheduler --flows Examples/flows --store postgres://finops@db/finops
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "The directory of flows whose Schedule triggers fire.")
        var flows: String

        @Option(help: "Where flows' FinOps tasks write their files.")
        var output = "finops-output"

        @Flag(help: "Allow flows to run processes on this machine (shell Commands and Script).")
        var allowProcesses = false

        @Option(
            help: "Seconds between heartbeats of running executions; one silent for 3 is marked FAILED as abandoned."
        )
        var heartbeat = 10

        func run() async throws {
            let executions = try await storeOptions.openExecutions()
            try await storeOptions.withStore { store in
                var configuration = FinOpsServer.Configuration(store: store)
                configuration.executions = executions
                configuration.flowsDirectory = URL(fileURLWithPath: flows)
                configuration.outputDirectory = URL(fileURLWithPath: output)
                configuration.allowsProcesses = allowProcesses
                configuration.heartbeatInterval = .seconds(max(1, heartbeat))
                print("finops scheduler: firing the schedules of \(flows)")
                await FinOpsServer(configuration).runScheduler()
            }
            await executions.close()
        }
    }
}
