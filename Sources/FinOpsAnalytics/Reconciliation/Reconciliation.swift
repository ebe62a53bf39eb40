import FinOpsCore
import PivotKit

/// What the bill adds up to per invoice, account and period, and the FOCUS invariants the data lets us check.
public struct Reconciliation: Sendable, Hashable {
    /// Billed cost of one invoice (or of the rows without one) of one account, period and currency.
    public struct Invoice: Sendable, Hashable {
        /// InvoiceId, or `nil` for rows without one.
        public var invoice: String?
        /// BillingAccountId.
        public var account: String?
        /// The billing period's month (`2024-09`).
        public var period: String
        /// The billing currency.
        public var currency: String
        /// Σ BilledCost.
        public var billed: ExactDecimal
        /// Σ BilledCost of Credit rows.
        public var credits: ExactDecimal
        /// Σ BilledCost of rows of ChargeClass Correction.
        public var corrections: ExactDecimal
        /// The number of rows.
        public var rows: Int
    }

    /// An invariant that does not hold, with the rows it is about.
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        /// A stable name of the rule.
        public var rule: String
        /// The rows it concerns (a key of their values).
        public var rows: String
        /// What is wrong, with the numbers.
        public var message: String

        public var description: String { "\(rule): \(rows): \(message)" }
    }

    /// Per invoice, account, period and currency.
    public var invoices: [Invoice]
    /// What does not hold.
    public var violations: [Violation]

    /// Reconciles the source `answer` pivots.
    public static func run(
        filter: FilterExpression? = nil,
        answer: (PivotQuery) async throws -> PivotResult
    ) async throws -> Reconciliation {
        let bills = try await answer(
            PivotQuery(
                rows: [
                    .column("BillingCurrency"), .time("BillingPeriodStart", .month), .column("BillingAccountId"),
                    .column("InvoiceId"), .column("ChargeCategory"), .column("ChargeClass"),
                ],
                measures: [.sum("BilledCost"), .count],
                filter: filter
            )
        )
        let commitments = try await answer(
            PivotQuery(
                rows: [.column("BillingCurrency"), .column("CommitmentDiscountId"), .column("ChargeCategory")],
                measures: [.sum("BilledCost"), .sum("EffectiveCost"), .count],
                filter: filter.map { .and($0, .not(.isNull(.column("CommitmentDiscountId")))) }
                    ?? .not(.isNull(.column("CommitmentDiscountId")))
            )
        )
        return try Reconciliation(bills: bills, commitments: commitments)
    }

    init(bills: PivotResult, commitments: PivotResult) throws(AnalyticsError) {
        func text(_ value: DimensionValue?) -> String? {
            switch value {
            case .text(let text)?: text
            case .time(_, let label)?: label
            default: nil
            }
        }
        func decimal(_ value: MeasureValue?) -> ExactDecimal {
            if case .decimal(let decimal)? = value { decimal } else { .zero }
        }
        func count(_ value: MeasureValue?) -> Int {
            if case .integer(let count)? = value { count } else { 0 }
        }
        struct Key: Hashable {
            var currency: String
            var period: String
            var account: String?
            var invoice: String?
        }
        var invoices: [Key: Invoice] = [:]
        for cell in bills.groups {
            let v = cell.rowValues
            guard v.count == 6 else { continue }
            let key = Key(
                currency: text(v[0]) ?? "",
                period: text(v[1]) ?? "(null)",
                account: text(v[2]),
                invoice: text(v[3])
            )
            var line =
                invoices[key]
                ?? Invoice(
                    invoice: key.invoice,
                    account: key.account,
                    period: key.period,
                    currency: key.currency,
                    billed: .zero,
                    credits: .zero,
                    corrections: .zero,
                    rows: 0
                )
            let billed = decimal(cell.measures.first)
            let what = "invoice \(key.invoice ?? "(none)") in \(key.currency)"
            line.billed = try checkedSum(line.billed, billed, what)
            if text(v[4]) == "Credit" { line.credits = try checkedSum(line.credits, billed, what) }
            if text(v[5]) == "Correction" { line.corrections = try checkedSum(line.corrections, billed, what) }
            line.rows += count(cell.measures.last)
            invoices[key] = line
        }
        self.invoices = invoices.values.sorted {
            ($0.currency, $0.period, $0.account ?? "", $0.invoice ?? "") < (
                $1.currency, $1.period, $1.account ?? "", $1.invoice ?? ""
            )
        }

        // Per commitment: the purchase is billed, its usage carries the cost amortised, so over the term
        // Σ EffectiveCost of its usage (used and unused) equals Σ BilledCost of its purchases; the purchase rows
        // carry no effective cost of their own.
        struct Commitment {
            var purchaseBilled = ExactDecimal.zero
            var purchaseEffective = ExactDecimal.zero
            var purchaseRows = 0
            var usageEffective = ExactDecimal.zero
            var usageRows = 0
        }
        var byCommitment: [String: Commitment] = [:]
        for cell in commitments.groups {
            let v = cell.rowValues
            guard v.count == 3, let id = text(v[1]) else { continue }
            let key = "\(id) (\(text(v[0]) ?? ""))"
            var c = byCommitment[key] ?? Commitment()
            let what = "commitment \(key)"
            switch text(v[2]) {
            case "Purchase":
                c.purchaseBilled = try checkedSum(c.purchaseBilled, decimal(cell.measures[0]), what)
                c.purchaseEffective = try checkedSum(c.purchaseEffective, decimal(cell.measures[1]), what)
                c.purchaseRows += count(cell.measures.last)
            case "Usage":
                c.usageEffective = try checkedSum(c.usageEffective, decimal(cell.measures[1]), what)
                c.usageRows += count(cell.measures.last)
            default:
                break
            }
            byCommitment[key] = c
        }
        var violations: [Violation] = []
        for key in byCommitment.keys.sorted() {
            guard let c = byCommitment[key] else { continue }
            if !c.purchaseEffective.isZero {
                violations.append(
                    .init(
                        rule: "purchase-effective-cost",
                        rows: "CommitmentDiscountId=\(key), ChargeCategory=Purchase (\(c.purchaseRows) rows)",
                        message:
                            "purchase rows carry EffectiveCost \(c.purchaseEffective); FOCUS puts a commitment's cost on its usage"
                    )
                )
            }
            if c.purchaseRows > 0, c.usageRows > 0, c.usageEffective != c.purchaseBilled {
                let difference = (try? c.purchaseBilled.subtracting(c.usageEffective))?.description ?? "beyond range"
                violations.append(
                    .init(
                        rule: "amortization",
                        rows:
                            "CommitmentDiscountId=\(key) (\(c.purchaseRows) purchase rows, \(c.usageRows) usage rows)",
                        message:
                            "Σ EffectiveCost of its usage is \(c.usageEffective) but Σ BilledCost of its purchases is \(c.purchaseBilled) (difference \(difference)); expected equal over the whole term, so either part of the term is outside the data or the amortisation is off"
                    )
                )
            }
        }
        self.violations = violations
    }

    /// One row per invoice, account, period and currency.
    public var table: ResultTable {
        var table = ResultTable(columns: [
            ("currency", .text), ("billing_period", .text), ("billing_account", .text), ("invoice", .text),
            ("billed", .text), ("credits", .text), ("corrections", .text), ("rows", .number),
        ])
        for i in invoices {
            table.append([
                i.currency, i.period, i.account ?? "(null)", i.invoice ?? "(none)", i.billed.description,
                i.credits.description, i.corrections.description, String(i.rows),
            ])
        }
        return table
    }
}
