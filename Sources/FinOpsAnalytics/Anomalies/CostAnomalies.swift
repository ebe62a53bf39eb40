import FinOpsCore
import PivotKit

/// A sub-dimension's member that explains part of an anomaly's impact.
public struct AnomalyContributor: Sendable, Hashable {
    /// The dimension (`ServiceName`).
    public var dimension: String
    /// Its member.
    public var value: String
    /// The member's value on the anomaly's day.
    public var actual: ExactDecimal
    /// Its usual value: the median of the same weekday over the four weeks before.
    public var expected: ExactDecimal
    /// actual − expected.
    public var impact: ExactDecimal
}

/// An anomaly of a cost series, with what explains it.
public struct CostAnomaly: Sendable, Hashable {
    /// The anomaly.
    public var anomaly: Anomaly
    /// The members that moved most in the anomaly's direction, per contributor dimension (at most three each).
    public var contributors: [AnomalyContributor]
}

/// Anomalies of daily cost per key, from any source of pivots.
public struct CostAnomalyDetection: Sendable {
    /// The series.
    public var series: CostSeriesQuery
    /// The detector's settings.
    public var options: AnomalyOptions
    /// The dimensions searched for contributors (those of the key are skipped).
    public var contributorDimensions: [PivotDimension]

    /// Creates a detection.
    public init(
        series: CostSeriesQuery,
        options: AnomalyOptions = .init(),
        contributorDimensions: [PivotDimension] = [
            .column("ServiceName"), .column("SubAccountId"), .column("ResourceId"),
        ]
    ) {
        self.series = series
        self.options = options
        self.contributorDimensions = contributorDimensions.filter { !series.dimensions.contains($0) }
    }

    /// What a run found.
    public struct Report: Sendable, Hashable {
        /// The anomalies, by day then series.
        public var anomalies: [CostAnomaly]
        /// How many series were examined.
        public var seriesCount: Int
        /// The last day of the data when it is still incomplete (fewer hours than the day before): not judged.
        public var incompleteDay: CalendarDay?
    }

    /// Runs the detection, asking `answer` for the pivots it needs (a store's `pivot`, or a table's).
    public func run(answer: (PivotQuery) async throws -> PivotResult) async throws -> Report {
        let result = try await answer(series.pivot)
        let allSeries = series.series(from: result)
        guard let lastDay = allSeries.map({ CalendarDay(containing: $0.instant(at: $0.values.count - 1)) }).max() else {
            return Report(anomalies: [], seriesCount: 0, incompleteDay: nil)
        }
        let incomplete = try await isIncomplete(lastDay, answer: answer) ? lastDay : nil
        var found: [Anomaly] = []
        for one in allSeries {
            let lastIndex = incomplete.map { CalendarDay(containing: one.start).distance(to: $0) }
            found += try AnomalyDetector.detect(one, options: options, incompleteFrom: lastIndex)
        }
        found.sort { ($0.timestamp, $0.series) < ($1.timestamp, $1.series) }
        let contributors = try await contributors(of: found, keys: result, answer: answer)
        return Report(
            anomalies: found.enumerated().map {
                CostAnomaly(anomaly: $0.element, contributors: contributors[$0.offset])
            },
            seriesCount: allSeries.count,
            incompleteDay: incomplete
        )
    }

    /// Runs the detection over a store, its pivots answered on the store's side where it can.
    public func run(on store: any CostStore, over periods: CostFilter = .all) async throws -> Report {
        try await run { query in try await store.pivot(query, over: periods) }
    }

    /// Runs the detection over a table.
    public func run(on table: CostTable) async throws -> Report {
        try await run { query in try table.pivot(query) }
    }

    /// Whether the last day has rows in fewer hours than the day before (its data is still arriving).
    private func isIncomplete(_ day: CalendarDay, answer: (PivotQuery) async throws -> PivotResult) async throws -> Bool
    {
        let range = FilterExpression.between(
            .column("ChargePeriodStart"),
            .text(day.advanced(by: -1).start.description),
            .text(Timestamp(microsecondsSinceEpoch: day.advanced(by: 1).start.microsecondsSinceEpoch - 1).description)
        )
        let query = PivotQuery(
            rows: [.time("ChargePeriodStart", .hour)],
            measures: [.count],
            filter: series.filter.map { .and($0, range) } ?? range
        )
        var hours: [Int: Int] = [:]
        for cell in try await answer(query).groups {
            guard case .time(let instant, _)? = cell.rowValues.first else { continue }
            hours[CalendarDay(containing: instant).daysSinceEpoch, default: 0] += 1
        }
        let last = hours[day.daysSinceEpoch] ?? 0
        let before = hours[day.daysSinceEpoch - 1] ?? 0
        return before > 1 && last < before
    }

    /// The members of each contributor dimension that moved most in each anomaly's direction.
    private func contributors(
        of anomalies: [Anomaly],
        keys result: PivotResult,
        answer: (PivotQuery) async throws -> PivotResult
    ) async throws -> [[AnomalyContributor]] {
        var found = [[AnomalyContributor]](repeating: [], count: anomalies.count)
        guard !anomalies.isEmpty, !contributorDimensions.isEmpty else { return found }
        let days = anomalies.compactMap { CalendarDay($0.timestamp) }
        guard let first = days.min(), let last = days.max() else { return found }
        let range = FilterExpression.between(
            .column("ChargePeriodStart"),
            .text(first.advanced(by: -28).start.description),
            .text(Timestamp(microsecondsSinceEpoch: last.advanced(by: 1).start.microsecondsSinceEpoch - 1).description)
        )
        for dimension in contributorDimensions {
            var query = series.pivot
            query.rows.insert(dimension, at: series.dimensions.count + 1)
            query.filter = series.filter.map { .and($0, range) } ?? range
            let answered: PivotResult
            do {
                answered = try await answer(query)
            } catch let error as PivotError where error.code == .invalidQuery {
                continue  // a source without the column (e.g. ResourceId not stored)
            }
            // Per series name and member: the values per day.
            var values: [String: [String: [Int: ExactDecimal]]] = [:]
            for cell in answered.groups {
                guard case .time(let instant, _)? = cell.rowValues.last else { continue }
                var key = Array(cell.rowValues.dropLast())
                let member = key.remove(at: series.dimensions.count + 1)
                let name = series.name(of: key)
                let value: ExactDecimal = if case .decimal(let v)? = cell.measures.first { v } else { .zero }
                values[name, default: [:]][member.map(\.description) ?? "(null)", default: [:]][
                    CalendarDay(containing: instant).daysSinceEpoch
                ] = value
            }
            for (index, anomaly) in anomalies.enumerated() {
                guard let day = CalendarDay(anomaly.timestamp), let members = values[anomaly.series] else { continue }
                var moved: [AnomalyContributor] = []
                for (member, perDay) in members {
                    let actual = perDay[day.daysSinceEpoch] ?? .zero
                    let history = (1...4).map { perDay[day.daysSinceEpoch - 7 * $0] ?? .zero }.sorted()
                    // The median of four: the mean of the middle two (each halved first, so it cannot overflow;
                    // within a unit of 10⁻¹⁸).
                    let expected = ExactDecimal(units: history[1].units / 2 + history[2].units / 2)
                    let impact: ExactDecimal
                    do {
                        impact = try actual.subtracting(expected)
                    } catch {
                        throw AnalyticsError(.overflow, "the contribution of \(dimension)=\(member): \(error)")
                    }
                    guard !impact.isZero, impact.isNegative == anomaly.impact.isNegative else { continue }
                    moved.append(
                        .init(
                            dimension: dimension.description,
                            value: member,
                            actual: actual,
                            expected: expected,
                            impact: impact
                        )
                    )
                }
                moved.sort {
                    $0.impact.units.magnitude != $1.impact.units.magnitude
                        ? $0.impact.units.magnitude > $1.impact.units.magnitude : $0.value < $1.value
                }
                found[index] += moved.prefix(3)
            }
        }
        return found
    }
}

extension CostAnomalyDetection.Report {
    /// One row per anomaly; contributors as `dimension=value (impact)` separated by `; `.
    public var table: ResultTable {
        var table = ResultTable(columns: [
            ("date", .text), ("key", .text), ("kind", .text), ("actual", .text), ("expected", .text), ("lower", .text),
            ("upper", .text), ("impact", .text), ("score", .number), ("contributors", .text),
        ])
        for found in anomalies {
            let a = found.anomaly
            let contributors = found.contributors.map { "\($0.dimension)=\($0.value) (\($0.impact))" }
            table.append([
                a.timestamp, a.series, a.kind.rawValue, a.actual.description, a.expected.description,
                a.lower.description, a.upper.description, a.impact.description, String(a.score),
                contributors.joined(separator: "; "),
            ])
        }
        return table
    }
}
