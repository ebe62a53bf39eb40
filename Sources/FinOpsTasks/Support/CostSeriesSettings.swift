import FinOpsAnalytics
import FlowEngine
import PivotKit

/// The properties that choose daily cost series: `by` (key dimensions), `measure` and `where`, shared by the
/// anomaly and forecast tasks.
struct CostSeriesSettings: Sendable {
    let query: TaskSetting<CostSeriesQuery>

    init?(_ properties: TaskProperties) {
        let by = properties.setting("by", required: true) { try PivotSyntax.dimensions($0) }
        let measure = properties.setting("measure") { text in
            let measures = try PivotSyntax.measures(text)
            guard measures.count == 1 else { throw SettingError("takes one measure, not '\(text)'") }
            return measures[0]
        }
        let filter = properties.setting("where") { try PivotSyntax.filter($0) }
        guard let by else { return nil }
        query = .combining(property: "by") { context in
            CostSeriesQuery(
                by: try by.value(in: context),
                measure: try measure?.value(in: context) ?? .sum("EffectiveCost"),
                filter: try filter?.value(in: context)
            )
        }
    }
}

/// The `where` property of analyses over the store.
extension TaskProperties {
    func filterSetting() -> TaskSetting<FilterExpression>? {
        setting("where") { try PivotSyntax.filter($0) }
    }
}
