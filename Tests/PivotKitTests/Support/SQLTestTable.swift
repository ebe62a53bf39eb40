import FinOpsCore
import PivotKit

extension SQLCostTable {
    /// A layout like PGStore's (FOCUS columns in snake_case), written out here so PivotKit's tests need no PGStore.
    static let test = SQLCostTable(
        name: "finops.cost_rows",
        columns: Dictionary(
            uniqueKeysWithValues: FocusSchema.columns.map { ($0.name, SQLCostTable.snakeCase($0.name)) }
        ),
        tagsColumn: "tags",
        extraColumn: "extra",
        sourceColumn: "source",
        billingPeriodStartColumn: "billing_period_start"
    )
}
