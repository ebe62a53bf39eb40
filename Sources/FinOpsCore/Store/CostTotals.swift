/// Accumulates the exact totals per billing currency of the rows a load stores: the figures both stores record in
/// their manifests and recompute when they verify.
public struct CostTotalsBuilder: Sendable {
    /// The source the rows belong to, for messages.
    public let source: String
    /// The rows added so far.
    public private(set) var rowCount = 0
    private var byCurrency: [String: CurrencyTotals] = [:]

    /// The four columns whose sums a manifest records, in ``CurrencyTotals``' order.
    public static let costColumns = ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"]

    /// Creates an empty builder.
    public init(source: String) {
        self.source = source
    }

    /// The totals so far, sorted by currency.
    public var totals: [CurrencyTotals] { byCurrency.values.sorted { $0.currency < $1.currency } }

    /// Adds the rows of `table` (or only those at `rows`, in any order).
    ///
    /// - Throws: ``CostStoreError`` (`missingColumn`) for a row without BillingCurrency, (`overflow`) when a total
    ///   leaves the decimal range; the builder is then unchanged.
    public mutating func add(_ table: CostTable, rows: [Int]? = nil) throws(CostStoreError) {
        let count = rows?.count ?? table.rowCount
        guard count > 0 else { return }
        guard let currencies = table.strings("BillingCurrency") else {
            throw CostStoreError(.missingColumn, "rows of source \(source) have no BillingCurrency column")
        }
        let codes = currencies.codes
        let currencyCount = currencies.dictionary.count
        var rowCounts = [Int](repeating: 0, count: currencyCount)
        for index in 0..<count {
            let row = rows?[index] ?? index
            let code = codes[row]
            guard code != StringColumn.nullCode else {
                throw CostStoreError(.missingColumn, "row \(row + 1) for source \(source) has no BillingCurrency")
            }
            rowCounts[Int(code)] += 1
        }
        // One pass per cost column (a missing column adds nothing), exact sums per currency code.
        var sums: [[Int128]] = []
        var overflow = false
        for name in Self.costColumns {
            var perCode = [Int128](repeating: 0, count: currencyCount)
            if let values = table.decimals(name)?.values {
                for index in 0..<count {
                    let row = rows?[index] ?? index
                    let code = Int(codes[row])
                    let (sum, carry) = perCode[code].addingReportingOverflow(values[row].units)
                    perCode[code] = sum
                    overflow = overflow || carry
                }
            }
            sums.append(perCode)
        }
        let exceeded = CostStoreError(.overflow, "the cost totals of source \(source) exceed the decimal range")
        guard !overflow else { throw exceeded }
        var updated = byCurrency
        do {
            for code in 0..<currencyCount where rowCounts[code] > 0 {
                let currency = currencies.dictionary[code]
                var entry = updated[currency] ?? CurrencyTotals(currency: currency)
                entry.rowCount += rowCounts[code]
                entry.billedCost = try entry.billedCost.adding(ExactDecimal(units: sums[0][code]))
                entry.effectiveCost = try entry.effectiveCost.adding(ExactDecimal(units: sums[1][code]))
                entry.listCost = try entry.listCost.adding(ExactDecimal(units: sums[2][code]))
                entry.contractedCost = try entry.contractedCost.adding(ExactDecimal(units: sums[3][code]))
                updated[currency] = entry
            }
        } catch {
            throw exceeded
        }
        byCurrency = updated
        rowCount += count
    }
}

extension PeriodSummary {
    /// Checks rows read back against this summary: their count and their exact totals per currency.
    ///
    /// - Parameter name: how messages name the period (its file, or its source and period).
    /// - Throws: ``CostStoreError`` (`corrupt`) saying which differs.
    public func check(_ rows: CostTable, name: String) throws(CostStoreError) {
        var totals = CostTotalsBuilder(source: source)
        try Self.add(rows, to: &totals, name: name)
        try check(totals, name: name)
    }

    /// Adds rows read back (a whole period's, or a window of them) to `totals`, whose count and sums are then checked.
    ///
    /// - Throws: ``CostStoreError`` (`corrupt`) where the rows lack BillingCurrency.
    static func add(_ rows: CostTable, to totals: inout CostTotalsBuilder, name: String) throws(CostStoreError) {
        if rows.rowCount > 0, rows.strings("BillingCurrency") == nil {
            throw CostStoreError(.corrupt, "\(name) has no BillingCurrency column")
        }
        try totals.add(rows)
    }

    /// Checks the count and exact totals of rows read back, accumulated in `totals`, against this summary.
    func check(_ totals: CostTotalsBuilder, name: String) throws(CostStoreError) {
        guard totals.rowCount == rowCount else {
            throw CostStoreError(.corrupt, "\(name) has \(totals.rowCount) rows, the manifest recorded \(rowCount)")
        }
        guard totals.totals == self.totals else {
            throw CostStoreError(.corrupt, "\(name): the stored rows' totals differ from the manifest's")
        }
    }
}
