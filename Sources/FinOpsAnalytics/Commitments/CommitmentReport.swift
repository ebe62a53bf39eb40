import FinOpsCore
import PivotKit

/// How well commitment discounts (reservations, savings plans, committed use) are used and what they save, from
/// the FOCUS columns CommitmentDiscountId, CommitmentDiscountStatus and CommitmentDiscountQuantity.
public struct CommitmentReport: Sendable, Hashable {
    /// One commitment in one currency.
    public struct Commitment: Sendable, Hashable {
        /// CommitmentDiscountId.
        public var id: String
        /// The billing currency.
        public var currency: String
        /// Σ BilledCost of its Purchase rows (what was paid for it, up front or recurring).
        public var purchased: ExactDecimal
        /// Σ EffectiveCost of its usage marked Used.
        public var usedCost: ExactDecimal
        /// Σ EffectiveCost of its usage marked Unused (the commitment's waste).
        public var unusedCost: ExactDecimal
        /// Σ CommitmentDiscountQuantity of the Used rows.
        public var usedQuantity: ExactDecimal
        /// Σ CommitmentDiscountQuantity of the Unused rows.
        public var unusedQuantity: ExactDecimal
        /// Σ ListCost of the Used rows: what the usage would have cost at list prices.
        public var listCostOfUsed: ExactDecimal?
        /// Σ ContractedCost of the Used rows.
        public var contractedCostOfUsed: ExactDecimal?

        /// Used ÷ committed, in percent: by quantity where quantities are given, else by cost.
        public var utilizationPercent: String? {
            // Sums past the exact range have no percentage rather than a trap.
            if let committed = try? usedQuantity.adding(unusedQuantity), !committed.isZero {
                return usedQuantity.percent(of: committed)
            }
            return (try? usedCost.adding(unusedCost)).flatMap { usedCost.percent(of: $0) }
        }

        /// List cost of the used usage − (used + unused cost): what the commitment saved against list prices
        /// (negative when its waste outweighs its discount).
        public var savingsVersusList: ExactDecimal? {
            listCostOfUsed.flatMap { try? $0.subtracting(usedCost).subtracting(unusedCost) }
        }

        /// Likewise against contracted prices.
        public var savingsVersusContracted: ExactDecimal? {
            contractedCostOfUsed.flatMap { try? $0.subtracting(usedCost).subtracting(unusedCost) }
        }
    }

    /// How much of a service's usage commitments cover, at list prices.
    public struct Coverage: Sendable, Hashable {
        /// The service.
        public var service: String
        /// The currency.
        public var currency: String
        /// Σ ListCost of usage a commitment covered (status Used).
        public var covered: ExactDecimal
        /// Σ ListCost of all its usage (unused commitment rows aside).
        public var eligible: ExactDecimal

        /// covered ÷ eligible, in percent.
        public var percent: String? { covered.percent(of: eligible) }
    }

    /// The commitments, by currency and id.
    public var commitments: [Commitment]
    /// Coverage of the services that commitments apply to (those with usage rows of a commitment, used or not).
    public var coverage: [Coverage]

    /// The pivot the report is computed from.
    public static func query(filter: FilterExpression? = nil) -> PivotQuery {
        PivotQuery(
            rows: [
                .column("BillingCurrency"), .column("CommitmentDiscountId"), .column("ChargeCategory"),
                .column("CommitmentDiscountStatus"), .column("ServiceName"),
            ],
            measures: [
                .sum("BilledCost"), .sum("EffectiveCost"), .sum("CommitmentDiscountQuantity"), .sum("ListCost"),
                .sum("ContractedCost"), .count,
            ],
            filter: filter
        )
    }

    /// Computes the report, asking `answer` for its pivot.
    public static func measure(
        filter: FilterExpression? = nil,
        answer: (PivotQuery) async throws -> PivotResult
    ) async throws -> CommitmentReport {
        try build(from: try await answer(query(filter: filter)))
    }

    static func build(from result: PivotResult) throws(AnalyticsError) -> CommitmentReport {
        struct Key: Hashable {
            var id: String
            var currency: String
        }
        func text(_ value: DimensionValue?) -> String? {
            if case .text(let text)? = value { text } else { nil }
        }
        func decimal(_ value: MeasureValue) -> ExactDecimal? {
            if case .decimal(let decimal) = value { decimal } else { nil }
        }
        var commitments: [Key: Commitment] = [:]
        var coverage: [Key: Coverage] = [:]
        var committedServices: Set<Key> = []
        for cell in result.groups {
            guard cell.rowValues.count == 5, cell.measures.count == 6 else { continue }
            let currency = text(cell.rowValues[0]) ?? ""
            let id = text(cell.rowValues[1])
            let category = text(cell.rowValues[2])
            let status = text(cell.rowValues[3])
            let service = text(cell.rowValues[4]) ?? "(null)"
            let billed = decimal(cell.measures[0]) ?? .zero
            let effective = decimal(cell.measures[1]) ?? .zero
            let quantity = decimal(cell.measures[2]) ?? .zero
            let list = decimal(cell.measures[3])
            let contracted = decimal(cell.measures[4])
            let what = "commitment \(id ?? "") in \(currency)"
            if category == "Usage", status != "Unused" {
                let key = Key(id: service, currency: currency)
                var line =
                    coverage[key] ?? Coverage(service: service, currency: currency, covered: .zero, eligible: .zero)
                line.eligible = try checkedSum(line.eligible, list ?? .zero, what)
                if status == "Used" { line.covered = try checkedSum(line.covered, list ?? .zero, what) }
                coverage[key] = line
            }
            guard let id else { continue }
            let key = Key(id: id, currency: currency)
            var line =
                commitments[key]
                ?? Commitment(
                    id: id,
                    currency: currency,
                    purchased: .zero,
                    usedCost: .zero,
                    unusedCost: .zero,
                    usedQuantity: .zero,
                    unusedQuantity: .zero,
                    listCostOfUsed: nil,
                    contractedCostOfUsed: nil
                )
            switch (category, status) {
            case ("Purchase", _):
                line.purchased = try checkedSum(line.purchased, billed, what)
            case ("Usage", "Used"):
                committedServices.insert(Key(id: service, currency: currency))
                line.usedCost = try checkedSum(line.usedCost, effective, what)
                line.usedQuantity = try checkedSum(line.usedQuantity, quantity, what)
                if let list { line.listCostOfUsed = try checkedSum(line.listCostOfUsed ?? .zero, list, what) }
                if let contracted {
                    line.contractedCostOfUsed = try checkedSum(line.contractedCostOfUsed ?? .zero, contracted, what)
                }
            case ("Usage", "Unused"):
                committedServices.insert(Key(id: service, currency: currency))
                line.unusedCost = try checkedSum(line.unusedCost, effective, what)
                line.unusedQuantity = try checkedSum(line.unusedQuantity, quantity, what)
                // Prices are known even when nothing was used: the savings are then the waste, negated.
                if list != nil, line.listCostOfUsed == nil { line.listCostOfUsed = .zero }
                if contracted != nil, line.contractedCostOfUsed == nil { line.contractedCostOfUsed = .zero }
            default:
                break
            }
            commitments[key] = line
        }
        return CommitmentReport(
            commitments: commitments.values.sorted { ($0.currency, $0.id) < ($1.currency, $1.id) },
            coverage: coverage.filter { committedServices.contains($0.key) }.values.sorted {
                ($0.currency, $0.service) < ($1.currency, $1.service)
            }
        )
    }

    /// One row per commitment.
    public var table: ResultTable {
        var table = ResultTable(columns: [
            ("commitment", .text), ("currency", .text), ("purchased", .text), ("used_cost", .text),
            ("unused_cost", .text), ("used_quantity", .text), ("unused_quantity", .text),
            ("utilization_percent", .number), ("savings_vs_list", .text), ("savings_vs_contracted", .text),
        ])
        for c in commitments {
            table.append([
                c.id, c.currency, c.purchased.description, c.usedCost.description, c.unusedCost.description,
                c.usedQuantity.description, c.unusedQuantity.description, c.utilizationPercent,
                c.savingsVersusList?.description, c.savingsVersusContracted?.description,
            ])
        }
        return table
    }

    /// One row per service that commitments cover.
    public var coverageTable: ResultTable {
        var table = ResultTable(columns: [
            ("service", .text), ("currency", .text), ("covered_list_cost", .text), ("eligible_list_cost", .text),
            ("coverage_percent", .number),
        ])
        for c in coverage {
            table.append([c.service, c.currency, c.covered.description, c.eligible.description, c.percent])
        }
        return table
    }
}
