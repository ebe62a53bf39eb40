import FinOpsAnalytics
import FinOpsCore
import FinOpsTasks
import FlowEngine
import Foundation
import Hummingbird
import OrderedCollections
import PivotKit

extension FinOpsServer {
    /// The JSON API under `/api/v1`, as ``OpenAPIDocument`` describes it.
    func addAPIRoutes(to router: Router<ServerContext>) {
        let api = router.group("/api/v1")
        api.get("/openapi.yaml") { _, context -> Response in
            _ = try context.require(.viewer)
            return Answer.body(OpenAPIDocument.yaml, type: "application/yaml")
        }
        api.get("/periods") { _, context -> Response in
            _ = try context.require(.viewer)
            return Answer.json(.list(try await costs.periods().map(Self.periodValue)))
        }
        api.post("/verify") { _, context -> Response in
            _ = try context.require(.operator)
            let checked = try await configuration.store.verify()
            return Answer.json(["verified": .int(checked.count), "periods": .list(checked.map(Self.periodValue))])
        }
        api.post("/pivot") { request, context -> Response in
            _ = try context.require(.viewer)
            let text = try await request.text(context: context)
            let definition: PivotDefinition
            do {
                definition = try JSONDecoder().decode(PivotDefinition.self, from: Data(text.utf8))
            } catch {
                throw ServerError(.invalidRequest, "the body is not a pivot definition: \(Self.decodingMessage(error))")
            }
            let result = try await costs.pivot(try definition.query())
            switch request.query("format") ?? "json" {
            case "json": return Answer.json(try result.json() + "\n")
            case "csv": return Answer.body(result.csv(), type: "text/csv; charset=utf-8")
            case let other: throw ServerError(.invalidRequest, "format: '\(other)' is not json or csv")
            }
        }
        api.get("/flows") { _, context -> Response in
            _ = try context.require(.viewer)
            let now = Date()
            return Answer.json(
                .list(
                    flows.catalog.entries().map { entry in
                        [
                            "namespace": .string(entry.namespace),
                            "id": .string(entry.id),
                            "file": .string(entry.file.lastPathComponent),
                            "valid": .bool(entry.flow != nil),
                            "tasks": .int(entry.flow?.allTasks.count ?? 0),
                            "schedules": .string(entry.flow.map { FlowPages.schedules(of: $0, now: now) } ?? ""),
                            "problems": Self.problems(entry.diagnostics),
                        ]
                    }
                )
            )
        }
        api.post("/flows/validate") { request, context -> Response in
            _ = try context.require(.viewer)
            let source = try await request.text(context: context)
            guard !source.isEmpty else { throw ServerError(.invalidRequest, "the body is the flow's YAML") }
            let checked = flows.catalog.validate(source, file: nil)
            return Answer.json(["valid": .bool(checked.flow != nil), "problems": Self.problems(checked.diagnostics)])
        }
        api.post("/flows/{namespace}/{id}/executions") { request, context -> Response in
            let identity = try context.require(.operator)
            let entry = try flowEntry(context)
            guard let flow = entry.flow else { throw ServerError(.invalidRequest, "the flow is invalid") }
            let text = try await request.text(context: context)
            var inputs: [String: FlowValue] = [:]
            var wait = false
            if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                let body: FlowValue
                do {
                    body = try FlowValue(parsingJSON: text)
                } catch {
                    throw ServerError(.invalidRequest, "the body is not JSON: \(error)")
                }
                guard case .map(let fields) = body else {
                    throw ServerError(.invalidRequest, "the body is a JSON object: {\"inputs\": {…}, \"wait\": false}")
                }
                if case .map(let given)? = fields["inputs"] {
                    for (key, value) in given { inputs[key] = value }
                } else if let given = fields["inputs"], given != .null {
                    throw ServerError(.invalidRequest, "inputs is a JSON object of input values")
                }
                if case .bool(let flag)? = fields["wait"] { wait = flag }
            }
            let id = try await flows.start(flow, inputs: inputs, startedBy: identity.name)
            if wait { await flows.wait(id) }
            guard let record = try await flows.executions.record(id) else {
                throw ServerError(.notFound, "execution \(id) is no longer kept")
            }
            return Answer.json(record.summary, status: wait ? .ok : .created)
        }
        api.get("/executions") { request, context -> Response in
            _ = try context.require(.viewer)
            var state: TaskState?
            if let text = request.query("state"), !text.isEmpty {
                guard let parsed = TaskState(rawValue: text) else {
                    throw ServerError(
                        .invalidRequest,
                        "state: '\(text)' is not one of \(TaskState.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                state = parsed
            }
            let records = try await flows.executions.list(
                flow: request.query("flow").flatMap { $0.isEmpty ? nil : $0 },
                state: state,
                limit: 200
            )
            return Answer.json(.list(records.map(\.summary)))
        }
        api.get("/executions/{id}") { _, context -> Response in
            _ = try context.require(.viewer)
            return Answer.json(try await executionRecord(context).summary)
        }
        api.get("/executions/{id}/logs") { _, context -> Response in
            _ = try context.require(.viewer)
            return Answer.json(try await executionRecord(context).logValues)
        }
        api.get("/report") { request, context -> Response in
            _ = try context.require(.viewer)
            let month = request.query("month")
            if let month, month.count != 7 || CalendarDay(month + "-01") == nil {
                throw ServerError(.invalidRequest, "month: '\(month)' is not YYYY-MM")
            }
            var options = reviewOptions(month: month)
            options.currency = request.query("currency")
            options.generated = ISO8601DateFormatter().string(from: Date())
            do {
                return Answer.html(try await CostReport.build(options: options, answer: costs.pivot).html())
            } catch let error as AnalyticsError where error.code == .insufficientData {
                throw ServerError(.notFound, error.description)
            }
        }
    }

    static func periodValue(_ summary: PeriodSummary) -> FlowValue {
        [
            "source": .string(summary.source),
            "period": .string(summary.period.description),
            "rows": .int(summary.rowCount),
            "checksum": .string(summary.checksum),
            "loadedAt": .string(summary.loadedAt.description),
            "totals": .list(
                summary.totals.map { totals in
                    [
                        "currency": .string(totals.currency),
                        "rows": .int(totals.rowCount),
                        "billedCost": .string(totals.billedCost.description),
                        "effectiveCost": .string(totals.effectiveCost.description),
                        "listCost": .string(totals.listCost.description),
                        "contractedCost": .string(totals.contractedCost.description),
                    ]
                }
            ),
        ]
    }

    static func problems(_ diagnostics: [FlowDiagnostic]) -> FlowValue {
        .list(
            diagnostics.map { diagnostic in
                [
                    "line": .int(diagnostic.location.line),
                    "column": .int(diagnostic.location.column),
                    "code": .string(diagnostic.code.rawValue),
                    "message": .string(diagnostic.message),
                ]
            }
        )
    }

    static func decodingMessage(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "the field \(key.stringValue) is required"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context): context.debugDescription
        default: "\(error)"
        }
    }
}
