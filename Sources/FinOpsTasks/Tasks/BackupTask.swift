import FinOpsCore
import FlowEngine
import Foundation

/// `io.finops.cost.Backup`: a verified copy of the store in a new folder (``StoreBackup``), for a scheduled flow.
///
/// ```yaml
/// - id: backup
///   type: io.finops.cost.Backup
///   to: "/srv/backups/finops-{{ trigger.date ?? execution.startDate | date('yyyy-MM-dd') }}"
///   verify: true
/// ```
/// Properties: `to` (default `backup` under the output directory) and `verify` (read every file back against the
/// manifest after writing, default true). Outputs: `uri` (the folder), `periods` and `rows`.
struct BackupTask: TaskType {
    static let typeNames = ["io.finops.cost.Backup"]
    let destination: Template?
    let verify: TaskSetting<Bool>?

    init(properties: TaskProperties) throws {
        destination = properties.template("to")
        verify = properties.boolSetting("verify")
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let environment = try context.finOps
        let folder: URL
        if let destination {
            folder = environment.resolve(try context.render(destination))
        } else {
            folder = try environment.outputFile(named: "backup", path: nil, context: context)
        }
        let manifest = try await StoreBackup.backup(environment.store, to: folder)
        if try verify?.value(in: context) ?? true { try await StoreBackup.verify(folder) }
        let rows = manifest.entries.reduce(0) { $0 + $1.summary.rowCount }
        context.log(.info, "backed up \(manifest.entries.count) periods, \(rows) rows, to \(folder.path)")
        return ["uri": .string(folder.path), "periods": .int(manifest.entries.count), "rows": .int(rows)]
    }
}
