// The pivot syntax (--where, --having, --measures, --rows, --sort), and a query built from what parses run on a
// small table: a result or an error, never a trap.
import FinOpsCore
import Foundation
import FuzzSupport
import FuzzTables
import PivotKit

Fuzzer.run { input in
    let text = String(decoding: input, as: UTF8.self)
    let filter = try? PivotSyntax.filter(text)
    let having = try? PivotSyntax.having(text)
    let measures = try? PivotSyntax.measures(text)
    let rows = try? PivotSyntax.dimensions(text)
    _ = try? PivotSyntax.sortKeys(text)
    let query = PivotQuery(
        rows: rows ?? [.column("ServiceName")],
        measures: measures ?? [.sum("BilledCost")],
        filter: filter,
        totals: .all,
        having: having
    )
    _ = try? query.run(on: FuzzTable.table)
}
