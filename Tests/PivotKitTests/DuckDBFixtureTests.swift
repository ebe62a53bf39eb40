import FinOpsCore
import Foundation
import PivotKit
import Testing

/// PivotKit against DuckDB's answers (exact DECIMAL(38,18) arithmetic) on the FOCUS sample; the SQL that produced
/// them sits beside each case in Fixtures/duckdb_fixtures.json (regenerate with Fixtures/duckdb_fixtures.py).
@Suite("Pivot against DuckDB fixtures")
struct DuckDBFixtureTests {
    struct Case: Decodable, CustomStringConvertible {
        struct Pivot: Decodable {
            var rows: String
            var measures: String
            var `where`: String?
            var totals: String?
            var top: Int?
        }

        var name: String
        var sql: String
        var pivot: Pivot
        var expected: [[String]]

        var description: String { name }
    }

    static let cases: [Case] = {
        let url = PivotFixtures.packageRoot.appendingPathComponent("Tests/PivotKitTests/Fixtures/duckdb_fixtures.json")
        return try! JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
    }()

    @Test("each query matches DuckDB cell for cell", arguments: cases)
    func matches(_ fixture: Case) throws {
        let measures = try PivotSyntax.measures(fixture.pivot.measures)
        let query = PivotQuery(
            rows: try PivotSyntax.dimensions(fixture.pivot.rows),
            measures: measures,
            filter: try fixture.pivot.where.map { try PivotSyntax.filter($0) },
            totals: fixture.pivot.totals.flatMap(PivotTotals.init(rawValue:)) ?? .none,
            top: fixture.pivot.top.map { TopN($0, by: measures[0]) }
        )
        let result = try query.run(on: PivotFixtures.focusSample)
        let actual = PivotFixtures.keyed(result)
            .map { key, values in key.components(separatedBy: " | ") + values }
            .sorted { $0.lexicographicallyPrecedes($1) }
        #expect(actual.count == fixture.expected.count, "\(fixture.sql)")
        for (mine, theirs) in zip(actual, fixture.expected.sorted { $0.lexicographicallyPrecedes($1) }) {
            #expect(mine.count == theirs.count)
            for (a, b) in zip(mine, theirs) where a != b {
                // Numbers are compared as exact decimals (DuckDB prints the column's scale).
                #expect(
                    ExactDecimal(a) != nil && ExactDecimal(a) == ExactDecimal(b),
                    "\(mine) vs \(theirs)\n\(fixture.sql)"
                )
            }
        }
    }
}
