// An embedding program: the FinOps task types and one of its own in the same flow, on a store it opens itself.
//
//   swift run TeamDigest [STORE]        (run from the package's folder; STORE defaults to a new temporary one)
import FinOpsCore
import FinOpsTasks
import FlowEngine
import Foundation

let location =
    CommandLine.arguments.dropFirst().first
    ?? FileManager.default.temporaryDirectory.appendingPathComponent("team-digest-\(UUID().uuidString)").path
let store = try EmbeddedCostStore(directory: URL(fileURLWithPath: location))

var registry = TaskRegistry.finOps
registry.register(TeamDigestTask.self)
let flow = try FlowParser(registry: registry).parse(
    contentsOf: URL(fileURLWithPath: "Examples/TeamDigest/team_digest.yml")
)
var runner = FlowRunner()
runner.services[FinOpsTaskEnvironment.self] = FinOpsTaskEnvironment(store: store)
let execution = try await runner.run(flow)
guard execution.state.isSuccessful, case .map(let messages)? = execution.outputs["messages"] else {
    FileHandle.standardError.write(Data("the digest ended \(execution.state.rawValue)\n".utf8))
    exit(1)
}
for (_, message) in messages { print(message.rendered) }
