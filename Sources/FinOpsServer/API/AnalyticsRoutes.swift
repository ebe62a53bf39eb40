import FinOpsAnalytics
import FinOpsCore
import Foundation
import Hummingbird
import PivotKit

extension FinOpsServer {
    /// The analyses of `finops anomalies`, `finops forecast`, `finops budgets check` and `finops coverage` over the
    /// store, as JSON (one object per row of the CLI's table): `/api/v1/analytics/anomalies`, `…/forecast`,
    /// `…/budgets` (the server's budgets) and `…/coverage`.
    func addAnalyticsRoutes(to router: Router<ServerContext>) {
        let analytics = router.group("/api/v1/analytics")
        analytics.get("/anomalies") { request, context -> Response in
            _ = try context.require(.viewer)
            let query = try Self.seriesQuery(request)
            let impact = request.query("minImpact") ?? "1"
            guard let minimumImpact = ExactDecimal(impact), !minimumImpact.isNegative else {
                throw ServerError(.invalidRequest, "minImpact: '\(impact)' is not a decimal of 0 or more")
            }
            let options = AnomalyOptions(
                threshold: try Self.number(request, "threshold", default: 4, in: 0.5...100),
                minimumImpact: minimumImpact,
                minimumPercent: try Self.number(request, "minPercent", default: 20, in: 0...10_000) / 100
            )
            let contributors: [PivotDimension]
            do {
                contributors = try PivotSyntax.dimensions(request.query("contributors") ?? "ServiceName,SubAccountId")
            } catch {
                throw ServerError(.invalidQuery, "contributors: \(error)")
            }
            let detection = CostAnomalyDetection(series: query, options: options, contributorDimensions: contributors)
            let report = try await detection.run(answer: costs.pivot)
            return Answer.json(report.table.json() + "\n")
        }
        analytics.get("/forecast") { request, context -> Response in
            _ = try context.require(.viewer)
            let query = try Self.seriesQuery(request)
            let interval = try Self.number(request, "interval", default: 0.8, in: 0.5...0.99)
            let series = query.series(from: try await costs.pivot(query.pivot))
            guard let first = series.first else { throw ServerError(.notFound, "no rows match: nothing to forecast") }
            if request.query("monthEnd") == "true" {
                let totals = try Forecaster.monthEndTotals(series, interval: interval)
                return Answer.json(totals.table.json() + "\n")
            }
            let horizon = Int(
                try Self.number(request, "horizon", default: Double(Forecaster.daysToMonthEnd(of: first)), in: 1...366)
            )
            let forecasts = try Forecaster.forecast(
                series,
                options: ForecastOptions(horizon: horizon, interval: interval, fitWindow: 140)
            )
            return Answer.json(SeriesForecast.table(forecasts).json() + "\n")
        }
        analytics.get("/budgets") { request, context -> Response in
            _ = try context.require(.viewer)
            guard !configuration.budgets.isEmpty else {
                throw ServerError(
                    .notFound,
                    "the server was started without budgets (FinOpsServer.Configuration.budgets)"
                )
            }
            var day: CalendarDay?
            if let text = request.query("asOf"), !text.isEmpty {
                guard let parsed = CalendarDay(text) else {
                    throw ServerError(.invalidRequest, "asOf: '\(text)' is not a YYYY-MM-DD day")
                }
                day = parsed
            }
            let report = try await configuration.budgets.check(asOf: day, answer: costs.pivot)
            return Answer.json(report.table.json() + "\n")
        }
        analytics.get("/coverage") { request, context -> Response in
            _ = try context.require(.viewer)
            let keys = (request.query("tags") ?? "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !keys.isEmpty else {
                throw ServerError(.invalidRequest, "tags: give one or more tag keys, e.g. team,env")
            }
            let filter: FilterExpression?
            do {
                filter = try request.query("filter").flatMap { $0.isEmpty ? nil : try PivotSyntax.filter($0) }
            } catch {
                throw ServerError(.invalidQuery, "filter: \(error)")
            }
            let coverage = try await TagCoverage.measure(keys: keys, filter: filter, answer: costs.pivot)
            return Answer.json(coverage.table.json() + "\n")
        }
    }

    /// The daily series of `by` (dimensions), `measure` and `filter`.
    static func seriesQuery(_ request: Request) throws(ServerError) -> CostSeriesQuery {
        guard let by = request.query("by"), !by.isEmpty else {
            throw ServerError(.invalidRequest, "by: give the key dimensions of the series, e.g. ServiceName")
        }
        do {
            let measures = try PivotSyntax.measures(request.query("measure") ?? "sum(EffectiveCost)")
            guard measures.count == 1, let measure = measures.first else {
                throw ServerError(.invalidQuery, "measure: give one measure")
            }
            let filter = try request.query("filter").flatMap { $0.isEmpty ? nil : try PivotSyntax.filter($0) }
            return CostSeriesQuery(by: try PivotSyntax.dimensions(by), measure: measure, filter: filter)
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError(.invalidQuery, "\(error)")
        }
    }

    /// A numeric parameter within bounds.
    static func number(
        _ request: Request,
        _ name: String,
        default value: Double,
        in bounds: ClosedRange<Double>
    ) throws(ServerError) -> Double {
        guard let text = request.query(name), !text.isEmpty else { return value }
        guard let number = Double(text), bounds.contains(number) else {
            throw ServerError(
                .invalidRequest,
                "\(name): '\(text)' is not a number from \(bounds.lowerBound) to \(bounds.upperBound)"
            )
        }
        return number
    }
}
