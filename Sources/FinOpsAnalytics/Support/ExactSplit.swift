import FinOpsCore

/// Exact proportional splitting: the parts always add up to the amount, unit for unit.
enum ExactSplit {
    /// Splits `amount` into parts proportional to `weights` (none negative, at least one positive), in multiples of
    /// `step` units (10⁻¹⁸) where the amount allows it.
    ///
    /// The amount's magnitude is cut into whole steps, shared by the largest-remainder method: each part gets the
    /// floor of its exact share, and the steps left over go one each to the largest remainders (ties to the lower
    /// index, so callers order their targets to make this deterministic). What is below one step goes to the part
    /// with the largest weight. The sign of the amount is given to every part.
    ///
    /// - Returns: one part per weight, summing to `amount` exactly.
    static func split(
        _ amount: ExactDecimal,
        weights: [ExactDecimal],
        step: Int128 = 1
    ) throws(AnalyticsError)
        -> [ExactDecimal]
    {
        precondition(step >= 1 && !weights.isEmpty)
        var total: UInt128 = 0
        for weight in weights {
            precondition(!weight.isNegative)
            let (sum, overflow) = total.addingReportingOverflow(UInt128(weight.units))
            if overflow { throw AnalyticsError(.overflow, "the weights of a split add up past the exact range") }
            total = sum
        }
        precondition(total > 0)
        guard total <= UInt128(Int128.max) else {
            throw AnalyticsError(.overflow, "the weights of a split add up past the exact range")
        }
        let magnitude = amount.units.magnitude
        let steps = magnitude / UInt128(step)
        let belowStep = magnitude % UInt128(step)
        var quotients: [UInt128] = []
        var remainders: [UInt128] = []
        quotients.reserveCapacity(weights.count)
        remainders.reserveCapacity(weights.count)
        var given: UInt128 = 0
        for weight in weights {
            let product = steps.multipliedFullWidth(by: UInt128(weight.units))
            // The share is at most `steps` (weight ≤ total), so the quotient fits.
            let (quotient, remainder) = total.dividingFullWidth(product)
            quotients.append(quotient)
            remainders.append(remainder)
            given += quotient
        }
        var leftover = steps - given
        if leftover > 0 {
            let order = weights.indices.sorted {
                remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1
            }
            for index in order where leftover > 0 {
                quotients[index] += 1
                leftover -= 1
            }
        }
        var largest = 0
        for index in weights.indices where weights[index] > weights[largest] { largest = index }
        return weights.indices.map { index in
            var units = quotients[index] * UInt128(step)
            if index == largest { units += belowStep }
            // units ≤ magnitude ≤ Int128.max + 1; the minimum's magnitude only arises alone and negated back.
            let signed = amount.isNegative ? Int128(truncatingIfNeeded: 0 &- units) : Int128(units)
            return ExactDecimal(units: signed)
        }
    }
}
