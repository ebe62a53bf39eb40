import ArgumentParser
import FinOpsCore
import Foundation
import PGStore

extension FinOps {
    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read FOCUS exports (.csv or .csv.gz) into the store, replacing their billing periods."
        )

        @Argument(help: "FOCUS CSV files, plain or gzip-compressed.")
        var files: [String]

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "Store all files under this source (default: each file under its own name).")
        var source: String?

        @Flag(
            help:
                "On a row with an error: stop and store nothing (strict, the default), or store the good rows and write the rejected ones to a rejects file."
        )
        var mode: ErrorMode = .strict

        @Option(help: "Where rejected rows are written with --skip-invalid (default: FILE.rejects.csv).")
        var rejects: String?

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        enum ErrorMode: String, EnumerableFlag {
            case strict
            case skipInvalid
        }

        func validate() throws {
            if files.isEmpty { throw ValidationError("Give at least one file to ingest.") }
            if rejects != nil && mode == .strict { throw ValidationError("--rejects needs --skip-invalid.") }
        }

        func run() async throws {
            let ingest = FocusIngest(
                options: FocusReadOptions(skipInvalidRows: mode == .skipInvalid),
                rejectsPath: rejects
            )
            let progress = ProgressLine()
            let report = try await storeOptions.withStore { store in
                try await ingest.ingest(files: files, source: source, into: store) { progress.update($0) }
            }
            progress.finish()
            switch format {
            case .json: try printJSON(report)
            case .text: print(render(report, store: storeOptions.displayName))
            }
        }

        private func render(_ report: IngestReport, store: String) -> String {
            var lines: [String] = []
            for file in report.files {
                var line = "Stored \(file.rowsStored) rows from \(file.path) as source \"\(file.source)\" in \(store)"
                if file.rowsRejected > 0 { line += "; rejected \(file.rowsRejected) rows" }
                lines.append(line + ".")
            }
            lines.append("")
            lines.append(renderPeriods(report.periods))
            if let path = report.rejectsPath { lines.append("\nRejected rows and their reasons: \(path)") }
            let warnings = report.warnings
            if !warnings.isEmpty {
                lines.append("\nWarnings: \(warnings.totalCount) spec breaches; the rows were stored as written.")
                for entry in warnings.entries {
                    lines.append("  \(entry.kind) in \(entry.column): \(entry.count)")
                    if let example = entry.examples.first { lines.append("    e.g. \(example)") }
                }
            }
            return lines.joined(separator: "\n")
        }
    }

    struct Periods: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the stored billing periods with row counts and exact totals per currency."
        )

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() async throws {
            let periods = try await storeOptions.withStore { try await $0.periods() }
            switch format {
            case .json: try printJSON(periods)
            case .text:
                print(periods.isEmpty ? "The store \(storeOptions.displayName) is empty." : renderPeriods(periods))
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read every stored period and check it against the manifest's sizes and checksums."
        )

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            let periods = try await storeOptions.withStore { try await $0.verify() }
            print("OK: \(periods.count) periods, \(periods.reduce(0) { $0 + $1.rowCount }) rows match the manifest.")
        }
    }
}

/// One table row per (period, source, currency), decimals with every digit.
func renderPeriods(_ periods: [PeriodSummary]) -> String {
    var table = TextTable(
        header: ["period", "source", "rows", "currency", "BilledCost", "EffectiveCost", "ListCost", "ContractedCost"],
        rightAligned: [2, 4, 5, 6, 7]
    )
    for summary in periods {
        for totals in summary.totals {
            table.append([
                summary.period.description, summary.source, String(totals.rowCount), totals.currency,
                totals.billedCost.description, totals.effectiveCost.description, totals.listCost.description,
                totals.contractedCost.description,
            ])
        }
    }
    return table.rendered
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
