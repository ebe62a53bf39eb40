import FinOpsAnalytics
import FinOpsCore
import FinOpsTestSupport
import PivotKit
import Testing

/// Random rules over random data: every digit of every period and currency is allocated, never lost or created.
@Suite("Allocation properties")
struct AllocationPropertyTests {
    static let services = ["Compute", "Storage", "Support", "Network", "Database"]
    static let teams = ["web", "data", "ml", "platform"]
    static let currencies = ["USD", "EUR", "JPY"]

    /// A table of `rows` rows: three months, three currencies, services, a team tag on some rows, costs with up to
    /// 18 fractional digits (some null, some negative credits, some far beyond a cent) and usage quantities.
    static func table(rows: Int, random: inout SeededRandom, extreme: Bool) -> CostTable {
        var starts: [Int64] = []
        var currencyCodes: [UInt32] = []
        var serviceCodes: [UInt32] = []
        var tagCodes: [UInt32] = []
        var costs: [ExactDecimal] = []
        var nulls = NullMask()
        var quantities: [ExactDecimal] = []
        for _ in 0..<rows {
            let month = random.next(3) + 1
            let day = random.next(28) + 1
            starts.append(Timestamp(year: 2024, month: month, day: day)!.microsecondsSinceEpoch)
            currencyCodes.append(UInt32(random.next(Self.currencies.count)))
            serviceCodes.append(UInt32(random.next(Self.services.count)))
            tagCodes.append(random.next(4) == 0 ? TagColumn.nullCode : UInt32(random.next(Self.teams.count + 1)))
            var units =
                Int128(random.next(1_000_000_000)) * Int128(random.next(1_000_000_000)) * Int128(random.next(1000) + 1)
            if extreme, random.next(10) == 0 { units *= 1_000_000_000 }
            if random.next(8) == 0 { units = -units }
            costs.append(ExactDecimal(units: units))
            nulls.append(random.next(20) == 0)
            quantities.append(ExactDecimal(random.next(500)))
        }
        // Set 0..<teams carry `team`; the last set carries only `env`.
        var sets = Self.teams.map { TagSet([.init(key: "team", value: .string($0))]) }
        sets.append(TagSet([.init(key: "env", value: .string("prod"))]))
        return CostTable(
            rowCount: rows,
            columns: [
                .init(name: "ChargePeriodStart", data: .timestamp(TimestampColumn(values: starts))),
                .init(
                    name: "BillingCurrency",
                    data: .string(StringColumn(codes: currencyCodes, dictionary: Self.currencies))
                ),
                .init(name: "ServiceName", data: .string(StringColumn(codes: serviceCodes, dictionary: Self.services))),
                .init(name: "Tags", data: .tags(TagColumn(codes: tagCodes, sets: sets))),
                .init(name: "EffectiveCost", data: .decimal(DecimalColumn(values: costs, nulls: nulls))),
                .init(name: "ConsumedQuantity", data: .decimal(DecimalColumn(values: quantities))),
            ]
        )
    }

    /// Σ EffectiveCost per month label and currency, straight from the table's rows.
    static func sourceTotals(_ table: CostTable) -> [String: ExactDecimal] {
        var totals: [String: ExactDecimal] = [:]
        let starts = table.timestamps("ChargePeriodStart")!
        let currencies = table.strings("BillingCurrency")!
        let costs = table.decimals("EffectiveCost")!
        for row in 0..<table.rowCount {
            guard let cost = costs[row] else { continue }
            let c = starts[row]!.components
            let key = "2024-0\(c.month) \(currencies[row]!)"
            totals[key, default: .zero] += cost
        }
        return totals
    }

    static func randomRule(_ index: Int, random: inout SeededRandom) -> AllocationRule {
        let conditions: [FilterExpression?] = [
            nil,
            .compare(.column("ServiceName"), .equal, .text(Self.services[random.next(Self.services.count)])),
            .isNull(.tag("team")),
            .not(.isIn(.column("ServiceName"), [.text("Compute"), .text("Storage")])),
            .like(.tag("team"), "%a%"),
        ]
        let targets = Self.teams.shuffled(using: &random)
        let some = Array(targets.prefix(random.next(3) + 1))
        let actions: [AllocationRule.Action] = [
            .assign(targets[0]),
            .assignBy(.tag("team")),
            .split(.evenly(some)),
            .split(.weights(some.map { .init($0, ExactDecimal(random.next(100))) } + [.init("web", ExactDecimal(1))])),
            .split(.proportional(nil, among: nil)),
            .split(.proportional(.sum("ConsumedQuantity"), among: some)),
        ]
        let sources: [AllocationRule.Source] = [.unclaimed, .unclaimed, .target(targets[1]), .any]
        var action = actions[random.next(actions.count)]
        if case .split(.weights(let weights)) = action {
            // Distinct targets: the last one added may repeat one drawn before.
            var seen: Set<String> = []
            action = .split(.weights(weights.filter { seen.insert($0.target).inserted }))
        }
        return AllocationRule(
            name: "rule \(index)",
            condition: conditions[random.next(conditions.count)],
            source: sources[random.next(sources.count)],
            action: action
        )
    }

    @Test("allocated totals equal source totals to the last digit", arguments: 0..<40)
    func conservation(_ seed: Int) throws {
        var random = SeededRandom(seed: UInt64(seed) &* 7919 &+ 11)
        let table = Self.table(rows: 40 + random.next(300), random: &random, extreme: seed % 4 == 3)
        let rules = AllocationRules(
            target: "team",
            precision: [2, 0, 18, 6][seed % 4],
            rules: (0..<(1 + random.next(6))).map { Self.randomRule($0, random: &random) }
        )
        let result = try rules.allocate(table)
        var allocated: [String: ExactDecimal] = [:]
        for line in result.lines {
            allocated["\(line.period) \(line.currency)", default: .zero] += line.amount
            #expect(line.amount == line.direct + line.allocated)
        }
        let expected = Self.sourceTotals(table).filter { !$0.value.isZero }
        #expect(allocated.filter { !$0.value.isZero } == expected, "rules: \(rules.rules)")
        #expect(result.unbalanced.isEmpty)
        // Portions are the lines' parts: their sum per target is the line.
        var byTarget: [String: ExactDecimal] = [:]
        for portion in result.portions {
            byTarget["\(portion.target) \(portion.period) \(portion.currency)", default: .zero] += portion.amount
        }
        for line in result.lines { #expect(byTarget["\(line.target) \(line.period) \(line.currency)"] == line.amount) }
        // The same input gives the same answer.
        let again = try rules.allocate(table)
        #expect(again.lines == result.lines)
    }

    @Test("split parts are whole steps of the precision but for one part per portion")
    func precision() throws {
        var random = SeededRandom(seed: 5)
        let table = Self.table(rows: 200, random: &random, extreme: false)
        let rules = AllocationRules(
            target: "team",
            precision: 2,
            rules: [
                AllocationRule(
                    name: "all",
                    action: .split(
                        .weights([
                            .init("web", ExactDecimal(1)), .init("data", ExactDecimal(2)), .init("ml", ExactDecimal(4)),
                        ])
                    )
                )
            ]
        )
        let result = try rules.allocate(table)
        let cent = ExactDecimal.unitsPerOne / 100
        for portion in result.portions where portion.target != "ml" {
            // ml has the largest weight, so it takes what is below a cent.
            #expect(portion.amount.units % cent == 0, "\(portion)")
        }
    }

    @Test("sums past the exact range are errors, not traps")
    func overflow() throws {
        let huge = ExactDecimal.greatestFiniteMagnitude
        let table = CostTable(
            rowCount: 2,
            columns: [
                .init(name: "ChargePeriodStart", data: .timestamp(TimestampColumn(values: [0, 1]))),
                .init(name: "BillingCurrency", data: .string(StringColumn(codes: [0, 0], dictionary: ["USD"]))),
                .init(name: "ServiceName", data: .string(StringColumn(codes: [0, 1], dictionary: ["a", "b"]))),
                .init(name: "EffectiveCost", data: .decimal(DecimalColumn(values: [huge, huge]))),
            ]
        )
        let rules = AllocationRules(rules: [
            AllocationRule(name: "by service", action: .assignBy(.column("ServiceName")))
        ])
        #expect(throws: AnalyticsError.self) { try rules.allocate(table) }
    }
}

extension SeededRandom: RandomNumberGenerator {
    public mutating func next() -> UInt64 {
        UInt64(next(Int(Int32.max))) << 32 | UInt64(next(Int(Int32.max)))
    }
}
