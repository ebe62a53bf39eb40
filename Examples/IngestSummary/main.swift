// Embeds FinOpsCore: ingests a FOCUS export into an embedded store and prints the exact totals per period.
//
//   swift run IngestSummary [FILE] [STORE]
import FinOpsCore
import Foundation

let arguments = CommandLine.arguments.dropFirst()
let file = arguments.first ?? "Examples/data/focus_sample.csv"
let directory =
    arguments.dropFirst().first
    ?? FileManager.default.temporaryDirectory
    .appendingPathComponent("finops-example-\(getpid())").path

do {
    let store = try EmbeddedCostStore(directory: URL(fileURLWithPath: directory))
    let report = try await FocusIngest().ingest(files: [file], into: store)
    for period in report.periods {
        for totals in period.totals {
            print(
                "\(period.period)  \(totals.currency)  billed \(totals.billedCost)  effective \(totals.effectiveCost)"
            )
        }
    }
    let table = try await store.read(.all)
    let services = Set((0..<table.rowCount).compactMap { table.strings("ServiceName")?[$0] })
    print(
        "\(table.rowCount) rows stored in \(directory), \(services.count) services, \(report.warnings.totalCount) warnings"
    )
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
