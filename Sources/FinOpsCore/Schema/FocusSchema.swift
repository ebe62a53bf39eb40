/// The FOCUS 1.2 specification's columns, the renames of earlier versions, and header resolution.
public enum FocusSchema {
    /// The specification version the column list follows.
    public static let version = "1.2"

    /// All 57 columns of FOCUS 1.2, in the specification's alphabetical order.
    public static let columns: [FocusColumn] = [
        FocusColumn("AvailabilityZone", .string, .recommended, nullable: true, since: "0.5", allowedValues: nil),
        FocusColumn("BilledCost", .decimal, .mandatory, nullable: false, since: "0.5", allowedValues: nil),
        FocusColumn("BillingAccountId", .string, .mandatory, nullable: false, since: "0.5", allowedValues: nil),
        FocusColumn("BillingAccountName", .string, .mandatory, nullable: true, since: "0.5", allowedValues: nil),
        FocusColumn("BillingAccountType", .string, .conditional, nullable: false, since: "1.2", allowedValues: nil),
        FocusColumn("BillingCurrency", .string, .mandatory, nullable: false, since: "0.5", allowedValues: nil),
        FocusColumn("BillingPeriodEnd", .dateTime, .mandatory, nullable: false, since: "0.5", allowedValues: nil),
        FocusColumn("BillingPeriodStart", .dateTime, .mandatory, nullable: false, since: "0.5", allowedValues: nil),
        FocusColumn("CapacityReservationId", .string, .conditional, nullable: true, since: "1.1", allowedValues: nil),
        FocusColumn(
            "CapacityReservationStatus",
            .string,
            .conditional,
            nullable: true,
            since: "1.1",
            allowedValues: ["Used", "Unused"]
        ),
        FocusColumn(
            "ChargeCategory",
            .string,
            .mandatory,
            nullable: false,
            since: "0.5",
            allowedValues: ["Usage", "Purchase", "Tax", "Credit", "Adjustment"]
        ),
        FocusColumn("ChargeClass", .string, .mandatory, nullable: true, since: "1.0", allowedValues: ["Correction"]),
        FocusColumn("ChargeDescription", .string, .mandatory, nullable: true, since: "1.0-preview", allowedValues: nil),
        FocusColumn(
            "ChargeFrequency",
            .string,
            .recommended,
            nullable: false,
            since: "1.0-preview",
            allowedValues: ["One-Time", "Recurring", "Usage-Based"]
        ),
        FocusColumn("ChargePeriodEnd", .dateTime, .mandatory, nullable: false, since: "0.5", allowedValues: nil),
        FocusColumn("ChargePeriodStart", .dateTime, .mandatory, nullable: false, since: "0.5", allowedValues: nil),
        FocusColumn(
            "CommitmentDiscountCategory",
            .string,
            .conditional,
            nullable: true,
            since: "1.0-preview",
            allowedValues: ["Spend", "Usage"]
        ),
        FocusColumn(
            "CommitmentDiscountId",
            .string,
            .conditional,
            nullable: true,
            since: "1.0-preview",
            allowedValues: nil
        ),
        FocusColumn(
            "CommitmentDiscountName",
            .string,
            .conditional,
            nullable: true,
            since: "1.0-preview",
            allowedValues: nil
        ),
        FocusColumn(
            "CommitmentDiscountQuantity",
            .decimal,
            .conditional,
            nullable: true,
            since: "1.1",
            allowedValues: nil
        ),
        FocusColumn(
            "CommitmentDiscountStatus",
            .string,
            .conditional,
            nullable: true,
            since: "1.0",
            allowedValues: ["Used", "Unused"]
        ),
        FocusColumn(
            "CommitmentDiscountType",
            .string,
            .conditional,
            nullable: true,
            since: "1.0-preview",
            allowedValues: nil
        ),
        FocusColumn("CommitmentDiscountUnit", .string, .conditional, nullable: true, since: "1.1", allowedValues: nil),
        FocusColumn("ConsumedQuantity", .decimal, .conditional, nullable: true, since: "1.0", allowedValues: nil),
        FocusColumn("ConsumedUnit", .string, .conditional, nullable: true, since: "1.0", allowedValues: nil),
        FocusColumn("ContractedCost", .decimal, .mandatory, nullable: false, since: "1.0", allowedValues: nil),
        FocusColumn("ContractedUnitPrice", .decimal, .conditional, nullable: true, since: "1.0", allowedValues: nil),
        FocusColumn("EffectiveCost", .decimal, .mandatory, nullable: false, since: "0.5", allowedValues: nil),
        FocusColumn("InvoiceId", .string, .recommended, nullable: true, since: "1.2", allowedValues: nil),
        FocusColumn("InvoiceIssuerName", .string, .mandatory, nullable: false, since: "0.5", allowedValues: nil),
        FocusColumn("ListCost", .decimal, .mandatory, nullable: false, since: "1.0-preview", allowedValues: nil),
        FocusColumn("ListUnitPrice", .decimal, .conditional, nullable: true, since: "1.0-preview", allowedValues: nil),
        FocusColumn(
            "PricingCategory",
            .string,
            .conditional,
            nullable: true,
            since: "1.0-preview",
            allowedValues: ["Standard", "Dynamic", "Committed", "Other"]
        ),
        FocusColumn("PricingCurrency", .string, .conditional, nullable: true, since: "1.2", allowedValues: nil),
        FocusColumn(
            "PricingCurrencyContractedUnitPrice",
            .decimal,
            .conditional,
            nullable: true,
            since: "1.2",
            allowedValues: nil
        ),
        FocusColumn(
            "PricingCurrencyEffectiveCost",
            .decimal,
            .conditional,
            nullable: true,
            since: "1.2",
            allowedValues: nil
        ),
        FocusColumn(
            "PricingCurrencyListUnitPrice",
            .decimal,
            .conditional,
            nullable: true,
            since: "1.2",
            allowedValues: nil
        ),
        FocusColumn("PricingQuantity", .decimal, .mandatory, nullable: true, since: "1.0-preview", allowedValues: nil),
        FocusColumn("PricingUnit", .string, .mandatory, nullable: true, since: "1.0-preview", allowedValues: nil),
        FocusColumn("ProviderName", .string, .mandatory, nullable: false, since: "0.5", allowedValues: nil),
        FocusColumn("PublisherName", .string, .mandatory, nullable: false, since: "0.5", allowedValues: nil),
        FocusColumn("RegionId", .string, .conditional, nullable: true, since: "1.0", allowedValues: nil),
        FocusColumn("RegionName", .string, .conditional, nullable: true, since: "1.0", allowedValues: nil),
        FocusColumn("ResourceId", .string, .conditional, nullable: true, since: "0.5", allowedValues: nil),
        FocusColumn("ResourceName", .string, .conditional, nullable: true, since: "0.5", allowedValues: nil),
        FocusColumn("ResourceType", .string, .conditional, nullable: true, since: "1.0-preview", allowedValues: nil),
        FocusColumn(
            "ServiceCategory",
            .string,
            .mandatory,
            nullable: false,
            since: "0.5",
            allowedValues: [
                "AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases",
                "Developer Tools", "Multicloud", "Identity", "Integration", "Internet of Things",
                "Management and Governance", "Media", "Migration", "Mobile", "Networking", "Security", "Storage", "Web",
                "Other",
            ]
        ),
        FocusColumn("ServiceName", .string, .mandatory, nullable: false, since: "0.5", allowedValues: nil),
        FocusColumn("ServiceSubcategory", .string, .recommended, nullable: false, since: "1.1", allowedValues: nil),
        FocusColumn("SkuId", .string, .conditional, nullable: true, since: "1.0-preview", allowedValues: nil),
        FocusColumn("SkuMeter", .string, .conditional, nullable: true, since: "1.1", allowedValues: nil),
        FocusColumn("SkuPriceDetails", .keyValue, .conditional, nullable: true, since: "1.1", allowedValues: nil),
        FocusColumn("SkuPriceId", .string, .conditional, nullable: true, since: "1.0-preview", allowedValues: nil),
        FocusColumn("SubAccountId", .string, .conditional, nullable: true, since: "0.5", allowedValues: nil),
        FocusColumn("SubAccountName", .string, .conditional, nullable: true, since: "0.5", allowedValues: nil),
        FocusColumn("SubAccountType", .string, .conditional, nullable: true, since: "1.2", allowedValues: nil),
        FocusColumn("Tags", .tags, .conditional, nullable: true, since: "1.0-preview", allowedValues: nil),
    ]

    /// Column names of FOCUS 1.0-preview, 1.0 and 1.1 (and common drafts) that 1.2 renamed, mapped to the 1.2 name.
    public static let renamedColumns: [String: String] = [
        "AmortizedCost": "EffectiveCost",
        "ChargeType": "ChargeCategory",
        "UsageQuantity": "ConsumedQuantity",
        "UsageUnit": "ConsumedUnit",
        "Region": "RegionId",
        "Provider": "ProviderName",
        "Publisher": "PublisherName",
        "InvoiceIssuer": "InvoiceIssuerName",
    ]

    private static let byName: [String: FocusColumn] = Dictionary(uniqueKeysWithValues: columns.map { ($0.name, $0) })
    private static let byLowercasedName: [String: FocusColumn] = Dictionary(
        uniqueKeysWithValues: columns.map { ($0.name.lowercased(), $0) }
    )

    /// The column with exactly this 1.2 name.
    public static func column(named name: String) -> FocusColumn? {
        byName[name]
    }

    /// The mandatory columns of FOCUS 1.2.
    public static var mandatoryColumns: [FocusColumn] {
        columns.filter { $0.featureLevel == .mandatory }
    }

    /// Maps a header cell of an export to a FOCUS column, or to an extra column kept under its own name.
    public static func resolve(header: String) -> HeaderResolution {
        let trimmed = header.trimmingASCIIWhitespace()
        if let column = byName[trimmed] { return HeaderResolution(name: column.name, column: column, note: nil) }
        if let renamed = renamedColumns[trimmed], let column = byName[renamed] {
            return HeaderResolution(name: column.name, column: column, note: .renamed(from: trimmed))
        }
        if !trimmed.hasPrefix("x_"), let column = byLowercasedName[trimmed.lowercased()] {
            return HeaderResolution(name: column.name, column: column, note: .caseCorrected(from: trimmed))
        }
        return HeaderResolution(name: trimmed, column: nil, note: trimmed.hasPrefix("x_") ? nil : .notFocus)
    }
}

/// What a header cell of an export names.
public struct HeaderResolution: Sendable, Hashable {
    /// How the header differs from a FOCUS 1.2 column ID.
    public enum Note: Sendable, Hashable {
        /// A column that an earlier FOCUS version named differently.
        case renamed(from: String)
        /// A FOCUS column written with different letter case.
        case caseCorrected(from: String)
        /// An extra column without the `x_` prefix the specification asks for.
        case notFocus
    }

    /// The name the column is stored under: the FOCUS 1.2 ID, or the header itself for extra columns.
    public var name: String
    /// The FOCUS column, or `nil` for an extra column.
    public var column: FocusColumn?
    /// How the header differs from the specification, if it does.
    public var note: Note?
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
