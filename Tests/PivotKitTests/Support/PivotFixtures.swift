import FinOpsCore
import FinOpsTestSupport
import Foundation
import PivotKit

enum PivotFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The official FOCUS sample, read once.
    static let focusSample: CostTable = read(packageRoot.appendingPathComponent("Examples/data/focus_sample.csv").path)

    /// Generated FOCUS 1.2 data: three months, two currencies, tags, all charge categories.
    static let generated: CostTable = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pivot-\(UUID().uuidString).csv").path
        try! SampleGenerator(rows: 20_000, seed: 3).write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return read(path)
    }()

    static func read(_ path: String) -> CostTable {
        let reader = try! FocusCSVReader(path: path)
        var batches: [CostTable] = []
        while let batch = try! reader.nextBatch() { batches.append(batch.table) }
        return CostTable.concatenating(batches)
    }

    /// A query of the differential tests' shapes: BillingCurrency and up to two other rows, up to four measures and
    /// one of the filters (or none).
    static func randomQuery(_ random: inout SeededRandom) -> PivotQuery {
        PivotQuery(
            rows: [.column("BillingCurrency")]
                + (0..<random.next(3)).map { _ in
                    PivotDifferentialTests.dimensions[random.next(PivotDifferentialTests.dimensions.count)]
                },
            measures: (0...random.next(3)).map { _ in
                PivotDifferentialTests.measures[random.next(PivotDifferentialTests.measures.count)]
            },
            filter: PivotDifferentialTests.filters[random.next(PivotDifferentialTests.filters.count)],
            totals: .all
        )
    }

    /// The result as the naive reference keys it: members joined by " | ", measures as text.
    static func keyed(_ result: PivotResult) -> [String: [String]] {
        let dimensions = result.query.rows + result.query.columns
        var keyed: [String: [String]] = [:]
        for cell in result.cells {
            let members = zip(cell.rowValues + cell.columnValues, dimensions).map { value, dimension -> String in
                guard let value else { return "(total)" }
                if case .null = value, case .tag = dimension { return "(untagged)" }
                return value.description
            }
            keyed[members.joined(separator: " | ")] = cell.measures.map(\.description)
        }
        return keyed
    }
}
