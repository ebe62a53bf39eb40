import ArgumentParser
import FinOpsAnalytics
import FinOpsCore
import PivotKit

/// Where an analysis reads costs: the store (pivots pushed down to it), or FOCUS CSV files.
struct CostSourceOptions: ParsableArguments {
    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .customLong("file"), help: "Read these FOCUS CSV files instead of the store.")
    var files: [String] = []

    @Option(name: .customLong("where"), help: "Only rows that pass this filter, e.g. \"ChargeCategory = 'Usage'\".")
    var filter: String?

    /// The parsed `--where`.
    func parsedFilter() throws -> FilterExpression? {
        do {
            return try filter.map { try PivotSyntax.filter($0) }
        } catch {
            throw ValidationError("--where: \(error)")
        }
    }

    /// Runs `body` with a function that answers pivots from the chosen source.
    func withPivots<T>(_ body: ((PivotQuery) async throws -> PivotResult) async throws -> T) async throws -> T {
        do {
            if files.isEmpty {
                return try await storeOptions.withStore { store in
                    try await body { query in try await store.pivot(query) }
                }
            }
            var tables: [CostTable] = []
            for file in files { tables.append(try FocusCSVReader(path: file).readTable()) }
            let table = CostTable.concatenating(tables)
            return try await body { query in try table.pivot(query) }
        } catch let error as PivotError {
            throw DataError(message: error.message)
        }
    }
}

/// How analysis results are printed.
enum AnalysisFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case csv
    case json
}

/// Prints an analysis result in the chosen format.
func printResult(_ table: ResultTable, as format: AnalysisFormat) {
    switch format {
    case .table: print(table.text())
    case .csv: print(table.csv(), terminator: "")
    case .json: print(table.json())
    }
}

/// Which series an analysis reads: daily cost per key, or a plain series file.
struct SeriesOptions: ParsableArguments {
    @Option(help: "Key dimensions of the daily cost series, e.g. ServiceName,SubAccountId or tag(team).")
    var by: String?

    @Option(help: "The measure of each day.")
    var measure: String = "sum(EffectiveCost)"

    @Option(help: "Read a plain series CSV (timestamp,value or series,timestamp,value) instead of costs.")
    var series: String?

    @Option(help: "The seasonal period in steps (7 for daily data, 24 for hourly, 0 for none).")
    var season: Int = 7

    /// The daily cost series query, or `nil` when `--series` names a file (read with ``plainSeries()``).
    func costQuery(source: CostSourceOptions) throws -> CostSeriesQuery? {
        if series != nil {
            guard by == nil, source.files.isEmpty else {
                throw ValidationError("--series reads a plain series; leave out --by and --file")
            }
            return nil
        }
        guard let by else { throw ValidationError("give --by DIMENSIONS (or --series FILE)") }
        do {
            let measures = try PivotSyntax.measures(measure)
            guard measures.count == 1, let measure = measures.first else {
                throw ValidationError("--measure takes one measure")
            }
            return CostSeriesQuery(
                by: try PivotSyntax.dimensions(by),
                measure: measure,
                filter: try source.parsedFilter()
            )
        } catch let error as PivotSyntaxError {
            throw ValidationError("\(error)")
        }
    }

    /// The series of the `--series` file.
    func plainSeries() throws -> [TimeSeries] {
        try SeriesFile.read(path: series ?? "")
    }
}
