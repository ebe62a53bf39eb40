import FinOpsCore
import Foundation

/// The first 200 rows of the bundled real export: every kind of column, nulls and tags; what fuzzed queries run on.
public enum FuzzTable {
    public static let table: CostTable = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Examples/data/focus_sample.csv").path
        guard let whole = try? FocusCSVReader(path: path).readTable() else { fatalError("cannot read \(path)") }
        return whole.selecting(rows: Array(0..<min(200, whole.rowCount)))
    }()
}
