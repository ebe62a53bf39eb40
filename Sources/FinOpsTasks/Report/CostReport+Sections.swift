import FinOpsAnalytics
import FinOpsCore
import PivotKit

extension CostReport {
    /// Cost per member of a column in the month, the largest `top` and the rest as Others.
    static func shares(
        of column: String,
        cost: Measure,
        in scope: FilterExpression,
        _ options: Options,
        _ answer: (PivotQuery) async throws -> PivotResult
    ) async throws -> [Share] {
        let result = try await answer(
            PivotQuery(
                rows: [.column(column)],
                measures: [cost],
                filter: scope,
                top: TopN(options.top, by: cost),
                sort: [.measure(cost, descending: true)]
            )
        )
        return result.groups.compactMap { cell in
            guard let member = cell.rowValues.first ?? nil, case .decimal(let amount)? = cell.measures.first else {
                return nil
            }
            return Share(label: member == .null ? "(none)" : member.description, amount: amount)
        }
    }

    /// The services whose cost changed most between two ranges of days, by the size of the change.
    static func movers(
        scope: FilterExpression,
        cost: Measure,
        month: Range<CalendarDay>,
        before: Range<CalendarDay>,
        top: Int,
        answer: (PivotQuery) async throws -> PivotResult
    ) async throws -> [Mover] {
        func days(_ range: Range<CalendarDay>) -> FilterExpression {
            .and(
                .compare(.column("ChargePeriodStart"), .greaterOrEqual, .text(range.lowerBound.description)),
                .compare(.column("ChargePeriodStart"), .less, .text(range.upperBound.description))
            )
        }
        let result = try await answer(
            PivotQuery(
                rows: [.column("ServiceName")],
                columns: [.time("ChargePeriodStart", .month)],
                measures: [cost],
                filter: .and(scope, .or(days(before), days(month)))
            )
        )
        var before: [String: ExactDecimal] = [:]
        var after: [String: ExactDecimal] = [:]
        for cell in result.groups {
            guard let member = cell.rowValues.first ?? nil, case .time(let instant, _)? = cell.columnValues.first,
                case .decimal(let amount)? = cell.measures.first
            else { continue }
            if CalendarDay(containing: instant) < month.lowerBound {
                before[member.description] = amount
            } else {
                after[member.description] = amount
            }
        }
        var movers: [Mover] = []
        for label in Set(before.keys).union(after.keys) {
            let old = before[label] ?? .zero
            let new = after[label] ?? .zero
            guard let change = try? new.subtracting(old), !change.isZero else { continue }
            movers.append(Mover(label: label, previous: old, current: new, change: change))
        }
        movers.sort { ($0.change.units.magnitude, $1.label) > ($1.change.units.magnitude, $0.label) }
        return Array(movers.prefix(top))
    }

    /// Anomalies of single services whose day lies in the month, largest impact first.
    static func serviceAnomalies(
        scope: FilterExpression,
        cost: Measure,
        month: CalendarDay,
        end: CalendarDay,
        top: Int,
        answer: (PivotQuery) async throws -> PivotResult
    ) async throws -> [CostAnomaly] {
        let detection = CostAnomalyDetection(
            series: CostSeriesQuery(
                by: [.column("ServiceName")],
                measure: cost,
                filter: .and(
                    scope,
                    .compare(.column("ChargePeriodStart"), .less, .text(end.advanced(by: 1).description))
                )
            ),
            options: AnomalyOptions(minimumImpact: ExactDecimal(1)),
            contributorDimensions: [.column("SubAccountId"), .column("ResourceId")]
        )
        let found = try await detection.run(answer: answer).anomalies.filter { anomaly in
            CalendarDay(anomaly.anomaly.timestamp).map { $0 >= month && $0 <= end } ?? false
        }
        return Array(found.sorted { $0.anomaly.impact.units.magnitude > $1.anomaly.impact.units.magnitude }.prefix(top))
    }
}

extension CommitmentReport.Commitment {
    /// Used plus unused cost: what the commitment's usage came to (the largest value when it leaves the range).
    var committedCost: ExactDecimal {
        (try? usedCost.adding(unusedCost)) ?? .greatestFiniteMagnitude
    }
}
