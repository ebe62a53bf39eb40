/// An exact decimal number for costs, prices and quantities.
///
/// The value is a fixed-point `Int128` counting units of 10⁻¹⁸, so every value with up to 18 fractional digits
/// is represented exactly and sums are plain integer additions: exact and independent of order.
///
/// Limits:
/// - 18 fractional digits. Text with a non-zero digit past the 18th fractional place is rejected, never rounded.
/// - Magnitude below 170,141,183,460,469,231,731.687… (20 integer digits). Exceeding it is an error
///   (``ExactDecimal/adding(_:)``) or a trap (`+`), never a wrap.
///
/// Text is parsed byte by byte without binary floating point, scientific notation included
/// (`1.2E-10`, `-3e+2`). ``description`` prints the shortest exact text, which parses back to the same value.
public struct ExactDecimal: Sendable, Hashable, Comparable {
    /// The number of fractional digits every value carries.
    public static let fractionDigits = 18

    /// 10¹⁸: the number of units in 1.
    public static let unitsPerOne: Int128 = 1_000_000_000_000_000_000

    /// The value in units of 10⁻¹⁸.
    public var units: Int128

    /// Creates a value from a count of 10⁻¹⁸ units.
    @inlinable
    public init(units: Int128) {
        self.units = units
    }

    /// Creates a value equal to an integer.
    @inlinable
    public init(_ value: Int) {
        self.units = Int128(value) * Self.unitsPerOne
    }

    /// Creates the value `mantissa × 10^-scale` exactly, or `nil` when it does not fit.
    ///
    /// `ExactDecimal(mantissa: 12345, scale: 2)` is 123.45.
    public init?(mantissa: Int64, scale: Int) {
        guard scale <= Self.fractionDigits, scale >= -(Self.fractionDigits + 20) else { return nil }
        let (product, overflow) = Int128(mantissa).multipliedReportingOverflow(
            by: powerOfTen(Self.fractionDigits - scale)
        )
        guard !overflow else { return nil }
        self.units = product
    }

    /// Zero.
    public static let zero = ExactDecimal(units: 0)
    /// The largest representable value.
    public static let greatestFiniteMagnitude = ExactDecimal(units: .max)
    /// The smallest representable value.
    public static let leastFiniteMagnitude = ExactDecimal(units: .min + 1)

    /// Whether the value is zero.
    @inlinable
    public var isZero: Bool { units == 0 }

    /// Whether the value is below zero.
    @inlinable
    public var isNegative: Bool { units < 0 }

    @inlinable
    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        lhs.units < rhs.units
    }
}

// MARK: - Arithmetic

extension ExactDecimal {
    /// Returns the exact sum, or throws when it does not fit.
    ///
    /// - Throws: ``DecimalOverflowError`` naming the operands.
    @inlinable
    public func adding(_ other: ExactDecimal) throws(DecimalOverflowError) -> ExactDecimal {
        let (sum, overflow) = units.addingReportingOverflow(other.units)
        if overflow { throw DecimalOverflowError(operation: "+", lhs: self, rhs: other) }
        return ExactDecimal(units: sum)
    }

    /// Returns the exact difference, or throws when it does not fit.
    ///
    /// - Throws: ``DecimalOverflowError`` naming the operands.
    @inlinable
    public func subtracting(_ other: ExactDecimal) throws(DecimalOverflowError) -> ExactDecimal {
        let (difference, overflow) = units.subtractingReportingOverflow(other.units)
        if overflow { throw DecimalOverflowError(operation: "-", lhs: self, rhs: other) }
        return ExactDecimal(units: difference)
    }

    /// Returns the value times an integer, or throws when it does not fit.
    ///
    /// - Throws: ``DecimalOverflowError`` naming the operands.
    public func multiplied(by factor: Int) throws(DecimalOverflowError) -> ExactDecimal {
        let (product, overflow) = units.multipliedReportingOverflow(by: Int128(factor))
        if overflow { throw DecimalOverflowError(operation: "×", lhs: self, rhs: ExactDecimal(factor)) }
        return ExactDecimal(units: product)
    }

    /// The exact sum; traps on overflow like the integer operators do. Use ``adding(_:)`` to handle overflow.
    @inlinable
    public static func + (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        ExactDecimal(units: lhs.units + rhs.units)
    }

    /// The exact difference; traps on overflow. Use ``subtracting(_:)`` to handle overflow.
    @inlinable
    public static func - (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        ExactDecimal(units: lhs.units - rhs.units)
    }

    /// The negated value.
    @inlinable
    public static prefix func - (value: ExactDecimal) -> ExactDecimal {
        ExactDecimal(units: 0 - value.units)
    }

    /// Adds in place; traps on overflow.
    @inlinable
    public static func += (lhs: inout ExactDecimal, rhs: ExactDecimal) {
        lhs.units += rhs.units
    }
}

/// An arithmetic result that does not fit in ``ExactDecimal``.
public struct DecimalOverflowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The operator that overflowed.
    public var operation: String
    /// The left operand.
    public var lhs: ExactDecimal
    /// The right operand.
    public var rhs: ExactDecimal

    @inlinable
    public init(operation: String, lhs: ExactDecimal, rhs: ExactDecimal) {
        self.operation = operation
        self.lhs = lhs
        self.rhs = rhs
    }

    public var description: String {
        "decimal overflow: \(lhs) \(operation) \(rhs) exceeds ±\(ExactDecimal.greatestFiniteMagnitude)"
    }
}

/// 10ⁿ for 0 ≤ n ≤ 38, the range of `Int128`.
@usableFromInline
func powerOfTen(_ exponent: Int) -> Int128 {
    precondition(exponent >= 0 && exponent <= 38, "10^\(exponent) does not fit in Int128")
    return powersOfTen[exponent]
}

private let powersOfTen: [Int128] = {
    var powers: [Int128] = [1]
    for _ in 1...38 { powers.append(powers[powers.count - 1] * 10) }
    return powers
}()
