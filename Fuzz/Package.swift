// swift-tools-version: 6.1
// libFuzzer targets, apart from the main package so that its build is unaffected: see Benchmarks/fuzz.sh.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, whatever the clone is called.
let main = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "finops-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        // Only the targets that query a table link FinOpsCore through it: a change there leaves the others' builds
        // (and so their campaign counts) as they were.
        .target(name: "FuzzTables", dependencies: [.product(name: "FinOpsCore", package: main)]),
        .executableTarget(
            name: "FuzzCSV",
            dependencies: ["FuzzSupport", .product(name: "FinOpsCore", package: main)]
        ),
        .executableTarget(
            name: "FuzzFlow",
            dependencies: ["FuzzSupport", .product(name: "FlowEngine", package: main)]
        ),
        .executableTarget(
            name: "FuzzTemplate",
            dependencies: ["FuzzSupport", .product(name: "FlowEngine", package: main)]
        ),
        .executableTarget(
            name: "FuzzPivotSyntax",
            dependencies: [
                "FuzzSupport", "FuzzTables", .product(name: "PivotKit", package: main),
                .product(name: "FinOpsCore", package: main),
            ]
        ),
        .executableTarget(
            name: "FuzzAPIBodies",
            dependencies: [
                "FuzzSupport", .product(name: "PivotKit", package: main), .product(name: "FlowEngine", package: main),
            ]
        ),
        .executableTarget(
            name: "FuzzDecimal",
            dependencies: ["FuzzSupport", .product(name: "FinOpsCore", package: main)]
        ),
        .executableTarget(
            name: "FuzzAnalysisFiles",
            dependencies: [
                "FuzzSupport", .product(name: "FinOpsAnalytics", package: main),
                .product(name: "FinOpsCore", package: main),
            ]
        ),
    ]
)
