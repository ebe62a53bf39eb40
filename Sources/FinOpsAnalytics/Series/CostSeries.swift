import FinOpsCore
import PivotKit

/// Daily series of a cost measure per key of some dimensions, built from one pivot (which a store answers on its
/// side where it can). Each key's series starts on its first day with a value and runs, days without rows counted
/// as 0, to the last day of the data; the currency is part of every key, so amounts are never mixed.
public struct CostSeriesQuery: Sendable, Hashable {
    /// The dimensions of the key.
    public var dimensions: [PivotDimension]
    /// The measure (a sum of a cost or quantity column).
    public var measure: Measure
    /// Which rows count.
    public var filter: FilterExpression?

    /// Creates a query.
    public init(
        by dimensions: [PivotDimension],
        measure: Measure = .sum("EffectiveCost"),
        filter: FilterExpression? = nil
    ) {
        self.dimensions = dimensions
        self.measure = measure
        self.filter = filter
    }

    /// The key's dimensions with the currency: added unless the key already has it.
    private var keyDimensions: [PivotDimension] {
        dimensions.contains(.column("BillingCurrency")) ? dimensions : dimensions + [.column("BillingCurrency")]
    }

    /// The pivot whose groups become the series.
    public var pivot: PivotQuery {
        PivotQuery(
            rows: keyDimensions + [.time("ChargePeriodStart", .day)],
            measures: [measure],
            filter: filter
        )
    }

    /// The series of a result of ``pivot``, sorted by key.
    public func series(from result: PivotResult) -> [TimeSeries] {
        var perKey: [[DimensionValue?]: [Int: ExactDecimal]] = [:]
        var lastDay = Int.min
        for cell in result.groups {
            guard case .time(let instant, _)? = cell.rowValues.last else { continue }
            let day = CalendarDay(containing: instant).daysSinceEpoch
            lastDay = Swift.max(lastDay, day)
            let key = Array(cell.rowValues.dropLast())
            let value: ExactDecimal =
                switch cell.measures.first {
                case .decimal(let value)?: value
                case .integer(let count)?: ExactDecimal(count)
                default: .zero
                }
            perKey[key, default: [:]][day] = value
        }
        return perKey.keys.sorted { lhs, rhs in
            for (a, b) in zip(lhs, rhs) where a != b { return (a ?? .null) < (b ?? .null) }
            return false
        }
        .compactMap { key in
            guard let days = perKey[key], let first = days.keys.min() else { return nil }
            let values = (first...lastDay).map { days[$0] ?? .zero }
            return TimeSeries(name: name(of: key), first: CalendarDay(daysSinceEpoch: first), daily: values)
        }
    }

    /// `ServiceName=Amazon EC2, BillingCurrency=USD`.
    public func name(of key: [DimensionValue?]) -> String {
        let names = keyDimensions.map(\.description)
        return zip(names, key).map { "\($0.0)=\($0.1.map(\.description) ?? "(null)")" }.joined(separator: ", ")
    }
}
