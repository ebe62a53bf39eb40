import Foundation

/// A forecasting method fitted to a series: point forecasts and the weights ψ_j of its errors' moving-average form,
/// from which the variance of every horizon and of sums over horizons follow.
struct FittedMethod: Sendable {
    enum Kind: Sendable, Hashable {
        case smoothing(ExponentialSmoothing)
        case naive
        case seasonalNaive(Int)
        /// The mean of the same phase over the last `cycles` seasons.
        case seasonalMean(Int, cycles: Int)
    }

    var kind: Kind
    var name: String
    /// The point forecasts are computed for this many steps.
    var points: [Double]
    /// ψ_1, ψ_2, …: the error at step h is ε_h + Σ_{j<h} ψ_j ε_{h−j}.
    var psi: [Double]
    /// The one-step error variance.
    var sigma2: Double
    var aicc: Double

    static func fit(_ kind: Kind, to y: [Double], horizon: Int) -> FittedMethod? {
        switch kind {
        case .smoothing(let model):
            guard let fit = model.fit(y) else { return nil }
            return FittedMethod(
                kind: kind,
                name: model.name,
                points: fit.forecast(horizon),
                psi: fit.errorWeights(horizon),
                sigma2: fit.sigma2,
                aicc: fit.aicc
            )
        case .naive:
            guard y.count >= 2, let last = y.last else { return nil }
            var sse = 0.0
            for t in 1..<y.count { sse += (y[t] - y[t - 1]) * (y[t] - y[t - 1]) }
            return FittedMethod(
                kind: kind,
                name: "Naive",
                points: Array(repeating: last, count: horizon),
                psi: Array(repeating: 1, count: Swift.max(horizon - 1, 0)),
                sigma2: sse / Double(y.count - 1),
                aicc: .infinity
            )
        case .seasonalMean(let m, let cycles):
            guard m > 1, cycles >= 1, y.count >= m * (cycles + 1) else { return nil }
            func mean(at t: Int) -> Double {
                var sum = 0.0
                for k in 1...cycles { sum += y[t - k * m] }
                return sum / Double(cycles)
            }
            var sse = 0.0
            for t in (m * cycles)..<y.count { sse += (y[t] - mean(at: t)) * (y[t] - mean(at: t)) }
            let points = (0..<horizon).map { h in
                var sum = 0.0
                for k in 1...cycles { sum += y[y.count - k * m + h % m] }
                return sum / Double(cycles)
            }
            // Treated as a seasonal random walk for its intervals: conservative for a mean.
            return FittedMethod(
                kind: kind,
                name: "SeasonalMean(\(m)×\(cycles))",
                points: points,
                psi: (1..<Swift.max(horizon, 1)).map { $0 % m == 0 ? 1 : 0 },
                sigma2: sse / Double(y.count - m * cycles),
                aicc: .infinity
            )
        case .seasonalNaive(let m):
            guard m > 1, y.count >= m + 2 else { return nil }
            var sse = 0.0
            for t in m..<y.count { sse += (y[t] - y[t - m]) * (y[t] - y[t - m]) }
            let lastSeason = Array(y[(y.count - m)...])
            return FittedMethod(
                kind: kind,
                name: "SeasonalNaive(\(m))",
                points: (0..<horizon).map { lastSeason[$0 % m] },
                psi: (1..<Swift.max(horizon, 1)).map { $0 % m == 0 ? 1 : 0 },
                sigma2: sse / Double(y.count - m),
                aicc: .infinity
            )
        }
    }

    /// The mean of several methods' forecasts. Its intervals are those of the widest member at the last step:
    /// a mean's errors are rarely larger than its members', so this errs on the side of coverage.
    static func mean(of methods: [FittedMethod]) -> FittedMethod? {
        guard let first = methods.first else { return nil }
        guard methods.count > 1 else { return first }
        var combined = methods.max { $0.variances.last ?? 0 < $1.variances.last ?? 0 } ?? first
        combined.points = first.points.indices.map { index in
            methods.reduce(0) { $0 + $1.points[index] } / Double(methods.count)
        }
        combined.name = "Mean(" + methods.map(\.name).joined(separator: ", ") + ")"
        return combined
    }

    /// The error variance at h = 1...points.count.
    var variances: [Double] {
        var sum = 1.0
        return points.indices.map { index in
            if index >= 1 { sum += psi[index - 1] * psi[index - 1] }
            return sigma2 * sum
        }
    }

    /// The error variance of the sum of the forecasts at steps `first...last` (1-based): the error at step h is
    /// Σ_{k≤h} ψ_{h−k} ε_k (ψ_0 = 1), so ε_k enters the sum with Σ_{h=max(first,k)}^{last} ψ_{h−k}.
    func varianceOfSum(from first: Int, through last: Int) -> Double {
        guard first >= 1, last >= first else { return 0 }
        // cumulative[j] = ψ_0 + … + ψ_j
        var cumulative: [Double] = [1]
        for j in 0..<(last - 1) { cumulative.append(cumulative[j] + psi[j]) }
        var total = 0.0
        for k in 1...last {
            let low = Swift.max(first, k) - k
            let coefficient = cumulative[last - k] - (low > 0 ? cumulative[low - 1] : 0)
            total += coefficient * coefficient
        }
        return sigma2 * total
    }
}
