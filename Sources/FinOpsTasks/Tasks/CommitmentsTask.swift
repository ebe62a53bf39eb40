import FinOpsAnalytics
import FlowEngine
import Foundation
import PivotKit

/// `io.finops.cost.Commitments`: commitment discounts' utilization, unused cost and savings, and how much of each
/// service's usage they cover.
///
/// Properties: `where`, `minUtilization` (percent: end the task WARNING when a commitment is used less). Outputs:
/// `commitments` (per commitment and currency), `coverage` (per service) and `underused` (the ids below
/// `minUtilization`).
struct CommitmentsTask: TaskType {
    static let typeNames = ["io.finops.cost.Commitments"]
    let filter: TaskSetting<FilterExpression>?
    let minUtilization: TaskSetting<Double>?

    init(properties: TaskProperties) throws {
        filter = properties.filterSetting()
        minUtilization = properties.numberSetting("minUtilization", in: 0...100)
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let environment = try context.finOps
        let report = try await CommitmentReport.measure(filter: try filter?.value(in: context)) { query in
            try await environment.pivot(query, context: context)
        }
        var underused: [FlowValue] = []
        if let minimum = try minUtilization?.value(in: context) {
            for commitment in report.commitments {
                guard let text = commitment.utilizationPercent, let percent = Double(text), percent < minimum else {
                    continue
                }
                underused.append(.string(commitment.id))
                context.log(.warn, "\(commitment.id) is \(text)% used, below \(minimum)%")
            }
            if !underused.isEmpty { context.markWarning() }
        }
        return [
            "commitments": FlowValue(rowsOf: report.table),
            "coverage": FlowValue(rowsOf: report.coverageTable),
            "underused": .list(underused),
        ]
    }
}
