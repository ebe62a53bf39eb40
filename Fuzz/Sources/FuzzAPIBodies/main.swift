// What the server's JSON API and its execution histories read: a pivot definition (POST /api/v1/pivot) decoded,
// parsed and run on a small table, and a stored execution document read back and written out again — a result or an
// error, never a trap.
import FinOpsCore
import FlowEngine
import Foundation
import FuzzSupport
import PivotKit

// Read before fuzzing starts: made during an input, the table would count as that input's leak.
_ = FuzzTable.table

Fuzzer.run { input in
    if let definition = try? JSONDecoder().decode(PivotDefinition.self, from: Data(input)),
        let query = try? definition.query()
    {
        _ = try? query.run(on: FuzzTable.table)
    }
    let text = String(decoding: input, as: UTF8.self)
    if let record = try? ExecutionRecord(json: text) {
        _ = try? ExecutionRecord(json: record.document.json)
    }
}
