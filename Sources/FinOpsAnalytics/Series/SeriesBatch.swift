import Foundation
import PivotKit

/// Runs an analysis of many series on all cores, the results in the series' order.
enum SeriesBatch {
    static func map<Output: Sendable>(
        _ series: [TimeSeries],
        _ body: @escaping @Sendable (TimeSeries) throws(AnalyticsError) -> Output
    ) throws(AnalyticsError) -> [Output] {
        guard series.count > 1 else { return try series.map { (one) throws(AnalyticsError) in try body(one) } }
        let parts = Swift.min(series.count, ProcessInfo.processInfo.activeProcessorCount * 4)
        let results = Parts.map(series.count, into: parts) { range -> Result<[Output], AnalyticsError> in
            var outputs: [Output] = []
            for index in range {
                switch Result(catching: { () throws(AnalyticsError) in try body(series[index]) }) {
                case .success(let output): outputs.append(output)
                case .failure(let error): return .failure(error)
                }
            }
            return .success(outputs)
        }
        var outputs: [Output] = []
        outputs.reserveCapacity(series.count)
        for result in results { outputs += try result.get() }
        return outputs
    }
}

extension AnomalyDetector {
    /// The anomalies of many series, found on all cores; in the series' order, each series' oldest first.
    public static func detect(
        _ series: [TimeSeries],
        options: AnomalyOptions = .init()
    ) throws(AnalyticsError)
        -> [Anomaly]
    {
        try SeriesBatch.map(series) { (one) throws(AnalyticsError) in try detect(one, options: options) }.flatMap { $0 }
    }
}

extension Forecaster {
    /// Forecasts many series on all cores, in their order.
    public static func forecast(
        _ series: [TimeSeries],
        options: ForecastOptions
    ) throws(AnalyticsError)
        -> [SeriesForecast]
    {
        try SeriesBatch.map(series) { (one) throws(AnalyticsError) in try forecast(one, options: options) }
    }
}
