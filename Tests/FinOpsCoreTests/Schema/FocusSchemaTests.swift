import FinOpsCore
import Testing

@Suite("FOCUS schema")
struct FocusSchemaTests {
    @Test("has the 57 columns of FOCUS 1.2: 21 mandatory, 32 conditional, 4 recommended")
    func columnCounts() {
        #expect(FocusSchema.columns.count == 57)
        #expect(Set(FocusSchema.columns.map(\.name)).count == 57)
        #expect(FocusSchema.columns.filter { $0.featureLevel == .mandatory }.count == 21)
        #expect(FocusSchema.columns.filter { $0.featureLevel == .conditional }.count == 32)
        #expect(FocusSchema.columns.filter { $0.featureLevel == .recommended }.count == 4)
    }

    @Test("types and allowed values follow the specification")
    func types() {
        #expect(FocusSchema.column(named: "BilledCost")?.dataType == .decimal)
        #expect(FocusSchema.column(named: "ChargePeriodStart")?.dataType == .dateTime)
        #expect(FocusSchema.column(named: "Tags")?.dataType == .tags)
        #expect(FocusSchema.column(named: "SkuPriceDetails")?.dataType == .keyValue)
        #expect(
            FocusSchema.column(named: "ChargeCategory")?.allowedValues == [
                "Usage", "Purchase", "Tax", "Credit", "Adjustment",
            ]
        )
        #expect(
            FocusSchema.column(named: "ChargeFrequency")?.allowedValues == ["One-Time", "Recurring", "Usage-Based"]
        )
        #expect(FocusSchema.column(named: "ServiceCategory")?.allowedValues?.count == 19)
        #expect(FocusSchema.column(named: "ContractedCost")?.isNullable == false)
        #expect(FocusSchema.column(named: "CapacityReservationStatus")?.allowedValues == ["Used", "Unused"])
    }

    @Test(
        "headers of earlier versions resolve to 1.2 names",
        arguments: [
            ("AmortizedCost", "EffectiveCost"), ("ChargeType", "ChargeCategory"), ("UsageQuantity", "ConsumedQuantity"),
            ("UsageUnit", "ConsumedUnit"), ("Region", "RegionId"), ("Provider", "ProviderName"),
            ("Publisher", "PublisherName"), ("InvoiceIssuer", "InvoiceIssuerName"),
        ]
    )
    func renamed(_ old: String, _ new: String) {
        let resolution = FocusSchema.resolve(header: old)
        #expect(resolution.name == new)
        #expect(resolution.note == .renamed(from: old))
    }

    @Test("case differences are corrected, extra columns kept by name")
    func extras() {
        #expect(FocusSchema.resolve(header: "SkuPriceid").name == "SkuPriceId")
        let custom = FocusSchema.resolve(header: "x_Custom")
        #expect(custom.name == "x_Custom" && custom.column == nil && custom.note == nil)
        #expect(FocusSchema.resolve(header: "Id").note == .notFocus)
    }
}
