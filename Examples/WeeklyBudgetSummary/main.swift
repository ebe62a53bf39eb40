// Posts a weekly budget summary to a webhook: a flow of two FinOps tasks (CheckBudgets, Notify) run on a store the
// program opens. A scheduler (cron, or Kestra with the same flow) runs it every Monday.
//
//   swift run WeeklyBudgetSummary STORE WEBHOOK_URL [BUDGETS.yml]
import FinOpsCore
import FinOpsTasks
import FlowEngine
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: WeeklyBudgetSummary STORE WEBHOOK_URL [BUDGETS.yml]\n".utf8))
    exit(2)
}
do {
    let store = try EmbeddedCostStore(directory: URL(fileURLWithPath: arguments[0]))
    let flow = try FlowParser(registry: .finOps).parse(
        contentsOf: URL(fileURLWithPath: "Examples/WeeklyBudgetSummary/weekly_budget_summary.yml")
    )
    var runner = FlowRunner()
    runner.services[FinOpsTaskEnvironment.self] = FinOpsTaskEnvironment(store: store)
    var inputs: [String: FlowValue] = ["webhook": .string(arguments[1])]
    if arguments.count > 2 { inputs["budgets"] = .string(arguments[2]) }
    let execution = try await runner.run(flow, inputs: inputs)
    // The budgets task's own outputs: a flow's outputs exist only when it succeeds.
    let state = execution.taskRuns.first { $0.taskId == "budgets" }?.outputs["state"]?.rendered ?? "unknown"
    print("budgets \(state); the summary was \(execution.state.isSuccessful ? "posted" : "not posted")")
    exit(execution.state.isSuccessful ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
