import Foundation

/// An exponential smoothing model with additive errors (the ETS(A,·,·) family of Hyndman et al.): a level, an
/// optional (damped) trend and an optional additive seasonal pattern, fitted by least squares.
struct ExponentialSmoothing: Sendable, Hashable {
    enum Trend: Sendable, Hashable {
        case none, additive, damped
    }

    var trend: Trend
    /// The season's length; 0 or 1 for none.
    var season: Int

    var isSeasonal: Bool { season > 1 }

    /// `ETS(A,Ad,A)` style name.
    var name: String {
        let t =
            switch trend {
            case .none: "N"
            case .additive: "A"
            case .damped: "Ad"
            }
        return "ETS(A,\(t),\(isSeasonal ? "A" : "N"))"
    }

    /// A fitted model: the parameters, the last states and the residual variance.
    struct Fit: Sendable {
        var model: ExponentialSmoothing
        var alpha: Double
        var beta: Double
        var gamma: Double
        var phi: Double
        var level: Double
        var slope: Double
        /// The last `season` seasonal states, oldest first.
        var seasonal: [Double]
        var sse: Double
        var count: Int
        var aicc: Double

        var sigma2: Double { sse / Double(Swift.max(count - parameterCount, 1)) }

        var parameterCount: Int {
            var k = 2  // alpha, initial level
            if model.trend != .none { k += 2 }
            if model.trend == .damped { k += 1 }
            if model.isSeasonal { k += 1 + model.season - 1 }
            return k
        }

        /// Point forecasts for steps 1...horizon.
        func forecast(_ horizon: Int) -> [Double] {
            var values: [Double] = []
            values.reserveCapacity(horizon)
            var damping = 0.0
            var power = 1.0
            for h in 1...Swift.max(horizon, 1) where h <= horizon {
                power *= phi
                damping += model.trend == .damped ? power : 1
                var value = level + (model.trend == .none ? 0 : damping * slope)
                if model.isSeasonal { value += seasonal[(h - 1) % model.season] }
                values.append(value)
            }
            return values
        }

        /// The coefficients c_j of the forecast error's variance: Var(e_h) = σ²(1 + Σ_{j<h} c_j²).
        func errorWeights(_ horizon: Int) -> [Double] {
            var weights: [Double] = []
            var damping = 0.0
            var power = 1.0
            for j in 1..<Swift.max(horizon, 1) {
                power *= phi
                damping += model.trend == .damped ? power : 1
                var c = alpha
                if model.trend != .none { c += beta * damping }
                if model.isSeasonal, j % model.season == 0 { c += gamma }
                weights.append(c)
            }
            return weights
        }
    }

    /// Fits the model to `y`, or `nil` when `y` is too short for it.
    func fit(_ y: [Double]) -> Fit? {
        let m = isSeasonal ? season : 1
        let minimum = isSeasonal ? 2 * m + 2 : (trend == .none ? 3 : 5)
        guard y.count >= minimum else { return nil }
        let initial = initialStates(y)
        let start: [Double] =
            switch (trend, isSeasonal) {
            case (.none, false): [logit(0.3)]
            case (.none, true): [logit(0.3), logit(0.1)]
            case (.additive, false): [logit(0.3), logit(0.1)]
            case (.additive, true): [logit(0.3), logit(0.1), logit(0.1)]
            case (.damped, false): [logit(0.3), logit(0.1), logit(0.5)]
            case (.damped, true): [logit(0.3), logit(0.1), logit(0.1), logit(0.5)]
            }
        let optimizer = NelderMead(maximumEvaluations: 40 * (start.count + 1), tolerance: 1e-6)
        let best = optimizer.minimize(start) { point in
            let p = parameters(point)
            return run(y, initial, p.alpha, p.beta, p.gamma, p.phi).sse
        }
        let p = parameters(best.point)
        let final = run(y, initial, p.alpha, p.beta, p.gamma, p.phi)
        guard final.sse.isFinite else { return nil }
        var fit = Fit(
            model: self,
            alpha: p.alpha,
            beta: p.beta,
            gamma: p.gamma,
            phi: p.phi,
            level: final.level,
            slope: final.slope,
            seasonal: final.seasonal,
            sse: final.sse,
            count: y.count,
            aicc: 0
        )
        let n = Double(y.count)
        let k = Double(fit.parameterCount)
        let likelihood = n * log(Swift.max(final.sse, 1e-300) / n)
        fit.aicc = n - k - 1 > 0 ? likelihood + 2 * k + 2 * k * (k + 1) / (n - k - 1) : .infinity
        return fit
    }

    /// Maps unconstrained optimiser variables to parameters inside the usual admissible region:
    /// 0 < α < 1, 0 < β < α, 0 < γ < 1 − α, 0.8 ≤ φ ≤ 0.98.
    private func parameters(_ point: [Double]) -> (alpha: Double, beta: Double, gamma: Double, phi: Double) {
        var index = 0
        func next() -> Double {
            defer { index += 1 }
            return logistic(point[index])
        }
        let alpha = 0.0001 + 0.9998 * next()
        var beta = 0.0
        var gamma = 0.0
        var phi = 1.0
        if trend != .none { beta = alpha * next() * 0.999 }
        if isSeasonal { gamma = (1 - alpha) * next() * 0.999 }
        if trend == .damped { phi = 0.8 + 0.18 * next() }
        return (alpha, beta, gamma, phi)
    }

    private struct States {
        var level: Double
        var slope: Double
        var seasonal: [Double]
    }

    /// Classical initial states: the first seasons' means, their change, and the first season's deviations.
    private func initialStates(_ y: [Double]) -> States {
        let m = isSeasonal ? season : 1
        if !isSeasonal {
            let count = Swift.min(y.count, 10)
            let level = y[0]
            let slope = trend == .none ? 0 : (y[count - 1] - y[0]) / Double(Swift.max(count - 1, 1))
            return States(level: level, slope: slope, seasonal: [])
        }
        let first = y[0..<m].reduce(0, +) / Double(m)
        let second = y[m..<(2 * m)].reduce(0, +) / Double(m)
        let seasonal = (0..<m).map { y[$0] - first }
        let slope = trend == .none ? 0 : (second - first) / Double(m)
        // The level at time 0 sits at the first season's centre; step it back to just before the first value.
        return States(level: first - slope * Double(m - 1) / 2, slope: slope, seasonal: seasonal)
    }

    private func run(
        _ y: [Double],
        _ initial: States,
        _ alpha: Double,
        _ beta: Double,
        _ gamma: Double,
        _ phi: Double
    )
        -> (sse: Double, level: Double, slope: Double, seasonal: [Double])
    {
        var level = initial.level
        var slope = initial.slope
        var seasonal = initial.seasonal
        let m = seasonal.count
        var position = 0
        var sse = 0.0
        let damped = trend == .damped ? phi : 1
        for value in y {
            let season = m > 0 ? seasonal[position] : 0
            let trendPart = trend == .none ? 0 : damped * slope
            let error = value - (level + trendPart + season)
            sse += error * error
            level = level + trendPart + alpha * error
            if trend != .none { slope = damped * slope + beta * error }
            if m > 0 {
                seasonal[position] = season + gamma * error
                position = position + 1 == m ? 0 : position + 1
            }
        }
        // Rotate so that the next step's seasonal state comes first.
        let rotated = m > 0 ? Array(seasonal[position...] + seasonal[..<position]) : []
        return (sse.isFinite ? sse : .infinity, level, slope, rotated)
    }
}

private func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
private func logit(_ p: Double) -> Double { log(p / (1 - p)) }
