import FinOpsCore
import PivotKit

/// How shared cost is given to the teams, products or cost centres that pay for it: rules applied in their order,
/// each taking some portions of cost and giving them to targets.
///
/// ```yaml
/// target: team                 # what the targets are (the output's column name)
/// cost: EffectiveCost          # the cost column allocated (default EffectiveCost)
/// period: month                # the period totals are kept per (day, week, month, quarter, year)
/// precision: 2                 # parts of a split are whole cents (what is below a cent goes to the largest)
/// fallback: unallocated        # the target of what no rule claims
/// rules:
///   - name: support to platform
///     where: ServiceName = 'Support'
///     assign: platform
///   - name: tagged
///     assign_by: tag(team)     # the tag's value is the target; rows without it stay unclaimed
///   - name: shared network
///     where: ServiceCategory = 'Networking'
///     split: {proportional_to: direct, among: [web, data]}
///   - name: platform is shared
///     from: platform           # re-splits what an earlier rule gave the platform
///     split: {weights: {web: 60, data: 40}}
/// ```
///
/// A rule without `from` takes only what no earlier rule claimed (so the first matching rule wins); with `from:
/// NAME` it takes what the target NAME holds, and with `from: any` everything its condition matches.
public struct AllocationRules: Sendable, Hashable {
    /// The name of what targets are (`team`).
    public var target: String
    /// The cost column allocated.
    public var cost: String
    /// The period totals are kept per.
    public var period: TimeBucket
    /// The fractional digits of the parts of a split (0–18).
    public var precision: Int
    /// The target of what no rule claims.
    public var fallback: String
    /// The rules, applied in order.
    public var rules: [AllocationRule]

    /// Creates rules.
    public init(
        target: String = "target",
        cost: String = "EffectiveCost",
        period: TimeBucket = .month,
        precision: Int = ExactDecimal.fractionDigits,
        fallback: String = "unallocated",
        rules: [AllocationRule]
    ) {
        self.target = target
        self.cost = cost
        self.period = period
        self.precision = precision
        self.fallback = fallback
        self.rules = rules
    }
}

/// One step of an allocation.
public struct AllocationRule: Sendable, Hashable {
    /// Which portions a rule takes, besides its condition.
    public enum Source: Sendable, Hashable {
        /// What no earlier rule claimed.
        case unclaimed
        /// What a target holds.
        case target(String)
        /// Everything the condition matches.
        case any
    }

    /// What a rule does with the portions it takes.
    public enum Action: Sendable, Hashable {
        /// Gives them to one target.
        case assign(String)
        /// Gives each to the target named by its value of a column or tag; portions without a value stay.
        case assignBy(PivotDimension)
        /// Splits each among targets.
        case split(Split)
    }

    /// How a portion is split.
    public enum Split: Sendable, Hashable {
        /// In equal parts.
        case evenly([String])
        /// By fixed weights, in the order written.
        case weights([Weight])
        /// By weights per period (keyed by the period's label, `2024-06`; the empty key for every period).
        case periodWeights([String: [Weight]], file: String)
        /// In proportion to what each target holds directly in the same period and currency: its cost (`nil`), or a
        /// usage measure of the rows it holds (`sum(ConsumedQuantity)`). Among the targets listed, or all that
        /// hold any.
        case proportional(Measure?, among: [String]?)
    }

    /// A target and its weight.
    public struct Weight: Sendable, Hashable {
        /// The target.
        public var target: String
        /// Its weight, not negative.
        public var weight: ExactDecimal

        /// Creates a weight.
        public init(_ target: String, _ weight: ExactDecimal) {
            self.target = target
            self.weight = weight
        }
    }

    /// The rule's name, which lineage and explanations show.
    public var name: String
    /// Which rows' cost the rule takes; all when `nil`. Only text columns and tags can be tested.
    public var condition: FilterExpression?
    /// Which portions it takes.
    public var source: Source
    /// What it does with them.
    public var action: Action

    /// Creates a rule.
    public init(name: String, condition: FilterExpression? = nil, source: Source = .unclaimed, action: Action) {
        self.name = name
        self.condition = condition
        self.source = source
        self.action = action
    }
}

extension AllocationRules {
    /// Checks what a rules file's reader checks, for rules built in code: a precision of 0–18 digits, and splits
    /// with targets, no negative weight and (but for weights per period) at least one positive.
    ///
    /// - Throws: ``AnalyticsError`` with code ``AnalyticsError/Code/invalidParameter`` naming the rule.
    public func validate() throws(AnalyticsError) {
        guard (0...ExactDecimal.fractionDigits).contains(precision) else {
            throw AnalyticsError(.invalidParameter, "the precision must be 0 to 18 digits, got \(precision)")
        }
        for rule in rules {
            guard case .split(let split) = rule.action else { continue }
            func check(_ weights: [AllocationRule.Weight], _ what: String) throws(AnalyticsError) {
                guard !weights.isEmpty, weights.allSatisfy({ !$0.weight.isNegative }),
                    weights.contains(where: { !$0.weight.isZero })
                else {
                    throw AnalyticsError(
                        .invalidParameter,
                        "rule '\(rule.name)': \(what) needs targets, no negative weight and at least one above 0"
                    )
                }
            }
            switch split {
            case .evenly(let targets):
                try check(targets.map { .init($0, ExactDecimal(1)) }, "an even split")
            case .weights(let weights):
                try check(weights, "a weighted split")
            case .periodWeights(let table, _):
                // A period whose weights are all zero is left for later rules, with a note, when it is allocated.
                for weights in table.values where weights.isEmpty || weights.contains(where: \.weight.isNegative) {
                    try check(weights, "each period of a weights file")
                }
            case .proportional(_, let among):
                if let among, among.isEmpty {
                    throw AnalyticsError(.invalidParameter, "rule '\(rule.name)': among lists no target")
                }
            }
        }
    }
}
