import FinOpsCore
import PivotKit

extension AllocationRules {
    /// The fields (columns and tags) the rules read, in the order they first appear.
    var fieldsRead: [PivotDimension] {
        var dimensions: [PivotDimension] = []
        func add(_ dimension: PivotDimension) {
            if !dimensions.contains(dimension) { dimensions.append(dimension) }
        }
        for rule in rules {
            for field in rule.condition?.fields ?? [] {
                switch field {
                case .column(let name): add(.column(name))
                case .tag(let key): add(.tag(key))
                case .measure: break
                }
            }
            if case .assignBy(let dimension) = rule.action { add(dimension) }
        }
        return dimensions
    }

    /// The usage measures proportional splits need.
    var usageMeasures: [Measure] {
        var measures: [Measure] = []
        for rule in rules {
            if case .split(.proportional(let measure?, _)) = rule.action, !measures.contains(measure) {
                measures.append(measure)
            }
        }
        return measures
    }

    /// The pivot whose groups are allocated: one group per period, currency and value of every field the rules
    /// read, with the cost and the usage measures. A store answers it on its side where it can.
    public func sourceQuery(filter: FilterExpression? = nil) -> PivotQuery {
        PivotQuery(
            rows: [.time("ChargePeriodStart", period), .column("BillingCurrency")] + fieldsRead,
            measures: [.sum(cost)] + usageMeasures,
            filter: filter
        )
    }

    /// Allocates the groups of ``sourceQuery(filter:)``'s result.
    ///
    /// - Throws: ``AnalyticsError`` when the result is not of that query, a rule's condition cannot be tested, or a
    ///   sum leaves the exact range.
    public func allocate(_ source: PivotResult) throws(AnalyticsError) -> AllocationResult {
        var allocator = try Allocator(rules: self, source: source)
        return try allocator.run()
    }

    /// Allocates the rows of a table.
    public func allocate(_ table: CostTable, filter: FilterExpression? = nil) throws(AnalyticsError) -> AllocationResult
    {
        let result: PivotResult
        do {
            result = try table.pivot(sourceQuery(filter: filter))
        } catch {
            throw AnalyticsError(.query, error.message)
        }
        return try allocate(result)
    }

    /// Allocates what a store holds, its pivot answered on the store's side where it can.
    public func allocate(
        _ store: any CostStore,
        over periods: CostFilter = .all,
        filter: FilterExpression? = nil
    )
        async throws -> AllocationResult
    {
        let result: PivotResult
        do {
            result = try await store.pivot(sourceQuery(filter: filter), over: periods)
        } catch let error as PivotError {
            throw AnalyticsError(.query, error.message)
        }
        return try allocate(result)
    }
}

/// The state of one allocation run: the source groups and the portions they are cut into.
private struct Allocator {
    struct Item {
        var period: String
        var periodOrder: DimensionValue
        var periodStart: Timestamp? {
            if case .time(let instant, _) = periodOrder { instant } else { nil }
        }
        var currency: String
        var fields: [String?]
        var cost: ExactDecimal
    }

    struct Portion {
        var item: Int
        var amount: ExactDecimal
        var usage: [ExactDecimal]
        var holder: String?
        var isDirect: Bool
        var steps: [AllocationResult.Step]
    }

    struct Bucket: Hashable {
        var period: String
        var currency: String
    }

    let rules: AllocationRules
    let fields: [PivotDimension]
    let usageMeasures: [Measure]
    var items: [Item] = []
    var table: CostTable
    var portions: [Portion] = []
    var notes: [String] = []
    let step: Int128

    init(rules: AllocationRules, source: PivotResult) throws(AnalyticsError) {
        self.rules = rules
        self.fields = rules.fieldsRead
        self.usageMeasures = rules.usageMeasures
        try rules.validate()
        self.step = Self.power(ExactDecimal.fractionDigits - rules.precision)
        let expected = rules.sourceQuery(filter: source.query.filter)
        guard source.query.rows == expected.rows, source.query.measures == expected.measures else {
            throw AnalyticsError(
                .query,
                "the pivot is not the rules' source query (rows \(expected.rows), measures \(expected.measures))"
            )
        }
        var columns: [[String?]] = Array(repeating: [], count: fields.count)
        for cell in source.groups {
            guard cell.rowValues.count == fields.count + 2, cell.measures.count == 1 + usageMeasures.count else {
                continue
            }
            let periodValue = cell.rowValues[0] ?? .null
            let values = cell.rowValues.dropFirst(2).map { value -> String? in
                switch value {
                case .text(let text): text
                case .time(_, let label): label
                case .others, .null, nil: nil
                }
            }
            let cost: ExactDecimal = if case .decimal(let value) = cell.measures[0] { value } else { .zero }
            let usage = cell.measures.dropFirst().map { measure -> ExactDecimal in
                if case .decimal(let value) = measure { value } else { .zero }
            }
            for index in values.indices { columns[index].append(values[index]) }
            items.append(
                Item(
                    period: periodValue == .null ? "(null)" : periodValue.description,
                    periodOrder: periodValue,
                    currency: cell.rowValues[1].flatMap { if case .text(let text) = $0 { text } else { nil } } ?? "",
                    fields: values,
                    cost: cost
                )
            )
            portions.append(
                Portion(item: items.count - 1, amount: cost, usage: usage, holder: nil, isDirect: true, steps: [])
            )
        }
        self.table = Self.table(fields: fields, columns: columns, rows: items.count)
    }

    /// The groups as a table that rule conditions are tested on: one text column per column field, Tags with the
    /// tag fields.
    private static func table(fields: [PivotDimension], columns: [[String?]], rows: Int) -> CostTable {
        var tableColumns: [CostTable.Column] = []
        var tagSets = [[TagSet.Tag]](repeating: [], count: rows)
        for (index, field) in fields.enumerated() {
            switch field {
            case .column(let name):
                var dictionary: [String] = []
                var codes: [String: UInt32] = [:]
                let encoded = columns[index].map { value -> UInt32 in
                    guard let value else { return StringColumn.nullCode }
                    if let code = codes[value] { return code }
                    let code = UInt32(dictionary.count)
                    codes[value] = code
                    dictionary.append(value)
                    return code
                }
                tableColumns.append(
                    .init(name: name, data: .string(StringColumn(codes: encoded, dictionary: dictionary)))
                )
            case .tag(let key):
                for row in 0..<rows {
                    if let value = columns[index][row] { tagSets[row].append(.init(key: key, value: .string(value))) }
                }
            case .time:
                break
            }
        }
        let sets = tagSets.map { TagSet($0) }
        tableColumns.append(
            .init(name: "Tags", data: .tags(TagColumn(codes: (0..<UInt32(rows)).map { $0 }, sets: sets)))
        )
        return CostTable(rowCount: rows, columns: tableColumns)
    }

    private static func power(_ exponent: Int) -> Int128 {
        var value: Int128 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    mutating func run() throws(AnalyticsError) -> AllocationResult {
        for rule in rules.rules { try apply(rule) }
        for index in portions.indices where portions[index].holder == nil {
            portions[index].holder = rules.fallback
            portions[index].isDirect = true
            portions[index].steps.append(.init(rule: "fallback", from: nil, share: nil))
        }
        return try result()
    }

    private mutating func apply(_ rule: AllocationRule) throws(AnalyticsError) {
        var matches = [Bool](repeating: rule.condition == nil, count: items.count)
        if let condition = rule.condition {
            do {
                for row in try condition.selectedRows(in: table) { matches[Int(row)] = true }
            } catch {
                throw AnalyticsError(.invalidParameter, "rule '\(rule.name)': \(error.message)")
            }
        }
        let taken = portions.indices.filter { index in
            let portion = portions[index]
            guard matches[portion.item], !portion.amount.isZero || !portion.usage.allSatisfy(\.isZero) else {
                return false
            }
            switch rule.source {
            case .unclaimed: return portion.holder == nil
            case .target(let name): return portion.holder == name
            case .any: return true
            }
        }
        guard !taken.isEmpty else { return }
        switch rule.action {
        case .assign(let target):
            for index in taken { move(index, to: target, by: rule) }
        case .assignBy(let dimension):
            guard let field = fields.firstIndex(of: dimension) else { return }
            for index in taken {
                guard let value = items[portions[index].item].fields[field], !value.isEmpty else { continue }
                move(index, to: value, by: rule)
            }
        case .split(let split):
            try apply(split, of: rule, to: taken)
        }
    }

    private mutating func move(_ index: Int, to target: String, by rule: AllocationRule) {
        portions[index].steps.append(.init(rule: rule.name, from: portions[index].holder, share: nil))
        portions[index].holder = target
        portions[index].isDirect = true
    }

    private mutating func apply(
        _ split: AllocationRule.Split,
        of rule: AllocationRule,
        to taken: [Int]
    )
        throws(AnalyticsError)
    {
        let takenSet = Set(taken)
        var weightsByBucket: [Bucket: [AllocationRule.Weight]?] = [:]
        var replacements: [Int: [Portion]] = [:]
        for index in taken {
            let portion = portions[index]
            let item = items[portion.item]
            let bucket = Bucket(period: item.period, currency: item.currency)
            if weightsByBucket[bucket] == nil {
                weightsByBucket[bucket] = try weights(split, of: rule, in: bucket, excluding: takenSet)
            }
            guard let weights = weightsByBucket[bucket] ?? nil else { continue }
            let values = weights.map(\.weight)
            let amounts = try ExactSplit.split(portion.amount, weights: values, step: step)
            // The split checked that the weights' total is a decimal.
            let total = ExactDecimal(units: weights.reduce(0 as Int128) { $0 + $1.weight.units })
            var usages: [[ExactDecimal]] = Array(repeating: [], count: weights.count)
            for usage in portion.usage {
                for (target, part) in try ExactSplit.split(usage, weights: values).enumerated() {
                    usages[target].append(part)
                }
            }
            var parts: [Portion] = []
            for (position, weight) in weights.enumerated() where !amounts[position].isZero || !weight.weight.isZero {
                var part = portion
                part.amount = amounts[position]
                part.usage = usages[position]
                part.holder = weight.target
                part.isDirect = false
                part.steps.append(.init(rule: rule.name, from: portion.holder, share: "\(weight.weight) / \(total)"))
                parts.append(part)
            }
            replacements[index] = parts
        }
        var next: [Portion] = []
        next.reserveCapacity(portions.count + replacements.count * 4)
        for index in portions.indices {
            if let parts = replacements[index] { next.append(contentsOf: parts) } else { next.append(portions[index]) }
        }
        portions = next
    }

    /// The targets and weights of a split in one period and currency, or `nil` (with a note) when there are none.
    private mutating func weights(
        _ split: AllocationRule.Split,
        of rule: AllocationRule,
        in bucket: Bucket,
        excluding taken: Set<Int>
    ) throws(AnalyticsError) -> [AllocationRule.Weight]? {
        switch split {
        case .evenly(let targets):
            return targets.map { .init($0, ExactDecimal(1)) }
        case .weights(let weights):
            return weights
        case .periodWeights(let table, let file):
            guard let weights = table[bucket.period] ?? table[""], weights.contains(where: { !$0.weight.isZero }) else {
                note(
                    "rule '\(rule.name)': \(file) has no weights for \(bucket.period); its cost there is left for later rules"
                )
                return nil
            }
            return weights
        case .proportional(let measure, let among):
            let usageIndex = measure.flatMap { usageMeasures.firstIndex(of: $0) }
            var totals: [String: ExactDecimal] = [:]
            for (index, portion) in portions.enumerated() where !taken.contains(index) && portion.isDirect {
                guard let holder = portion.holder else { continue }
                let item = items[portion.item]
                guard item.period == bucket.period, item.currency == bucket.currency else { continue }
                if let among, !among.contains(holder) { continue }
                if case .target(let source) = rule.source, source == holder { continue }
                let value = usageIndex.map { portion.usage[$0] } ?? portion.amount
                totals[holder] = try checkedSum(totals[holder] ?? .zero, value, "the weights of rule '\(rule.name)'")
            }
            let targets = among ?? totals.keys.sorted()
            var weights = targets.map { AllocationRule.Weight($0, max(totals[$0] ?? .zero, .zero)) }
            if weights.contains(where: { totals[$0.target].map(\.isNegative) ?? false }) {
                note(
                    "rule '\(rule.name)': in \(bucket.period) \(bucket.currency) a target's basis is negative and counts as 0"
                )
            }
            if !weights.contains(where: { !$0.weight.isZero }) {
                guard let among else {
                    note(
                        "rule '\(rule.name)': no target holds a basis in \(bucket.period) \(bucket.currency); its cost there is left for later rules"
                    )
                    return nil
                }
                note(
                    "rule '\(rule.name)': no basis among \(among.joined(separator: ", ")) in \(bucket.period) \(bucket.currency); split evenly"
                )
                weights = among.map { .init($0, ExactDecimal(1)) }
            }
            return weights
        }
    }

    private mutating func note(_ text: String) {
        if !notes.contains(text) { notes.append(text) }
    }

    private func result() throws(AnalyticsError) -> AllocationResult {
        struct LineKey: Hashable {
            var target: String
            var bucket: Bucket
        }
        var order: [String: DimensionValue] = [:]
        var sources: [Bucket: ExactDecimal] = [:]
        for item in items {
            let bucket = Bucket(period: item.period, currency: item.currency)
            order[item.period] = item.periodOrder
            sources[bucket] = try checkedSum(sources[bucket] ?? .zero, item.cost, "\(item.period) \(item.currency)")
        }
        var lines: [LineKey: AllocationResult.Line] = [:]
        var resultPortions: [AllocationResult.Portion] = []
        resultPortions.reserveCapacity(portions.count)
        for portion in portions {
            let item = items[portion.item]
            let target = portion.holder ?? rules.fallback
            let key = LineKey(target: target, bucket: Bucket(period: item.period, currency: item.currency))
            var line =
                lines[key]
                ?? .init(
                    target: target,
                    period: item.period,
                    periodStart: item.periodStart,
                    currency: item.currency,
                    amount: .zero,
                    direct: .zero,
                    allocated: .zero
                )
            let what = "\(target) in \(item.period) \(item.currency)"
            line.amount = try checkedSum(line.amount, portion.amount, what)
            if portion.isDirect {
                line.direct = try checkedSum(line.direct, portion.amount, what)
            } else {
                line.allocated = try checkedSum(line.allocated, portion.amount, what)
            }
            lines[key] = line
            resultPortions.append(
                .init(
                    period: item.period,
                    currency: item.currency,
                    source: zip(fields, item.fields).map { .init(name: $0.0.description, value: $0.1) },
                    amount: portion.amount,
                    target: target,
                    steps: portion.steps
                )
            )
        }
        func periodLess(_ a: String, _ b: String) -> Bool {
            let x = order[a] ?? .null
            let y = order[b] ?? .null
            return x != y ? x < y : a < b
        }
        let sortedLines = lines.values.filter { !$0.amount.isZero || !$0.direct.isZero || !$0.allocated.isZero }
            .sorted { lhs, rhs in
                if lhs.period != rhs.period { return periodLess(lhs.period, rhs.period) }
                return (lhs.currency, lhs.target) < (rhs.currency, rhs.target)
            }
        let totals = sources.map {
            AllocationResult.SourceTotal(period: $0.key.period, currency: $0.key.currency, amount: $0.value)
        }
        .sorted { $0.period != $1.period ? periodLess($0.period, $1.period) : $0.currency < $1.currency }
        return AllocationResult(
            targetName: rules.target,
            lines: sortedLines,
            sourceTotals: totals,
            portions: resultPortions,
            notes: notes
        )
    }
}
