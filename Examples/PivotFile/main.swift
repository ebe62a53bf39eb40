// Pivots a FOCUS export without storing it: billed cost per service and month, the top 10 and Others, with totals.
//
//   swift run PivotFile [FILE]
import FinOpsCore
import Foundation
import PivotKit

do {
    let file = CommandLine.arguments.dropFirst().first ?? "Examples/data/focus_sample.csv"
    let table = try FocusCSVReader(path: file).readTable()
    let cost = Measure.sum("BilledCost")
    let query = PivotQuery(
        rows: [.column("BillingCurrency"), .column("ServiceName")],
        columns: [.time("ChargePeriodStart", .month)],
        measures: [cost],
        totals: .all,
        top: TopN(10, by: cost),
        sort: [.measure(cost, descending: true)]
    )
    print(try query.run(on: table).table())
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
