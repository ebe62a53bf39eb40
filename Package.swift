// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "finops-kestra",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "FinOpsCore", targets: ["FinOpsCore"]),
        .library(name: "PivotKit", targets: ["PivotKit"]),
        .library(name: "FinOpsAnalytics", targets: ["FinOpsAnalytics"]),
        .library(name: "FlowEngine", targets: ["FlowEngine"]),
        .library(name: "FlowTesting", targets: ["FlowTesting"]),
        .library(name: "FinOpsTasks", targets: ["FinOpsTasks"]),
        .library(name: "PGStore", targets: ["PGStore"]),
        .library(name: "FinOpsServer", targets: ["FinOpsServer"]),
        .executable(name: "finops", targets: ["finops-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
    ],
    targets: [
        .systemLibrary(name: "CFinOpsSystem", path: "Sources/CFinOpsSystem", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "FinOpsCore", dependencies: ["CFinOpsSystem"]),
        .target(name: "PivotKit", dependencies: ["FinOpsCore"]),
        .systemLibrary(
            name: "CLibPQ",
            path: "Sources/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .target(name: "PGStore", dependencies: ["CLibPQ", "FinOpsCore", "PivotKit", "FlowEngine"]),
        .target(
            name: "FinOpsAnalytics",
            dependencies: ["FinOpsCore", "PivotKit", "YAMLGuard", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "FinOpsTasks",
            dependencies: [
                "FinOpsCore", "PivotKit", "FinOpsAnalytics", "FlowEngine",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "FinOpsServer",
            dependencies: [
                "FinOpsCore", "PivotKit", "FinOpsAnalytics", "FlowEngine", "FinOpsTasks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .target(name: "YAMLGuard", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(
            name: "FlowEngine",
            dependencies: [
                "YAMLGuard",
                .product(name: "Yams", package: "Yams"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "finops-cli",
            dependencies: [
                "FinOpsCore",
                "PivotKit",
                "FinOpsAnalytics",
                "FlowEngine",
                "FlowTesting",
                "FinOpsTasks",
                "FinOpsServer",
                "PGStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(name: "IngestSummary", dependencies: ["FinOpsCore"], path: "Examples/IngestSummary"),
        .target(
            name: "CostAlerts",
            dependencies: ["FlowEngine"],
            path: "Examples/CostAlerts",
            exclude: ["budget_alert.yml"]
        ),
        .executableTarget(name: "PivotFile", dependencies: ["FinOpsCore", "PivotKit"], path: "Examples/PivotFile"),
        .executableTarget(
            name: "WeeklyBudgetSummary",
            dependencies: ["FinOpsCore", "FinOpsTasks", "FlowEngine"],
            path: "Examples/WeeklyBudgetSummary",
            exclude: ["weekly_budget_summary.yml"]
        ),
        .executableTarget(
            name: "PostgresStore",
            dependencies: ["FinOpsCore", "PGStore", "PivotKit"],
            path: "Examples/PostgresStore"
        ),
        .executableTarget(
            name: "TeamDigest",
            dependencies: ["FinOpsCore", "FinOpsTasks", "FlowEngine"],
            path: "Examples/TeamDigest",
            exclude: ["team_digest.yml"]
        ),
        .testTarget(
            name: "TeamDigestTests",
            dependencies: ["TeamDigest", "FinOpsCore", "FinOpsTasks", "FlowEngine", "FlowTesting", "FinOpsTestSupport"],
            path: "Examples/TeamDigestTests"
        ),
        .testTarget(
            name: "ExamplesTests",
            dependencies: [
                "PivotFile", "WeeklyBudgetSummary", "TeamDigest", "IngestSummary", "FinOpsCore", "FinOpsTestSupport",
            ],
            path: "Examples/ExamplesTests"
        ),
        .testTarget(
            name: "CostAlertsTests",
            dependencies: ["CostAlerts", "FlowEngine", "FlowTesting"],
            path: "Examples/CostAlertsTests"
        ),
        .testTarget(
            name: "PivotKitTests",
            dependencies: ["PivotKit", "FinOpsCore", "FinOpsTestSupport"],
            exclude: ["Fixtures"]
        ),
        .target(
            name: "FlowTesting",
            dependencies: ["FlowEngine", .product(name: "OrderedCollections", package: "swift-collections")]
        ),
        .testTarget(
            name: "FlowTestingTests",
            dependencies: [
                "FlowTesting", "FlowEngine", .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .testTarget(
            name: "FlowEngineTests",
            dependencies: ["FlowEngine", .product(name: "OrderedCollections", package: "swift-collections")]
        ),
        .target(name: "FinOpsTestSupport", dependencies: ["FinOpsCore", "CFinOpsSystem"], path: "Tests/FinOpsTestSupport"),
        .target(
            name: "CostStoreConformance",
            dependencies: ["FinOpsCore", "FlowEngine", "FinOpsTestSupport"],
            path: "Tests/CostStoreConformance"
        ),
        .testTarget(
            name: "FinOpsCoreTests",
            dependencies: ["FinOpsCore", "FinOpsTestSupport", "CostStoreConformance"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "PGStoreTests",
            dependencies: [
                "PGStore", "FinOpsCore", "PivotKit", "FinOpsTestSupport", "CostStoreConformance", "finops-cli",
                "PostgresStore", "FinOpsServer", "FlowEngine", .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "FinOpsAnalyticsTests",
            dependencies: ["FinOpsAnalytics", "FinOpsCore", "PivotKit", "FinOpsTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "FinOpsTasksTests",
            dependencies: [
                "FinOpsTasks", "FinOpsAnalytics", "FinOpsCore", "PivotKit", "FlowEngine", "FlowTesting",
                "FinOpsTestSupport", .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "FinOpsServerTests",
            dependencies: [
                "FinOpsServer", "FinOpsTasks", "FinOpsAnalytics", "FinOpsCore", "PivotKit", "FlowEngine",
                "FinOpsTestSupport", "CostStoreConformance", .product(name: "Yams", package: "Yams"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["Browser"]
        ),
        .testTarget(name: "FinOpsCLITests", dependencies: ["finops-cli", "FinOpsCore", "FinOpsTestSupport"]),
    ]
)

// Benchmarks are release executables that only build when asked for, so `swift build` and `swift test` skip them.
if Context.environment["FINOPS_BENCHMARKS"] != nil {
    package.targets += [
        .executableTarget(name: "IngestBench", dependencies: ["FinOpsCore"], path: "Benchmarks/IngestBench"),
        .target(name: "BenchSupport", dependencies: ["PivotKit"], path: "Benchmarks/BenchSupport"),
        .executableTarget(
            name: "PivotBench",
            dependencies: ["FinOpsCore", "PivotKit", "BenchSupport"],
            path: "Benchmarks/PivotBench"
        ),
        .executableTarget(
            name: "PushDownBench",
            dependencies: ["FinOpsCore", "PivotKit", "PGStore", "BenchSupport"],
            path: "Benchmarks/PushDownBench"
        ),
        .executableTarget(
            name: "FlowBench",
            dependencies: [
                "FlowEngine", "FlowTesting", .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            path: "Benchmarks/FlowBench"
        ),
    ]
}

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
