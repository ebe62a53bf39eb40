// The same library on PostgreSQL: ingest an export into a database, pivot it on the server, verify what is stored.
//
//   swift run PostgresStore postgres://user@host/database [FILE]
import FinOpsCore
import Foundation
import PGStore
import PivotKit

let arguments = Array(CommandLine.arguments.dropFirst())
guard let url = arguments.first else {
    FileHandle.standardError.write(Data("usage: PostgresStore postgres://… [FILE]\n".utf8))
    exit(2)
}
do {
    var opener = CostStoreOpener()
    opener.registerPostgres()  // postgres:// locations; the schema is migrated when the store opens
    let store: any CostStore = try await opener.open(StoreLocation(url))
    let file = arguments.count > 1 ? arguments[1] : "Examples/data/focus_sample.csv"
    let report = try await FocusIngest().ingest(files: [file], into: store)
    print("stored \(report.files.reduce(0) { $0 + $1.rowsStored }) rows")
    let query = PivotQuery(
        rows: [.column("BillingCurrency"), .column("ProviderName")],
        measures: [.sum("EffectiveCost"), .count],
        totals: .grand
    )
    print(try await store.pivot(query).table())  // one SQL statement, run by the server
    let verified = try await store.verify()
    print("verified \(verified.count) periods")
    await store.close()
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
