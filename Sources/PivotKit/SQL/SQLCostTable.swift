import FinOpsCore
import Foundation

/// How a store lays out its cost rows in SQL: what ``PostgresPivotCompiler`` needs to know of a schema it does not
/// own (PGStore's `CostSchema.pivotTable` describes its own).
public struct SQLCostTable: Sendable, Hashable {
    /// The table, schema-qualified and quoted as needed (trusted configuration, not user input).
    public var name: String
    /// The SQL column of each stored FOCUS column, by FOCUS name (unquoted).
    public var columns: [String: String]
    /// The `jsonb` object column holding Tags.
    public var tagsColumn: String
    /// The `jsonb` object column holding other extra columns (name → text).
    public var extraColumn: String
    /// The text column naming the source a row was loaded from.
    public var sourceColumn: String
    /// The column holding BillingPeriodStart, which selects the periods of a ``FinOpsCore/CostFilter``.
    public var billingPeriodStartColumn: String

    /// Describes a table.
    public init(
        name: String,
        columns: [String: String],
        tagsColumn: String,
        extraColumn: String,
        sourceColumn: String,
        billingPeriodStartColumn: String
    ) {
        self.name = name
        self.columns = columns
        self.tagsColumn = tagsColumn
        self.extraColumn = extraColumn
        self.sourceColumn = sourceColumn
        self.billingPeriodStartColumn = billingPeriodStartColumn
    }

    /// A FOCUS column's name in snake_case, as SQL layouts name columns: `BillingAccountId` → `billing_account_id`.
    public static func snakeCase(_ focusName: String) -> String {
        var name = ""
        for (index, character) in focusName.enumerated() {
            if character.isUppercase {
                if index > 0 { name.append("_") }
                name += character.lowercased()
            } else {
                name.append(character)
            }
        }
        return name
    }

    /// A double-quoted SQL identifier.
    public static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
