import FinOpsCore
import PivotKit

/// How much cost and how many resources carry a tag key: the measure of a tagging policy.
public struct TagCoverage: Sendable, Hashable {
    /// Coverage of one key in one currency, month and account (`nil` account: all accounts).
    public struct Line: Sendable, Hashable {
        /// The tag key.
        public var key: String
        /// The billing currency.
        public var currency: String
        /// The month (`2024-09`).
        public var month: String
        /// The account (SubAccountId), or `nil` for the month's total.
        public var account: String?
        /// Σ cost.
        public var cost: ExactDecimal
        /// Σ cost of rows that carry the key.
        public var taggedCost: ExactDecimal
        /// Distinct resources.
        public var resources: Int
        /// Distinct resources with at least one row carrying the key.
        public var taggedResources: Int
    }

    /// A member whose untagged cost is among the largest.
    public struct Untagged: Sendable, Hashable {
        /// The tag key.
        public var key: String
        /// `ServiceName`, `SubAccountId` or `ResourceId`.
        public var dimension: String
        /// The member.
        public var value: String
        /// The currency.
        public var currency: String
        /// Its cost without the key.
        public var cost: ExactDecimal
    }

    /// Per key, currency, month and account, then the month's total (account `nil`).
    public var lines: [Line]
    /// Per key and currency, the largest untagged members of each dimension.
    public var untagged: [Untagged]

    /// The pivot coverage of one key is computed from.
    public static func query(key: String, cost: String = "EffectiveCost", filter: FilterExpression? = nil) -> PivotQuery
    {
        PivotQuery(
            rows: [
                .column("BillingCurrency"), .time("ChargePeriodStart", .month), .column("SubAccountId"),
                .column("ServiceName"), .column("ResourceId"), .tag(key),
            ],
            measures: [.sum(cost)],
            filter: filter
        )
    }

    /// Measures the coverage of `keys`, asking `answer` for one pivot per key.
    ///
    /// - Parameter top: how many untagged members per dimension, key and currency to list.
    public static func measure(
        keys: [String],
        cost: String = "EffectiveCost",
        filter: FilterExpression? = nil,
        top: Int = 5,
        answer: (PivotQuery) async throws -> PivotResult
    ) async throws -> TagCoverage {
        var lines: [Line] = []
        var untagged: [Untagged] = []
        for key in keys {
            let result = try await answer(query(key: key, cost: cost, filter: filter))
            let measured = try measure(key: key, result, top: top)
            lines += measured.lines
            untagged += measured.untagged
        }
        return TagCoverage(lines: lines, untagged: untagged)
    }

    static func measure(key: String, _ result: PivotResult, top: Int) throws(AnalyticsError) -> TagCoverage {
        struct Group: Hashable {
            var currency: String
            var month: DimensionValue
            var account: String?
        }
        struct Tally {
            var cost = ExactDecimal.zero
            var tagged = ExactDecimal.zero
            var resources: Set<String> = []
            var taggedResources: Set<String> = []
        }
        var tallies: [Group: Tally] = [:]
        var missing: [String: [String: [String: ExactDecimal]]] = [:]  // currency → dimension → member → cost
        func text(_ value: DimensionValue?) -> String? {
            switch value {
            case .text(let text)?: text
            case .time(_, let label)?: label
            default: nil
            }
        }
        for cell in result.groups {
            let values = cell.rowValues
            guard values.count == 6 else { continue }
            let currency = text(values[0]) ?? ""
            let month = values[1] ?? .null
            let account = text(values[2]) ?? "(null)"
            let cost: ExactDecimal = if case .decimal(let value)? = cell.measures.first { value } else { .zero }
            let isTagged = values[5] != nil && values[5] != .null
            let resource = text(values[4])
            let what = "the coverage of \(key) in \(currency)"
            // Updated in place: a copy taken out of the dictionary would copy its sets on every insert.
            func add(to tally: inout Tally) throws(AnalyticsError) {
                tally.cost = try checkedSum(tally.cost, cost, what)
                if isTagged { tally.tagged = try checkedSum(tally.tagged, cost, what) }
                if let resource {
                    tally.resources.insert(resource)
                    if isTagged { tally.taggedResources.insert(resource) }
                }
            }
            try add(to: &tallies[Group(currency: currency, month: month, account: account), default: Tally()])
            try add(to: &tallies[Group(currency: currency, month: month, account: nil), default: Tally()])
            if !isTagged {
                for (dimension, index) in [("ServiceName", 3), ("SubAccountId", 2), ("ResourceId", 4)] {
                    guard let member = text(values[index]) else { continue }
                    let sum = missing[currency, default: [:]][dimension, default: [:]][member] ?? .zero
                    missing[currency, default: [:]][dimension, default: [:]][member] = try checkedSum(
                        sum,
                        cost,
                        "the untagged cost of \(member)"
                    )
                }
            }
        }
        let lines = tallies.map { group, tally in
            Line(
                key: key,
                currency: group.currency,
                month: group.month == .null ? "(null)" : group.month.description,
                account: group.account,
                cost: tally.cost,
                taggedCost: tally.tagged,
                resources: tally.resources.count,
                taggedResources: tally.taggedResources.count
            )
        }
        .sorted { lhs, rhs in
            if lhs.currency != rhs.currency { return lhs.currency < rhs.currency }
            if lhs.month != rhs.month { return lhs.month < rhs.month }
            // Accounts by name, the month's total last.
            return (lhs.account ?? "\u{10FFFF}") < (rhs.account ?? "\u{10FFFF}")
        }
        var untagged: [Untagged] = []
        for currency in missing.keys.sorted() {
            for dimension in ["ServiceName", "SubAccountId", "ResourceId"] {
                let members = (missing[currency]?[dimension] ?? [:]).sorted {
                    $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
                }
                for (member, cost) in members.prefix(top) where !cost.isZero {
                    untagged.append(
                        .init(key: key, dimension: dimension, value: member, currency: currency, cost: cost)
                    )
                }
            }
        }
        return TagCoverage(lines: lines, untagged: untagged)
    }

    /// The coverage lines: spend coverage and resource coverage in percent (two digits, exact).
    public var table: ResultTable {
        var table = ResultTable(columns: [
            ("key", .text), ("currency", .text), ("month", .text), ("account", .text), ("cost", .text),
            ("tagged_cost", .text), ("spend_coverage_percent", .number), ("resources", .number),
            ("tagged_resources", .number), ("resource_coverage_percent", .number),
        ])
        for line in lines {
            let resourcePercent =
                line.resources == 0
                ? nil : ExactDecimal(line.taggedResources).percent(of: ExactDecimal(line.resources))
            table.append([
                line.key, line.currency, line.month, line.account ?? "(all)", line.cost.description,
                line.taggedCost.description, line.taggedCost.percent(of: line.cost), String(line.resources),
                String(line.taggedResources), resourcePercent,
            ])
        }
        return table
    }

    /// The largest untagged members.
    public var untaggedTable: ResultTable {
        var table = ResultTable(columns: [
            ("key", .text), ("currency", .text), ("dimension", .text), ("value", .text), ("untagged_cost", .text),
        ])
        for member in untagged {
            table.append([member.key, member.currency, member.dimension, member.value, member.cost.description])
        }
        return table
    }
}
