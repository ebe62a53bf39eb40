import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

@Suite("Sample generator")
struct SampleGeneratorTests {
    private func bytes(rows: Int, seed: UInt64) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try SampleGenerator(rows: rows, seed: seed).write { bytes += $0 }
        return bytes
    }

    @Test("is deterministic per seed")
    func deterministic() throws {
        #expect(try bytes(rows: 2_000, seed: 3) == bytes(rows: 2_000, seed: 3))
        #expect(try bytes(rows: 2_000, seed: 3) != bytes(rows: 2_000, seed: 4))
    }

    @Test("writes valid FOCUS 1.2 with every column, several providers, currencies and charge categories")
    func content() throws {
        let path = Fixtures.file(named: "gen.csv", "")
        try SampleGenerator(rows: 20_000, seed: 11).write(to: path)
        let (table, reader) = try Fixtures.readAll(path)
        #expect(reader.warnings.isEmpty, "\(reader.warnings.entries)")
        #expect(table.rowCount == 20_000)
        #expect(Set(FocusSchema.columns.map(\.name)).isSubset(of: Set(table.columns.map(\.name))))
        #expect(Set(table.strings("ProviderName")!.dictionary) == ["AWS", "Microsoft", "Google Cloud"])
        #expect(Set(table.strings("BillingCurrency")!.dictionary) == ["USD", "EUR"])
        #expect(
            Set(table.strings("ChargeCategory")!.dictionary) == ["Usage", "Purchase", "Tax", "Credit", "Adjustment"]
        )
        #expect(Set(table.strings("PricingCategory")!.dictionary) == ["Standard", "Dynamic", "Committed"])
        let untagged = (0..<table.rowCount).filter { table.tags![$0] != nil && table.tags![$0]!["team"] == nil }
        #expect(!untagged.isEmpty)
        #expect(Set(table.strings("ResourceId")!.codes).count > 1_000)
    }

    @Test("costs are exact products: ListCost = ListUnitPrice × PricingQuantity on every usage row")
    func exactProducts() throws {
        let path = Fixtures.file(named: "gen.csv", "")
        try SampleGenerator(rows: 5_000, seed: 5).write(to: path)
        let (table, _) = try Fixtures.readAll(path)
        let category = table.strings("ChargeCategory")!
        let price = table.decimals("ListUnitPrice")!
        let quantity = table.decimals("PricingQuantity")!
        let list = table.decimals("ListCost")!
        var checked = 0
        for row in 0..<table.rowCount where category[row] == "Usage" {
            // Prices have at most 10 and quantities 6 fractional digits, so the product is exact in Int128.
            let product =
                (price.values[row].units / 100_000_000) * (quantity.values[row].units / 1_000_000_000_000) * 100
            #expect(product == list.values[row].units)
            checked += 1
        }
        #expect(checked > 4_000)
    }
}
