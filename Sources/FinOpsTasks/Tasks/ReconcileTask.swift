import FinOpsAnalytics
import FlowEngine
import Foundation
import PivotKit

/// `io.finops.cost.Reconcile`: billed cost per invoice, account and billing period, and the FOCUS invariants the
/// data breaks (purchases without effective cost, amortisation that adds up).
///
/// Properties: `where`, `strict` (fail the task when an invariant is broken; otherwise it ends WARNING). Outputs:
/// `invoices`, `violations` (as text) and `valid` (whether every checked invariant holds).
struct ReconcileTask: TaskType {
    static let typeNames = ["io.finops.cost.Reconcile"]
    let filter: TaskSetting<FilterExpression>?
    let strict: TaskSetting<Bool>?

    init(properties: TaskProperties) throws {
        filter = properties.filterSetting()
        strict = properties.boolSetting("strict")
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let environment = try context.finOps
        let result = try await Reconciliation.run(filter: try filter?.value(in: context)) { query in
            try await environment.pivot(query, context: context)
        }
        let violations = result.violations.map(\.description)
        for violation in violations { context.log(.warn, violation) }
        if !violations.isEmpty {
            if try strict?.value(in: context) == true {
                throw TaskFailure("\(violations.count) invariants broken: \(violations[0])")
            }
            context.markWarning()
        }
        return [
            "invoices": FlowValue(rowsOf: result.table),
            "violations": .list(violations.map(FlowValue.string)),
            "valid": .bool(violations.isEmpty),
        ]
    }
}
