import FinOpsCore
import FlowEngine
import Foundation
import PivotKit

/// `io.finops.cost.Pivot`: a pivot of the stored costs (pushed down to the store where it can), with the pivot
/// command's syntax.
///
/// ```yaml
/// - id: by_service
///   type: io.finops.cost.Pivot
///   rows: [ServiceName]
///   columns: ["month(ChargePeriodStart)"]
///   measures: ["sum(EffectiveCost)"]
///   where: "ChargeCategory = 'Usage'"
///   top: 10
/// ```
/// Outputs: `rows` (one map per cell: each dimension's member, null in totals, and each measure, amounts exact),
/// `size` (the number of cells) and `uri` (the result as a CSV file).
struct PivotTask: TaskType {
    static let typeNames = ["io.finops.cost.Pivot"]
    let query: TaskSetting<PivotQuery>
    let output: Template?

    init(properties: TaskProperties) throws {
        let rows = properties.setting("rows", required: true) { try PivotSyntax.dimensions($0) }
        let columns = properties.setting("columns") { try PivotSyntax.dimensions($0) }
        let measures = properties.setting("measures") { try PivotSyntax.measures($0) }
        let filter = properties.setting("where") { try PivotSyntax.filter($0) }
        let having = properties.setting("having") { try PivotSyntax.having($0) }
        let sort = properties.setting("sort") { try PivotSyntax.sortKeys($0) }
        let top = properties.setting("top") { try TopText.parse($0) }
        let limit = properties.integerSetting("limit", in: 1...Int(Int32.max))
        let totals = properties.choiceSetting("totals") as TaskSetting<PivotTotals>?
        let timeZone = properties.setting("timeZone") { text in
            guard TimeZone(identifier: text) != nil else { throw SettingError("is not an IANA time zone: '\(text)'") }
            return text
        }
        output = properties.template("to")
        guard let rows else { throw properties.invalid }
        query = TaskSetting.combining(property: "query") { context in
            let measures = try measures?.value(in: context) ?? [.sum("EffectiveCost")]
            return PivotQuery(
                rows: try rows.value(in: context),
                columns: try columns?.value(in: context) ?? [],
                measures: measures,
                filter: try filter?.value(in: context),
                totals: try totals?.value(in: context) ?? .none,
                timeZone: try timeZone?.value(in: context) ?? "UTC",
                having: try having?.value(in: context),
                top: try top?.value(in: context).map { count, measure in TopN(count, by: measure ?? measures[0]) },
                sort: try sort?.value(in: context) ?? [],
                limit: try limit?.value(in: context)
            )
        }
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let environment = try context.finOps
        let result = try await environment.pivot(try query.value(in: context), context: context)
        let file = try environment.outputFile(
            named: "\(context.taskId).csv",
            path: try output.map { try context.render($0) },
            context: context
        )
        try await environment.write(result.csv(), to: file)
        context.log(.info, "\(result.cells.count) cells; CSV at \(file.path)")
        return ["rows": FlowValue(cellsOf: result), "size": .int(result.cells.count), "uri": .string(file.path)]
    }
}

/// `top: 10` (ranked by the first measure) or `top: "10:sum(EffectiveCost)"`.
enum TopText {
    static func parse(_ text: String) throws -> (Int, Measure?)? {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard let first = parts.first, let count = Int(first.trimmingCharacters(in: .whitespaces)), count > 0 else {
            throw SettingError("takes N or N:MEASURE with N > 0, e.g. 10:sum(EffectiveCost), not '\(text)'")
        }
        guard parts.count > 1 else { return (count, nil) }
        let measures = try PivotSyntax.measures(String(parts[1]))
        guard measures.count == 1 else { throw SettingError("ranks by one measure, not '\(parts[1])'") }
        return (count, measures[0])
    }
}
