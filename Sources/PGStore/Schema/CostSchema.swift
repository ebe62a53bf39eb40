import FinOpsCore
import Foundation
import PivotKit

/// The PostgreSQL layout of the cost store, in the schema `finops`.
///
/// `finops.cost_rows` has one column per FOCUS 1.2 column, named in snake_case (`BilledCost` → `billed_cost`), typed
/// exactly: `numeric` (unconstrained, so every ``ExactDecimal`` fits) for decimals, `timestamptz` for date-times, and
/// `text` otherwise (SkuPriceDetails keeps the export's JSON text as written). Tags are a `jsonb` object `tags` with a
/// GIN index; other extra columns are a `jsonb` object `extra` (name → text). `source` and `billing_period` (the UTC
/// day BillingPeriodStart falls on) say which load a row belongs to. This is the layout
/// `PivotKit.PostgresPivotCompiler` queries (``pivotTable``).
///
/// The table is partitioned by LIST on `billing_period`, one partition per billing period, created by the loader
/// when it first stores that period (``partitionDDL(for:)``).
///
/// Only `source` and `billing_period` are `NOT NULL`: FOCUS nullability is checked at ingest, which (like the
/// embedded store) may keep rows that breach the specification as written. There are no unique constraints, so the
/// table can be distributed by `billing_account_id` on Citus (see the module documentation).
public enum CostSchema {
    /// The schema everything lives in.
    public static let schema = "finops"
    /// The cost table, schema-qualified.
    public static let costTable = "finops.cost_rows"
    /// The manifest of what was loaded for each (source, billing period).
    public static let manifestTable = "finops.ingest_manifest"
    /// The migrations applied to the database.
    public static let migrationsTable = "finops.schema_migrations"

    /// A FOCUS column's name in the cost table: `BillingAccountId` → `billing_account_id`.
    public static func columnName(_ focusName: String) -> String {
        SQLCostTable.snakeCase(focusName)
    }

    /// The SQL type a FOCUS data type is stored as.
    public static func sqlType(_ type: FocusDataType) -> String {
        switch type {
        case .decimal: "numeric"
        case .dateTime: "timestamptz"
        case .string, .keyValue: "text"
        case .tags: "jsonb"
        }
    }

    /// The cost table's columns in order: the store's own, then FOCUS 1.2's (Tags as `tags`), then `extra`.
    public static let columns: [(name: String, type: String)] =
        [("source", "text NOT NULL"), ("billing_period", "date NOT NULL")]
        + FocusSchema.columns.map { (columnName($0.name), sqlType($0.dataType)) }
        + [("extra", "jsonb")]

    /// `CREATE TABLE finops.cost_rows (…) PARTITION BY LIST (billing_period)`.
    static var createCostTable: String {
        let body = columns.map { "    \(quoted($0.name)) \($0.type)" }.joined(separator: ",\n")
        return "CREATE TABLE \(costTable) (\n\(body)\n) PARTITION BY LIST (billing_period)"
    }

    /// The name of a billing period's partition: `cost_rows_p20240901`.
    public static func partitionName(for period: BillingPeriod) -> String {
        let start = period.start.components
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "cost_rows_p\(pad(start.year, 4))\(pad(start.month, 2))\(pad(start.day, 2))"
    }

    /// Creates the partition of a billing period if it does not exist. The value is a date the code formats, never
    /// user text.
    public static func partitionDDL(for period: BillingPeriod) -> String {
        let day = String(period.start.description.prefix { $0 != "T" })
        return "CREATE TABLE IF NOT EXISTS \(schema).\(quoted(partitionName(for: period))) "
            + "PARTITION OF \(costTable) FOR VALUES IN ('\(day)')"
    }

    /// A double-quoted SQL identifier.
    public static func quoted(_ identifier: String) -> String {
        SQLCostTable.quoted(identifier)
    }

    /// The cost table as PivotKit's SQL compiler sees it.
    public static let pivotTable = SQLCostTable(
        name: costTable,
        columns: Dictionary(uniqueKeysWithValues: FocusSchema.columns.map { ($0.name, columnName($0.name)) }),
        tagsColumn: "tags",
        extraColumn: "extra",
        sourceColumn: "source",
        billingPeriodStartColumn: columnName("BillingPeriodStart")
    )
}
