import ArgumentParser
import FinOpsCore
import Foundation
import PGStore
import PivotKit

extension FinOps {
    struct Pivot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Slice stored costs (or CSV files) by dimensions, with exact measures and totals.",
            discussion: """
                Examples:
                  finops pivot --rows ServiceName --measures "sum(EffectiveCost)"
                  finops pivot --rows "BillingCurrency,tag(team)" --columns "month(ChargePeriodStart)" \\
                      --measures "sum(BilledCost)" --where "ChargeCategory = 'Usage'" --totals all
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Option(name: .customLong("file"), help: "Pivot these FOCUS CSV files directly instead of the store.")
        var files: [String] = []

        @Option(help: "Row dimensions: columns, tag(key), hour|day|week|month|quarter|year(column).")
        var rows: String

        @Option(help: "Column dimensions, like --rows.")
        var columns: String?

        @Option(help: "Measures: count(), sum|min|max|avg(column), count_distinct(column).")
        var measures: String = "count()"

        @Option(
            name: .customLong("where"),
            help: """
                A filter, e.g. "ChargeCategory = 'Usage' and RegionId in ('us-east-1') and ServiceName ~ '^Amazon'".
                """
        )
        var filter: String?

        @Option(help: "Keep groups whose measures pass, e.g. \"sum(EffectiveCost) > 100\".")
        var having: String?

        @Option(
            help: "N[:MEASURE]: the N largest members of the innermost row dimension per parent, the rest as Others."
        )
        var top: String?

        @Option(
            help:
                "Sort keys, descending with 'desc' (or a leading '-' as --sort=-KEY), e.g. \"sum(EffectiveCost) desc,ServiceName\"."
        )
        var sort: String?

        @Option(help: "At most this many groups.")
        var limit: Int?

        @Option(help: "Totals: none, grand, or all (subtotals at every level).")
        var totals: PivotTotals = .none

        @Option(name: .customLong("tz"), help: "The IANA time zone of time buckets.")
        var timeZone: String = "UTC"

        @Option(help: "Output format: table, csv, json or html (a self-contained page).")
        var format: PivotFormat = .table

        @Flag(
            help: "Print the PostgreSQL statement (and its parameters) that answers the pivot, instead of running it."
        )
        var sql = false

        enum PivotFormat: String, ExpressibleByArgument, CaseIterable {
            case table
            case csv
            case json
            case html
        }

        func run() async throws {
            let definition = PivotDefinition(
                rows: rows,
                columns: columns ?? "",
                measures: measures,
                filter: filter ?? "",
                having: having ?? "",
                top: top ?? "",
                sort: sort ?? "",
                limit: limit,
                totals: totals,
                timeZone: timeZone
            )
            let query: PivotQuery
            do {
                query = try definition.query()
            } catch {
                let flag = error.part == .filter ? "where" : error.part == .timeZone ? "tz" : error.part.rawValue
                throw ValidationError("--\(flag): \(error.message)")
            }
            if sql {
                do {
                    let compiled = try PostgresCostStore.compile(query)
                    print(compiled.sql + ";")
                    for (index, parameter) in compiled.parameters.enumerated() {
                        print("-- $\(index + 1) = \(parameter)")
                    }
                } catch {
                    throw DataError(message: error.message)
                }
                return
            }
            let result: PivotResult
            do {
                if files.isEmpty {
                    result = try await storeOptions.withStore { try await $0.pivot(query) }
                } else {
                    var tables: [CostTable] = []
                    for file in files { tables.append(try FocusCSVReader(path: file).readTable()) }
                    result = try query.run(on: CostTable.concatenating(tables))
                }
            } catch let error as PivotError {
                throw DataError(message: error.message + hint(for: error))
            }
            switch format {
            case .table: print(result.table())
            case .csv: print(result.csv(), terminator: "")
            case .json: print(try result.json())
            case .html: print(result.html(title: "finops pivot: \(rows)"), terminator: "")
            }
        }
    }
}

extension FinOps.Pivot {
    /// The flags that fix a pivot error, in this command's terms.
    private func hint(for error: PivotError) -> String {
        switch error.code {
        case .mixedCurrencies:
            let first = rows.split(separator: ",").first.map(String.init) ?? "ServiceName"
            let currency = error.subjects.first ?? "USD"
            return "\nhint: add --rows BillingCurrency,\(first) or --where \"BillingCurrency = '\(currency)'\""
        case .measureInFilter: return "\nhint: move \(error.subjects.first ?? "the measure") from --where to --having"
        case .rowTestInHaving: return "\nhint: move \(error.subjects.first ?? "the test") from --having to --where"
        default: return ""
        }
    }
}

extension PivotTotals: ExpressibleByArgument {}
