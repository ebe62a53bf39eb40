import ArgumentParser
import FinOpsCore
import FinOpsTasks
import FlowEngine
import Foundation
import PGStore

extension FinOps {
    struct Doctor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the store, the disk, the flows and their schedules; print what to fix.",
            discussion: """
                Reads every stored period back against its checksums and totals, checks the data's freshness and the \
                free disk space, validates every flow file of the --flows folders and lists each schedule's next \
                fire time. Each line is green, yellow or red; a line that is not green says what fixes it.
                Exit codes: 0 all green, 3 the worst is yellow, 4 the worst is red.
                Examples:
                  finops doctor --flows Examples/flows
                  finops doctor --store postgres://finops@db/finops --format json
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Option(name: .customLong("flows"), help: "A folder of flows to check (repeatable).")
        var flowFolders: [String] = []

        @Option(help: "Data loaded longer ago than this many days is reported stale.")
        var staleDays: Double = 2

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() async throws {
            let location = storeOptions.location
            var doctor = FinOpsTasks.Doctor(
                storeName: storeOptions.displayName,
                storeFolder: location.scheme == nil ? URL(fileURLWithPath: location.value) : nil
            ) {
                var opener = CostStoreOpener()
                opener.registerPostgres()
                return try await opener.open(location)
            }
            doctor.flowFolders = flowFolders.map { URL(fileURLWithPath: $0) }
            doctor.staleAfter = staleDays * 86_400
            var registry = TaskRegistry.finOps
            registry.registerProcessTasks()
            doctor.registry = registry
            let checks = await doctor.run()
            switch format {
            case .json: try printJSON(checks)
            case .text:
                for check in checks {
                    let status = check.status.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                    print("\(status)\(check.subject): \(check.message)")
                    if let fix = check.fix { print("       fix: \(fix)\(hint(for: check.code))") }
                }
            }
            switch checks.map(\.status).max() ?? .green {
            case .green: return
            case .yellow: throw ExitCode(3)
            case .red: throw ExitCode(4)
            }
        }

        /// The command that applies a fix, where there is one.
        private func hint(for code: HealthCheck.Code) -> String {
            switch code {
            case .schemaOutdated: " (finops db migrate --url URL)"
            case .storeCorrupt: " (finops restore --from BACKUP, or finops ingest EXPORT)"
            case .storeEmpty: " (finops ingest EXPORT)"
            case .flowInvalid: " (finops flow validate FILE lists every problem)"
            default: ""
            }
        }
    }
}
