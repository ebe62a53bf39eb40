import FinOpsAnalytics
import FinOpsCore
import FlowEngine
import Foundation
import PivotKit

/// `io.finops.cost.Report`: the cost review of a month as one self-contained HTML file (``CostReport``).
///
/// ```yaml
/// - id: report
///   type: io.finops.cost.Report
///   title: Monthly cost review
///   budgets: budgets/budgets.yml
///   rules: allocation/rules.yml
///   tags: [team, env]
///   pivots:
///     - title: Cost by service and month
///       rows: [ServiceName]
///       columns: ["month(ChargePeriodStart)"]
///       top: 8
/// ```
/// Properties: `title`, `month` (YYYY-MM, default the data's last), `currency` (default the largest), `where`,
/// `budgets`, `rules`, `tags`, `pivots` (each with `title`, `rows`, and optionally `columns`, `measures`, `where`,
/// `top`, `totals`) and `to` (the file; default under the output directory). Outputs: `uri`, `month`, `currency`,
/// `total` (the month's cost) and `bytes`.
struct ReportTask: TaskType {
    static let typeNames = ["io.finops.cost.Report"]
    let title: Template?
    let review: ReportSettings
    let pivots: [CostReport.TitledPivot]
    let output: Template?

    init(properties: TaskProperties) throws {
        title = properties.template("title")
        review = ReportSettings(properties)
        output = properties.template("to")
        var pivots: [CostReport.TitledPivot] = []
        for item in properties.node("pivots")?.items ?? [] {
            guard item.pairs != nil else {
                properties.report("each of 'pivots' is a map with title, rows, columns, measures, …", at: item)
                continue
            }
            if let pivot = Self.pivot(properties.nested(item)) { pivots.append(pivot) }
        }
        self.pivots = pivots
        if properties.node("pivots").map({ $0.items == nil }) == true {
            properties.report("'pivots' is a list of pivot tables", at: "pivots")
        }
    }

    /// A pivot table of the report, written with constants (checked when the flow is read).
    private static func pivot(_ properties: TaskProperties) -> CostReport.TitledPivot? {
        let title = properties.string("title", required: true)
        let rows = properties.setting("rows", required: true) { try PivotSyntax.dimensions($0) }
        let columns = properties.setting("columns") { try PivotSyntax.dimensions($0) }
        let measures = properties.setting("measures") { try PivotSyntax.measures($0) }
        let filter = properties.filterSetting()
        let top = properties.setting("top") { try TopText.parse($0) }
        let totals = properties.choiceSetting("totals") as TaskSetting<PivotTotals>?
        properties.reportUnknownProperties(of: "a report pivot")
        let constant = [
            rows?.isConstant, columns?.isConstant, measures?.isConstant, filter?.isConstant, top?.isConstant,
            totals?.isConstant,
        ]
        if constant.contains(false) {
            properties.report(
                "a report's pivots are written without expressions: they are checked when the flow is read"
            )
            return nil
        }
        guard let title, let dimensions = rows?.constantValue else { return nil }
        let measureList = measures?.constantValue ?? [.sum("EffectiveCost")]
        let ranking = top?.constantValue ?? nil
        return CostReport.TitledPivot(
            title: title,
            query: PivotQuery(
                rows: dimensions,
                columns: columns?.constantValue ?? [],
                measures: measureList,
                filter: filter?.constantValue,
                totals: totals?.constantValue ?? .grand,
                top: ranking.map { count, measure in TopN(count, by: measure ?? measureList[0]) }
            )
        )
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let environment = try context.finOps
        var options = try await review.options(in: context, environment: environment)
        if let title { options.title = try context.render(title) }
        options.pivots = pivots
        options.generated = Self.timestamp(context.now)
        let report = try await CostReport.build(options: options) { query in
            try await environment.pivot(query, context: context)
        }
        let html = report.html()
        let file = try environment.outputFile(
            named: "\(context.taskId).html",
            path: try output.map { try context.render($0) },
            context: context
        )
        try await environment.write(html, to: file)
        context.log(.info, "the \(report.currency) report of \(report.month) is at \(file.path)")
        return [
            "uri": .string(file.path),
            "month": .string(report.month),
            "currency": .string(report.currency),
            "total": FlowValue(exactly: report.monthTotal),
            "bytes": .int(html.utf8.count),
        ]
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
