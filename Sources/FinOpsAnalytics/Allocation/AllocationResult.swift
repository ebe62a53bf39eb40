import FinOpsCore

/// What an allocation gives each target, with the lineage of every amount.
public struct AllocationResult: Sendable {
    /// What one target pays in one period and currency.
    public struct Line: Sendable, Hashable {
        /// The target (team, product, cost centre).
        public var target: String
        /// The period's label (`2024-06`).
        public var period: String
        /// The period's first instant (`nil` for rows without a charge period).
        public var periodStart: Timestamp?
        /// The billing currency.
        public var currency: String
        /// The total the target pays: ``direct`` + ``allocated``.
        public var amount: ExactDecimal
        /// The part given to it whole by assign rules (and the fallback).
        public var direct: ExactDecimal
        /// The part it received from splits of shared cost.
        public var allocated: ExactDecimal
    }

    /// The total of the source rows in one period and currency.
    public struct SourceTotal: Sendable, Hashable {
        /// The period's label.
        public var period: String
        /// The billing currency.
        public var currency: String
        /// Σ of the allocated cost column.
        public var amount: ExactDecimal
    }

    /// One step in the life of an amount: which rule moved it, from whom, and what share it took.
    public struct Step: Sendable, Hashable, CustomStringConvertible {
        /// The rule's name (or `fallback`).
        public var rule: String
        /// Who held the amount before (`nil`: unclaimed).
        public var from: String?
        /// The share of a split as `weight / total weights` (`nil` for assignments).
        public var share: String?

        public var description: String {
            var text = rule
            if let from { text += " (from \(from))" }
            if let share { text += " share \(share)" }
            return text
        }
    }

    /// A part of one source group held by one target, and how it came there.
    public struct Portion: Sendable, Hashable {
        /// The source group's period label.
        public var period: String
        /// Its currency.
        public var currency: String
        /// The source group's key: each field the rules read and its value (`nil`: null or untagged).
        public var source: [Field]
        /// The amount.
        public var amount: ExactDecimal
        /// Its holder at the end.
        public var target: String
        /// The rules that moved it, in order.
        public var steps: [Step]
    }

    /// A field of a source group's key.
    public struct Field: Sendable, Hashable, CustomStringConvertible {
        /// The column or `tag(key)`.
        public var name: String
        /// The value; `nil` for null or untagged.
        public var value: String?

        public var description: String { "\(name)=\(value ?? "(null)")" }
    }

    /// Why a target pays what it pays: its portions grouped by the path they took.
    public struct Explanation: Sendable, Hashable {
        /// The period's label.
        public var period: String
        /// The currency.
        public var currency: String
        /// The rules that moved these portions, in order.
        public var steps: [Step]
        /// Σ of the portions.
        public var amount: ExactDecimal
        /// How many source groups contributed.
        public var sourceCount: Int
        /// The largest contributing source groups (at most five).
        public var largestSources: [Portion]
    }

    /// What the target column is called.
    public var targetName: String
    /// One line per (target, period, currency) with a non-zero amount or a non-zero part, sorted by period,
    /// currency and target.
    public var lines: [Line]
    /// The source totals per period and currency, which the lines add up to exactly.
    public var sourceTotals: [SourceTotal]
    /// Every portion, for lineage.
    public var portions: [Portion]
    /// What the rules could not do as written (a split with no weights in a period), once per rule and period.
    public var notes: [String]

    /// The portions a target holds, grouped by period, currency and path, largest first within a period.
    ///
    /// - Throws: ``AnalyticsError`` with code ``AnalyticsError/Code/overflow`` when a group's sum leaves the exact range.
    public func explain(_ target: String) throws(AnalyticsError) -> [Explanation] {
        struct Key: Hashable {
            var period: String
            var currency: String
            var steps: [Step]
        }
        var groups: [Key: [Portion]] = [:]
        var order: [Key] = []
        for portion in portions where portion.target == target {
            let key = Key(period: portion.period, currency: portion.currency, steps: portion.steps)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(portion)
        }
        var explanations: [Explanation] = []
        for key in order {
            let members = groups[key] ?? []
            var amount = ExactDecimal.zero
            for member in members { amount = try checkedSum(amount, member.amount, "\(target) in \(key.period)") }
            let largest = members.sorted { $0.amount.units.magnitude > $1.amount.units.magnitude }.prefix(5)
            explanations.append(
                Explanation(
                    period: key.period,
                    currency: key.currency,
                    steps: key.steps,
                    amount: amount,
                    sourceCount: members.count,
                    largestSources: Array(largest)
                )
            )
        }
        explanations.sort {
            ($0.period, $0.currency) != ($1.period, $1.currency)
                ? ($0.period, $0.currency) < ($1.period, $1.currency)
                : $0.amount.units.magnitude > $1.amount.units.magnitude
        }
        return explanations
    }
}

/// `lhs + rhs`, or an overflow error naming what was being added.
func checkedSum(_ lhs: ExactDecimal, _ rhs: ExactDecimal, _ what: String) throws(AnalyticsError) -> ExactDecimal {
    do {
        return try lhs.adding(rhs)
    } catch {
        throw AnalyticsError(.overflow, "the sum for \(what) leaves the exact decimal range: \(error)")
    }
}

extension AllocationResult {
    /// The showback: one row per target, period and currency.
    public var table: ResultTable {
        var table = ResultTable(columns: [
            (targetName, .text), ("period", .text), ("currency", .text), ("amount", .text), ("direct", .text),
            ("allocated", .text),
        ])
        for line in lines {
            table.append([
                line.target, line.period, line.currency, line.amount.description, line.direct.description,
                line.allocated.description,
            ])
        }
        return table
    }
}

extension AllocationResult {
    /// The periods and currencies whose lines do not add up to the source total (always empty: a check that
    /// callers can print, and tests assert).
    public var unbalanced: [SourceTotal] {
        var sums: [String: ExactDecimal] = [:]
        var overflowed: Set<String> = []
        for line in lines {
            let key = line.period + "\u{1F}" + line.currency
            if let sum = try? (sums[key] ?? .zero).adding(line.amount) {
                sums[key] = sum
            } else {
                overflowed.insert(key)
            }
        }
        return sourceTotals.filter { total in
            let key = total.period + "\u{1F}" + total.currency
            return overflowed.contains(key) || (sums[key] ?? .zero) != total.amount
        }
    }
}
