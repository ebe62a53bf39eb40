import FinOpsCore
import FlowEngine
import Foundation

/// A health check of an installation: the store (reachable, schema, every checksum and total, data freshness,
/// disk space), the flows (every file valid) and their schedules (next fire times), each finding green, yellow or red
/// with what fixes it.
///
/// ```swift
/// let doctor = Doctor(storeName: "./.finops", openStore: { try EmbeddedCostStore(directory: url) })
/// for check in await doctor.run() { print(check.status, check.subject, check.message) }
/// ```
public struct Doctor: Sendable {
    /// How the store is named in findings.
    public var storeName: String
    /// Opens the store (its failure is a finding, not an error).
    public var openStore: @Sendable () async throws -> any CostStore
    /// The store's folder, for the disk-space check (`nil` for a server-side store).
    public var storeFolder: URL?
    /// Folders of flows to validate, and whose schedules to list.
    public var flowFolders: [URL] = []
    /// The task types flows may use.
    public var registry: TaskRegistry = .finOps
    /// Now, for freshness and next fire times.
    public var now = Date()
    /// Data loaded longer ago than this is stale (yellow).
    public var staleAfter: TimeInterval = 2 * 86_400

    /// A doctor for a store.
    public init(
        storeName: String,
        storeFolder: URL? = nil,
        openStore: @escaping @Sendable () async throws -> any CostStore
    ) {
        self.storeName = storeName
        self.storeFolder = storeFolder
        self.openStore = openStore
    }

    /// Every finding, store first, then disk, flows and schedules.
    public func run() async -> [HealthCheck] {
        var checks = await storeChecks()
        if let storeFolder { checks.append(Self.diskCheck(storeFolder)) }
        checks += flowChecks()
        return checks
    }

    private func storeChecks() async -> [HealthCheck] {
        let store: any CostStore
        do {
            store = try await openStore()
        } catch let error as CostStoreError where error.code == .schemaOutdated {
            return [
                .init(
                    .red,
                    .schemaOutdated,
                    subject: storeName,
                    message: error.message,
                    fix: "apply the store's schema migrations"
                )
            ]
        } catch {
            return [
                .init(
                    .red,
                    .storeUnreachable,
                    subject: storeName,
                    message: "cannot open the store: \(error)",
                    fix: "check the store's location, that its server runs and that its credentials are right"
                )
            ]
        }
        let verified: Result<[PeriodSummary], any Error>
        do {
            verified = .success(try await store.verify())
        } catch {
            verified = .failure(error)
        }
        await store.close()
        return checks(of: verified)
    }

    private func checks(of verified: Result<[PeriodSummary], any Error>) -> [HealthCheck] {
        var checks: [HealthCheck] = []
        let periods: [PeriodSummary]
        switch verified {
        case .success(let verified): periods = verified
        case .failure(let error):
            return [
                .init(
                    .red,
                    .storeCorrupt,
                    subject: storeName,
                    message: "\(error)",
                    fix: "restore the damaged period from a backup, or ingest its export again"
                )
            ]
        }
        guard let newest = periods.map(\.loadedAt).max() else {
            return [
                .init(
                    .yellow,
                    .storeEmpty,
                    subject: storeName,
                    message: "the store holds no cost data",
                    fix: "ingest a FOCUS export"
                )
            ]
        }
        let rows = periods.reduce(0) { $0 + $1.rowCount }
        checks.append(
            .init(
                .green,
                .storeVerified,
                subject: storeName,
                message: "\(periods.count) periods, \(rows) rows: every checksum, row count and total matches"
            )
        )
        let loaded = Date(timeIntervalSince1970: Double(newest.microsecondsSinceEpoch) / 1_000_000)
        let age = now.timeIntervalSince(loaded)
        let days = String(format: "%.1f", age / 86_400)
        checks.append(
            age > staleAfter
                ? .init(
                    .yellow,
                    .dataStale,
                    subject: storeName,
                    message: "the newest load is \(days) days old (\(newest))",
                    fix: "check that the flow or job that ingests the exports runs"
                )
                : .init(.green, .dataFresh, subject: storeName, message: "the newest load is \(days) days old")
        )
        return checks
    }

    /// Free space where the store writes: red under 1 GiB or 2%, yellow under 10%.
    static func diskCheck(_ folder: URL) -> HealthCheck {
        var path = folder
        while !FileManager.default.fileExists(atPath: path.path), path.pathComponents.count > 1 {
            path.deleteLastPathComponent()
        }
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: path.path),
            let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value,
            let size = (attributes[.systemSize] as? NSNumber)?.int64Value, size > 0
        else {
            return .init(.yellow, .diskSpace, subject: "disk", message: "cannot read the free space of \(path.path)")
        }
        let share = Double(free) / Double(size)
        let message = "\(free / (1 << 30)) GiB free of \(size / (1 << 30)) GiB (\(Int(share * 100))%) at \(path.path)"
        let fix = "free disk space, or move the store to a larger disk"
        if free < 1 << 30 || share < 0.02 {
            return .init(.red, .diskSpace, subject: "disk", message: message, fix: fix)
        }
        if share < 0.1 { return .init(.yellow, .diskSpace, subject: "disk", message: message, fix: fix) }
        return .init(.green, .diskSpace, subject: "disk", message: message)
    }

    private func flowChecks() -> [HealthCheck] {
        var checks: [HealthCheck] = []
        let parser = FlowParser(registry: registry)
        for folder in flowFolders {
            let begin = checks.count
            var valid = 0
            for file in FlowRepository.yamlFiles(under: folder) {
                let flow: Flow
                do {
                    let root = try YAMLNode.parse(contentsOf: file)
                    // Test suites live beside flows; they are checked when the suites run.
                    if root["testCases"] != nil { continue }
                    flow = try parser.parse(root, file: file.path)
                } catch {
                    let first = error.diagnostics.first.map(\.description) ?? "invalid"
                    let more = error.diagnostics.count > 1 ? " (and \(error.diagnostics.count - 1) more)" : ""
                    checks.append(
                        .init(
                            .red,
                            .flowInvalid,
                            subject: file.lastPathComponent,
                            message: first + more,
                            fix: "correct the flow at the line and column given"
                        )
                    )
                    continue
                }
                valid += 1
                checks += scheduleChecks(flow)
            }
            checks.insert(
                .init(.green, .flowsValid, subject: folder.path, message: "\(valid) flows valid"),
                at: begin
            )
        }
        return checks
    }

    private func scheduleChecks(_ flow: Flow) -> [HealthCheck] {
        flow.triggers.compactMap { trigger in
            guard !trigger.disabled, case .schedule(let cron, let zone) = trigger.kind else { return nil }
            let timeZone = zone.flatMap(TimeZone.init(identifier:)) ?? .gmt
            let subject = "\(flow.namespace).\(flow.id) \(trigger.id)"
            guard let next = cron.next(after: now, in: timeZone) else {
                return .init(
                    .yellow,
                    .scheduleNeverFires,
                    subject: subject,
                    message: "'\(cron)' names no time in the next eight years",
                    fix: "correct the cron expression"
                )
            }
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = timeZone
            return .init(
                .green,
                .schedule,
                subject: subject,
                message: "'\(cron)' (\(timeZone.identifier)) next fires at \(formatter.string(from: next))"
            )
        }
    }
}
