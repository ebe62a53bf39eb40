// What the server's JSON API and its execution histories read: a pivot definition (the body of
// POST /api/v1/pivot) decoded and parsed into a query, and a stored execution document read back and written out
// again: a result or an error, never a trap. (Queries run on data are FuzzPivotSyntax's; this target keeps no table,
// so nothing it holds for the process's life is counted as an input's leak.)
import FlowEngine
import Foundation
import FuzzSupport
import PivotKit

Fuzzer.run { input in
    if let definition = try? JSONDecoder().decode(PivotDefinition.self, from: Data(input)) {
        _ = try? definition.query()
    }
    let text = String(decoding: input, as: UTF8.self)
    if let record = try? ExecutionRecord(json: text) {
        _ = try? ExecutionRecord(json: record.document.json)
    }
}
