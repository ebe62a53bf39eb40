/// The accounts, services, regions and resources of generated data, and the rule for writing one row.
struct SampleWorld {
    private struct Provider {
        var name: String
        var regions: [(id: String, name: String)]
        var services: [String]
        var subAccountType: String
        var billingAccountType: String
    }

    private struct Service {
        var name: [UInt8]
        var category: [UInt8]
        var subcategory: [UInt8]
        var provider: Int
        var pricingUnit: [UInt8]
        var resourceType: [UInt8]
    }

    private struct Account {
        var id: [UInt8]
        var name: [UInt8]
        var type: [UInt8]
        var provider: Int
        var currency: [UInt8]
        var discountPercent: Int64
    }

    private struct SubAccount {
        var id: [UInt8]
        var name: [UInt8]
        var type: [UInt8]
        var account: Int
    }

    private struct Resource {
        var id: [UInt8]
        var name: [UInt8]
        var subAccount: Int
        var service: Int
        var region: Int
        var zone: [UInt8]
        var tags: [UInt8]
        /// ListUnitPrice in units of 10⁻¹⁰.
        var listUnitPrice: Int64
        var skuId: [UInt8]
        var skuPriceId: [UInt8]
        var skuDetails: [UInt8]
        var resourceGroup: [UInt8]
    }

    private static let categories: [(String, String, String)] = [
        ("Compute", "Virtual Machines", "Hours"), ("Storage", "Object Storage", "GB-Months"),
        ("Databases", "Relational Databases", "Hours"), ("Networking", "Network Connectivity", "GB"),
        ("Analytics", "Data Processing", "TB"), ("AI and Machine Learning", "Generative AI", "1000 Tokens"),
        ("Security", "Security Posture Management", "Requests"), ("Management and Governance", "Observability", "GB"),
        ("Developer Tools", "Build and Deployment", "Minutes"), ("Integration", "Messaging", "Requests"),
        ("Web", "Content Delivery", "GB"), ("Identity", "Identity and Access Management", "Users"),
        ("Internet of Things", "IoT Platform", "Messages"), ("Media", "Media Processing", "Minutes"),
        ("Other", "Other (Other)", "Units"),
    ]

    private static let providers: [Provider] = [
        Provider(
            name: "AWS",
            regions: [
                ("us-east-1", "US East (N. Virginia)"), ("us-east-2", "US East (Ohio)"),
                ("us-west-2", "US West (Oregon)"),
                ("eu-west-1", "Europe (Ireland)"), ("eu-central-1", "Europe (Frankfurt)"),
                ("ap-southeast-1", "Asia Pacific (Singapore)"), ("ap-northeast-1", "Asia Pacific (Tokyo)"),
                ("ap-south-1", "Asia Pacific (Mumbai)"), ("sa-east-1", "South America (Sao Paulo)"),
            ],
            services: [
                "Amazon EC2", "Amazon S3", "Amazon RDS", "Amazon VPC", "Amazon Athena", "Amazon SageMaker", "AWS WAF",
                "Amazon CloudWatch", "AWS CodeBuild", "Amazon SQS", "Amazon CloudFront", "AWS IAM Identity Center",
                "AWS IoT Core", "AWS Elemental MediaConvert", "AWS Support",
            ],
            subAccountType: "Account",
            billingAccountType: "Management Account"
        ),
        Provider(
            name: "Microsoft",
            regions: [
                ("eastus", "East US"), ("eastus2", "East US 2"), ("westus2", "West US 2"),
                ("westeurope", "West Europe"),
                ("northeurope", "North Europe"), ("southeastasia", "Southeast Asia"), ("japaneast", "Japan East"),
                ("uksouth", "UK South"),
            ],
            services: [
                "Virtual Machines", "Storage", "Azure SQL Database", "Virtual Network", "Azure Synapse Analytics",
                "Azure OpenAI", "Microsoft Defender for Cloud", "Azure Monitor", "Azure DevOps", "Service Bus",
                "Azure Front Door", "Microsoft Entra ID", "IoT Hub", "Media Services", "Azure Support",
            ],
            subAccountType: "Subscription",
            billingAccountType: "Billing Profile"
        ),
        Provider(
            name: "Google Cloud",
            regions: [
                ("us-central1", "Iowa"), ("us-east1", "South Carolina"), ("us-west1", "Oregon"),
                ("europe-west1", "Belgium"), ("europe-west4", "Netherlands"), ("asia-east1", "Taiwan"),
                ("asia-northeast1", "Tokyo"), ("australia-southeast1", "Sydney"),
            ],
            services: [
                "Compute Engine", "Cloud Storage", "Cloud SQL", "Cloud VPC", "BigQuery", "Vertex AI", "Cloud Armor",
                "Cloud Logging", "Cloud Build", "Pub/Sub", "Cloud CDN", "Cloud Identity", "IoT Core", "Transcoder API",
                "Cloud Support",
            ],
            subAccountType: "Project",
            billingAccountType: "Billing Account"
        ),
    ]

    private static let variants = [
        "", " - Reserved", " - Spot", " Data Transfer", " Backup", " Premium", " Standard", " Archive",
    ]
    private static let teams = [
        "payments", "search", "checkout", "platform", "data", "ml", "identity", "growth", "mobile", "infra",
        "security", "analytics", "billing", "ads", "messaging", "core",
    ]
    private static let environments = ["prod", "prod", "prod", "staging", "dev", "test"]

    private var random: SplitMix64
    private var services: [Service] = []
    private var regions: [(id: [UInt8], name: [UInt8], provider: Int)] = []
    private var accounts: [Account] = []
    private var subAccounts: [SubAccount] = []
    private var resources: [Resource] = []
    private var commitments: [[UInt8]] = []

    init(seed: UInt64, rows: Int) {
        random = SplitMix64(state: seed)
        for (providerIndex, provider) in Self.providers.enumerated() {
            for region in provider.regions {
                regions.append((Array(region.id.utf8), Array(region.name.utf8), providerIndex))
            }
            for index in 0..<40 {
                let base = provider.services[index % provider.services.count]
                let category = Self.categories[index % Self.categories.count]
                services.append(
                    Service(
                        name: Array((base + Self.variants[index / provider.services.count]).utf8),
                        category: Array(category.0.utf8),
                        subcategory: Array(category.1.utf8),
                        provider: providerIndex,
                        pricingUnit: Array(category.2.utf8),
                        resourceType: Array(
                            (category.1.hasSuffix("s") ? String(category.1.dropLast()) : category.1).utf8
                        )
                    )
                )
            }
        }
        // 20 billing accounts: 9 AWS, 6 Microsoft (two billed in EUR), 5 Google Cloud.
        for index in 0..<20 {
            let provider = index < 9 ? 0 : index < 15 ? 1 : 2
            let id: String =
                switch provider {
                case 0: String(100_000_000_000 + 7919 * index * 131)
                case 1: "\(7_000_000 + index * 977):\(hexString(random.next(), length: 8))"
                default: "01A2B3-\(hexString(random.next(), length: 6).uppercased())-\(index)"
                }
            accounts.append(
                Account(
                    id: Array(id.utf8),
                    name: Array(
                        "\(["Acme", "Globex", "Initech", "Umbrella", "Hooli"][index % 5]) \(Self.providers[provider].name) \(index)"
                            .utf8
                    ),
                    type: Array(Self.providers[provider].billingAccountType.utf8),
                    provider: provider,
                    currency: Array((index == 10 || index == 13 ? "EUR" : "USD").utf8),
                    discountPercent: random.next(in: 0...25)
                )
            )
        }
        for index in 0..<200 {
            let account = index < 20 ? index : random.skewed(20)
            let provider = accounts[account].provider
            let id: String =
                switch provider {
                case 0: String(200_000_000_000 + 104_729 * index)
                case 1:
                    "\(hexString(random.next(), length: 8))-\(hexString(random.next(), length: 4))-4\(hexString(random.next(), length: 3))-a\(hexString(random.next(), length: 3))-\(hexString(random.next(), length: 12))"
                default: "proj-\(Self.teams[index % Self.teams.count])-\(index)"
                }
            subAccounts.append(
                SubAccount(
                    id: Array(id.utf8),
                    name: Array(
                        "\(Self.teams[index % Self.teams.count])-\(["prod", "staging", "dev"][index % 3])-\(index)".utf8
                    ),
                    type: Array(Self.providers[provider].subAccountType.utf8),
                    account: account
                )
            )
        }
        for index in 0..<40 {
            commitments.append(Array("commitment-\(hexString(UInt64(index) &* 0x9E37_79B9, length: 10))".utf8))
        }
        let resourceCount = max(10, min(200_000, rows / 5 + 100))
        resources.reserveCapacity(resourceCount)
        for index in 0..<resourceCount { resources.append(makeResource(index)) }
    }

    private mutating func makeResource(_ index: Int) -> Resource {
        let subAccount = random.skewed(subAccounts.count)
        let provider = accounts[subAccounts[subAccount].account].provider
        let providerServices = services.indices.filter { services[$0].provider == provider }
        let service = providerServices[random.skewed(providerServices.count)]
        let providerRegions = regions.indices.filter { regions[$0].provider == provider }
        let region = providerRegions[random.skewed(providerRegions.count)]
        let team = Self.teams[random.next(Self.teams.count)]
        let environment = Self.environments[random.next(Self.environments.count)]
        let tagMode = random.perMille()
        let tags: String =
            if tagMode < 890 {
                "{\"team\":\"\(team)\",\"env\":\"\(environment)\",\"app\":\"\(team)-app\(index % 6)\"}"
            } else if tagMode < 970 {
                "{\"env\":\"\(environment)\",\"app\":\"\(team)-app\(index % 6)\"}"
            } else {
                ""
            }
        let suffix = hexString(UInt64(index) &* 2_654_435_761 &+ 97, length: 12)
        let regionId = String(decoding: regions[region].id, as: UTF8.self)
        let subId = String(decoding: subAccounts[subAccount].id, as: UTF8.self)
        let id: String =
            switch provider {
            case 0: "arn:aws:svc\(service % 40):\(regionId):\(subId):r/i-\(suffix)"
            case 1: "/subscriptions/\(subId)/resourceGroups/rg-\(team)/providers/svc\(service % 40)/r-\(suffix)"
            default: "//svc\(service % 40).googleapis.com/projects/\(subId)/\(regionId)/r-\(suffix)"
            }
        let isCompute = services[service].category == Array("Compute".utf8)
        let instance = ["m5.large", "c6g.xlarge", "Standard_D4s_v5", "n2-standard-8", "r6i.2xlarge"][index % 5]
        // Unit prices between about 0.0001 and 14, heavy tailed, in units of 10^-10.
        let magnitude = Int64(1) << Int64(random.next(17) + 20)
        return Resource(
            id: Array(id.utf8),
            name: Array("\(team)-\(environment)-\(index)".utf8),
            subAccount: subAccount,
            service: service,
            region: region,
            zone: provider == 0 && isCompute ? Array((regionId + "abc".map(String.init)[index % 3]).utf8) : [],
            tags: Array(tags.utf8),
            listUnitPrice: magnitude + random.next(in: 0...magnitude),
            skuId: Array("SKU-\(service)-\(index % 13)".utf8),
            skuPriceId: Array("SKU-\(service)-\(index % 13)-P\(index % 3)".utf8),
            skuDetails: isCompute
                ? Array("{\"InstanceType\":\"\(instance)\",\"CoreCount\":\(2 << (index % 4))}".utf8) : [],
            resourceGroup: provider == 1 ? Array("rg-\(team)".utf8) : []
        )
    }

    private enum Category {
        case usage
        case purchase
        case tax
        case credit
        case adjustment
    }

    /// One data row, in ``SampleGenerator/header`` order.
    mutating func writeRow(hour slot: SampleCalendar.Slot, to out: inout CSVLineWriter) {
        let draw = random.perMille()
        let category: Category =
            draw < 930 ? .usage : draw < 950 ? .purchase : draw < 975 ? .tax : draw < 995 ? .credit : .adjustment
        let resource = resources[random.skewed(resources.count)]
        let subAccount = subAccounts[resource.subAccount]
        let account = accounts[subAccount.account]
        let service = services[resource.service]
        let region = regions[resource.region]
        let provider = Array(Self.providers[account.provider].name.utf8)

        // Exact arithmetic: prices in 10^-10 (list) and 10^-12 (discounted), quantities in 10^-6.
        var billed: Int128 = 0
        var effective: Int128 = 0
        var list: Int128 = 0
        var contracted: Int128 = 0
        var costScale = 18
        var listUnitPrice: (Int128, Int)?
        var contractedUnitPrice: (Int128, Int)?
        var pricingQuantity: Int128?
        var pricingCategory: String?
        var commitment: [UInt8]?
        var commitmentStatus: String?
        var frequency = "Usage-Based"
        var chargeClass: String?
        var description: String
        let serviceName = String(decoding: service.name, as: UTF8.self)
        switch category {
        case .usage:
            let quantity = Int128(random.next(in: 1_000...5_000_000))
            let lup = Int128(resource.listUnitPrice)
            let cup = lup * Int128(100 - account.discountPercent)
            list = lup * quantity * 100  // 10^-16 → 10^-18
            contracted = cup * quantity  // 10^-12 × 10^-6 = 10^-18
            listUnitPrice = (lup, 10)
            contractedUnitPrice = (cup, 12)
            pricingQuantity = quantity
            let kind = random.perMille()
            if kind < 700 {
                pricingCategory = "Standard"
                billed = contracted
                effective = contracted
            } else if kind < 800 {
                pricingCategory = "Dynamic"
                billed = lup * 30 * quantity  // 10^-12 × 10^-6
                effective = billed
            } else {
                pricingCategory = "Committed"
                commitment = commitments[resource.service % commitments.count]
                commitmentStatus = "Used"
                billed = 0
                effective = lup * 60 * quantity
            }
            description = "\(serviceName) usage in \(String(decoding: region.id, as: UTF8.self))"
        case .purchase:
            let amount = Int128(random.next(in: 1_000...10_000))
            (billed, effective, list, contracted) = (amount, 0, amount, amount)
            costScale = 2
            listUnitPrice = (amount, 2)
            contractedUnitPrice = (amount, 2)
            pricingQuantity = 1_000_000
            pricingCategory = "Standard"
            commitment = commitments[resource.service % commitments.count]
            frequency = random.next(2) == 0 ? "One-Time" : "Recurring"
            description = "Commitment purchase, \(serviceName)"
        case .tax:
            let amount = Int128(random.next(in: 1...500))
            (billed, effective, list, contracted) = (amount, amount, amount, amount)
            costScale = 2
            frequency = "Recurring"
            description = "Sales tax"
        case .credit:
            let amount = -Int128(random.next(in: 1...1_000))
            (billed, effective, list, contracted) = (amount, amount, amount, amount)
            costScale = 2
            frequency = "One-Time"
            description = "Promotional credit, \"\(serviceName)\""
        case .adjustment:
            let amount = Int128(random.next(in: -2_000...2_000))
            (billed, effective, list, contracted) = (amount, amount, amount, amount)
            costScale = 2
            frequency = "One-Time"
            chargeClass = random.next(4) == 0 ? "Correction" : nil
            description = "Billing adjustment"
        }
        let hasResource = category == .usage || category == .credit
        let categoryText: String =
            switch category {
            case .usage: "Usage"
            case .purchase: "Purchase"
            case .tax: "Tax"
            case .credit: "Credit"
            case .adjustment: "Adjustment"
            }
        let month = Array(String(slot.month).utf8)

        // The 57 FOCUS columns in alphabetical order, then x_ResourceGroup.
        out.raw(hasResource ? resource.zone : [])  // AvailabilityZone
        out.comma()
        out.decimal(billed, scale: costScale)  // BilledCost
        out.comma()
        out.raw(account.id)
        out.comma()
        out.raw(account.name)
        out.comma()
        out.raw(account.type)
        out.comma()
        out.raw(account.currency)
        out.comma()
        out.raw(slot.billingEnd)
        out.comma()
        out.raw(slot.billingStart)
        out.comma()
        out.comma()  // CapacityReservationId
        out.comma()  // CapacityReservationStatus
        out.raw(categoryText)
        out.comma()
        if let chargeClass { out.raw(chargeClass) }
        out.comma()
        out.quoted(Array(description.utf8))
        out.comma()
        out.raw(frequency)
        out.comma()
        out.raw(slot.end)
        out.comma()
        out.raw(slot.start)
        out.comma()
        if commitment != nil { out.raw(random.next(3) == 0 ? "Spend" : "Usage") }  // CommitmentDiscountCategory
        out.comma()
        if let commitment { out.raw(commitment) }  // CommitmentDiscountId
        out.comma()
        if let commitment {  // CommitmentDiscountName
            out.raw("Savings ")
            out.raw(commitment)
        }
        out.comma()
        if commitmentStatus != nil, let pricingQuantity { out.decimal(pricingQuantity, scale: 6) }  // ...Quantity
        out.comma()
        if let commitmentStatus { out.raw(commitmentStatus) }
        out.comma()
        if commitment != nil { out.raw(account.provider == 0 ? "Savings Plan" : "Reservation") }  // ...Type
        out.comma()
        if commitmentStatus != nil { out.raw(service.pricingUnit) }  // CommitmentDiscountUnit
        out.comma()
        if category == .usage, let pricingQuantity { out.decimal(pricingQuantity, scale: 6) }  // ConsumedQuantity
        out.comma()
        if category == .usage { out.raw(service.pricingUnit) }  // ConsumedUnit
        out.comma()
        out.decimal(contracted, scale: costScale)  // ContractedCost
        out.comma()
        if let (units, scale) = contractedUnitPrice { out.decimal(units, scale: scale) }
        out.comma()
        out.decimal(effective, scale: costScale)  // EffectiveCost
        out.comma()
        out.raw("INV-")  // InvoiceId
        out.raw(account.id)
        out.raw("-")
        out.raw(month)
        out.comma()
        out.raw(provider)  // InvoiceIssuerName
        out.comma()
        out.decimal(list, scale: costScale)  // ListCost
        out.comma()
        if let (units, scale) = listUnitPrice { out.decimal(units, scale: scale) }
        out.comma()
        if let pricingCategory { out.raw(pricingCategory) }
        out.comma()
        out.comma()  // PricingCurrency
        out.comma()  // PricingCurrencyContractedUnitPrice
        out.comma()  // PricingCurrencyEffectiveCost
        out.comma()  // PricingCurrencyListUnitPrice
        if let pricingQuantity { out.decimal(pricingQuantity, scale: 6) }
        out.comma()
        if pricingQuantity != nil { out.raw(category == .purchase ? Array("Commitment".utf8) : service.pricingUnit) }
        out.comma()
        out.raw(provider)  // ProviderName
        out.comma()
        out.raw(provider)  // PublisherName
        out.comma()
        if hasResource || category == .purchase { out.raw(region.id) }
        out.comma()
        if hasResource || category == .purchase { out.raw(region.name) }
        out.comma()
        if hasResource { out.raw(resource.id) } else if let commitment { out.raw(commitment) }
        out.comma()
        if hasResource { out.raw(resource.name) }
        out.comma()
        if hasResource { out.raw(service.resourceType) }
        out.comma()
        out.raw(category == .tax ? Array("Other".utf8) : service.category)
        out.comma()
        out.quoted(category == .tax ? Array("Tax".utf8) : service.name)
        out.comma()
        out.raw(category == .tax ? Array("Other (Other)".utf8) : service.subcategory)
        out.comma()
        if listUnitPrice != nil { out.raw(resource.skuId) }
        out.comma()
        if listUnitPrice != nil { out.raw(service.pricingUnit) }  // SkuMeter
        out.comma()
        if category == .usage { out.quoted(resource.skuDetails) }
        out.comma()
        if listUnitPrice != nil { out.raw(resource.skuPriceId) }
        out.comma()
        out.raw(subAccount.id)
        out.comma()
        out.raw(subAccount.name)
        out.comma()
        out.raw(subAccount.type)
        out.comma()
        if hasResource { out.quoted(resource.tags) } else { out.raw("{}") }  // Tags
        out.comma()
        if hasResource { out.raw(resource.resourceGroup) }
        out.newline()
    }
}

private func hexString(_ value: UInt64, length: Int) -> String {
    let text = String(value, radix: 16)
    if text.count >= length { return String(text.suffix(length)) }
    return String(repeating: "0", count: length - text.count) + text
}
