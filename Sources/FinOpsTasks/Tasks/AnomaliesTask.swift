import FinOpsAnalytics
import FinOpsCore
import FlowEngine
import Foundation
import PivotKit

/// `io.finops.cost.Anomalies`: days whose cost departs from its usual weekly pattern, with the members that
/// explain them.
///
/// ```yaml
/// - id: anomalies
///   type: io.finops.cost.Anomalies
///   by: [ServiceName]
///   minImpact: 50
///   warnOnAnomalies: true
/// ```
/// Properties: `by`, `measure` (default `sum(EffectiveCost)`), `where`, `threshold` (robust spreads, default 4),
/// `minImpact` (default 1), `minPercent` (default 20), `season` (default 7), `contributors` (default
/// `ServiceName,SubAccountId,ResourceId`), `warnOnAnomalies` (end the task WARNING when any is found).
/// Outputs: `count`, `series` (how many series were examined), `anomalies` (one map per anomaly: day, series,
/// kind, actual, expected, bounds, impact, contributors) and `incompleteDay` (not judged), if any.
struct AnomaliesTask: TaskType {
    static let typeNames = ["io.finops.cost.Anomalies"]
    let series: CostSeriesSettings
    let threshold: TaskSetting<Double>?
    let minImpact: TaskSetting<ExactDecimal>?
    let minPercent: TaskSetting<Double>?
    let season: TaskSetting<Int>?
    let contributors: TaskSetting<[PivotDimension]>?
    let warnOnAnomalies: TaskSetting<Bool>?

    init(properties: TaskProperties) throws {
        let series = CostSeriesSettings(properties)
        threshold = properties.numberSetting("threshold", in: 0...1_000)
        minImpact = properties.setting("minImpact") { text in
            guard let amount = ExactDecimal(text.trimmingWhitespace), !amount.isNegative else {
                throw SettingError("takes a decimal not below 0, not '\(text)'")
            }
            return amount
        }
        minPercent = properties.numberSetting("minPercent", in: 0...1_000_000)
        season = properties.integerSetting("season", in: 0...10_000)
        contributors = properties.setting("contributors") { try PivotSyntax.dimensions($0) }
        warnOnAnomalies = properties.boolSetting("warnOnAnomalies")
        guard let series else { throw properties.invalid }
        self.series = series
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let environment = try context.finOps
        let options = AnomalyOptions(
            threshold: try threshold?.value(in: context) ?? 4,
            minimumImpact: try minImpact?.value(in: context) ?? ExactDecimal(1),
            minimumPercent: (try minPercent?.value(in: context) ?? 20) / 100,
            season: try season?.value(in: context) ?? 7
        )
        let detection = CostAnomalyDetection(
            series: try series.query.value(in: context),
            options: options,
            contributorDimensions: try contributors?.value(in: context)
                ?? [.column("ServiceName"), .column("SubAccountId"), .column("ResourceId")]
        )
        let report = try await detection.run { query in try await environment.pivot(query, context: context) }
        if let day = report.incompleteDay { context.log(.info, "\(day) is still incomplete; not judged") }
        context.log(
            report.anomalies.isEmpty ? .info : .warn,
            "\(report.anomalies.count) anomalies in \(report.seriesCount) series"
        )
        if try warnOnAnomalies?.value(in: context) == true, !report.anomalies.isEmpty { context.markWarning() }
        var outputs: TaskOutputs = [
            "count": .int(report.anomalies.count),
            "series": .int(report.seriesCount),
            "anomalies": .list(report.anomalies.map(Self.value(of:))),
        ]
        if let day = report.incompleteDay { outputs["incompleteDay"] = .string(day.description) }
        return outputs
    }

    static func value(of found: CostAnomaly) -> FlowValue {
        let anomaly = found.anomaly
        return [
            "day": .string(anomaly.timestamp),
            "series": .string(anomaly.series),
            "kind": .string(anomaly.kind.rawValue),
            "actual": FlowValue(exactly: anomaly.actual),
            "expected": FlowValue(exactly: anomaly.expected),
            "lower": FlowValue(exactly: anomaly.lower),
            "upper": FlowValue(exactly: anomaly.upper),
            "impact": FlowValue(exactly: anomaly.impact),
            "contributors": .list(
                found.contributors.map { contributor in
                    [
                        "dimension": .string(contributor.dimension),
                        "value": .string(contributor.value),
                        "impact": FlowValue(exactly: contributor.impact),
                    ]
                }
            ),
        ]
    }
}
