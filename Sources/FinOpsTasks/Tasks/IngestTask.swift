import CoreMetrics
import FinOpsCore
import FlowEngine
import Foundation
import PivotKit
import Prometheus

/// `io.finops.cost.Ingest`: reads FOCUS exports (CSV, or gzip) into the store, replacing each billing period they
/// hold for their source.
///
/// ```yaml
/// - id: ingest
///   type: io.finops.cost.Ingest
///   from: ["exports/aws-{{ inputs.month }}.csv.gz"]
///   source: aws
/// ```
/// `from` is a path, a list of paths, or an expression that gives either. Outputs: `rows` (stored), `rejected`, `files`, `periods` (per source and period: rows and exact totals per
/// currency) and `rejects` (the rejects file's path when rows were skipped).
struct IngestTask: TaskType {
    static let typeNames = ["io.finops.cost.Ingest"]
    let files: [Template]
    let source: Template?
    let skipInvalid: TaskSetting<Bool>?
    let rejects: Template?

    init(properties: TaskProperties) throws {
        guard let files = properties.templates("from", required: true) else { throw properties.invalid }
        if files.isEmpty { properties.report("'from' names at least one file", at: "from") }
        self.files = files
        source = properties.template("source")
        skipInvalid = properties.boolSetting("skipInvalid")
        rejects = properties.template("rejects")
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let environment = try context.finOps
        // An expression may give one path or a list of them (`from: "{{ inputs.exports }}"`).
        var paths: [String] = []
        for file in files {
            var value = try context.renderTyped(file)
            if case .string(let text) = value, text.hasPrefix("["), let list = try? FlowValue(parsingJSON: text) {
                value = list
            }
            switch value {
            case .list(let items): paths += items.map { environment.resolve($0.rendered).path }
            default: paths.append(environment.resolve(value.rendered).path)
            }
        }
        guard !paths.isEmpty else { throw TaskFailure("'from' names no file") }
        let source = try self.source.map { try context.render($0) }
        let ingest = FocusIngest(
            options: FocusReadOptions(skipInvalidRows: try skipInvalid?.value(in: context) ?? false),
            rejectsPath: try rejects.map { environment.resolve(try context.render($0)).path }
        )
        let started = ContinuousClock.now
        let report = try await ingest.ingest(files: paths, source: source, into: environment.store)
        if let registry = environment.metrics {
            Self.record(report, seconds: (ContinuousClock.now - started).timeInterval, into: registry)
        }
        let stored = report.files.reduce(0) { $0 + $1.rowsStored }
        let rejected = report.files.reduce(0) { $0 + $1.rowsRejected }
        for file in report.files {
            context.log(.info, "stored \(file.rowsStored) rows of \(file.path) as source '\(file.source)'")
        }
        if rejected > 0 {
            context.log(.warn, "rejected \(rejected) rows; see \(report.rejectsPath ?? "the rejects file")")
        }
        let warnings = report.warnings
        if warnings.totalCount > 0 {
            context.log(.warn, "\(warnings.totalCount) spec breaches; the rows were stored as written")
        }
        var outputs: TaskOutputs = [
            "rows": .int(stored),
            "rejected": .int(rejected),
            "files": .list(report.files.map { .string($0.path) }),
            "periods": .list(report.periods.map(Self.value(of:))),
        ]
        if let path = report.rejectsPath { outputs["rejects"] = .string(path) }
        return outputs
    }

    /// Rows, bytes read and time per source, as counters and a histogram.
    static func record(_ report: IngestReport, seconds: Double, into registry: PrometheusCollectorRegistry) {
        let factory = PrometheusMetricsFactory(registry: registry)
        for file in report.files {
            let source = [("source", file.source)]
            Counter(label: "finops_ingest_rows_total", dimensions: source, factory: factory)
                .increment(by: file.rowsStored)
            Counter(label: "finops_ingest_rejected_rows_total", dimensions: source, factory: factory)
                .increment(by: file.rowsRejected)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            Counter(label: "finops_ingest_bytes_total", dimensions: source, factory: factory).increment(by: bytes)
        }
        CoreMetrics.Timer(label: "finops_ingest_duration_seconds", dimensions: [("task", "ingest")], factory: factory)
            .record(duration: seconds)
    }

    static func value(of summary: PeriodSummary) -> FlowValue {
        var totals = OrderedDictionary<String, FlowValue>()
        for currency in summary.totals {
            totals[currency.currency] = [
                "rows": .int(currency.rowCount),
                "billedCost": FlowValue(exactly: currency.billedCost),
                "effectiveCost": FlowValue(exactly: currency.effectiveCost),
            ]
        }
        return [
            "source": .string(summary.source),
            "period": .string(summary.period.description),
            "rows": .int(summary.rowCount),
            "totals": .map(totals),
        ]
    }
}
