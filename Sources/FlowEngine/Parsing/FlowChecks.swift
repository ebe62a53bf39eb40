/// Checks across a whole flow: Dag dependencies and cycles, subflows calling their own flow.
struct FlowChecks {
    let sink: DiagnosticSink

    func check(_ flow: Flow) {
        for task in flow.allTasks {
            if case .flowable(let flowable) = task.body, case .dag(let nodes, _) = flowable.kind {
                checkDag(nodes)
            }
            if case .subflow(let call) = task.body, call.namespace.isConstant, call.flowId.isConstant,
                call.namespace.source == flow.namespace, call.flowId.source == flow.id
            {
                sink.report(
                    "task '\(task.id)' calls its own flow \(flow.namespace).\(flow.id): a flow cannot call itself",
                    at: task.location
                )
            }
        }
    }

    private func checkDag(_ nodes: [DagNode]) {
        let ids = Set(nodes.map(\.task.id))
        for node in nodes {
            for (index, dependency) in node.dependsOn.enumerated() where !ids.contains(dependency) {
                sink.report(
                    "task '\(node.task.id)' depends on '\(dependency)', which is not a task of this Dag",
                    at: index < node.dependencyLocations.count ? node.dependencyLocations[index] : node.task.location
                )
            }
        }
        // Depth-first search; the first back edge found closes a cycle, which is reported with its members in order.
        var state: [String: Int] = [:]
        var path: [String] = []
        let byID = Dictionary(nodes.map { ($0.task.id, $0) }, uniquingKeysWith: { first, _ in first })
        var reported = false
        func visit(_ id: String) {
            guard !reported, let node = byID[id] else { return }
            state[id] = 1
            path.append(id)
            for dependency in node.dependsOn where byID[dependency] != nil {
                if state[dependency] == 1 {
                    let cycle = Array(path[path.lastIndex(of: dependency)!...]) + [dependency]
                    sink.report(
                        "dependency cycle: \(cycle.joined(separator: " → "))",
                        at: byID[dependency]!.task.location
                    )
                    reported = true
                    return
                }
                if state[dependency] == nil { visit(dependency) }
                if reported { return }
            }
            path.removeLast()
            state[id] = 2
        }
        for node in nodes where state[node.task.id] == nil && !reported { visit(node.task.id) }
    }
}
