import FlowEngine
import Foundation
import Hummingbird

extension FinOpsServer {
    /// The flows UI: `/flows`, `/flows/validate`, `/flows/{namespace}/{id}` (and `/run`), `/executions`,
    /// `/executions/{id}` (and `/kill`).
    func addFlowRoutes(to router: Router<ServerContext>) {
        router.get("/flows") { _, context -> Response in
            let identity = try context.require(.viewer)
            let body = FlowPages.list(flows.catalog.entries(), directory: configuration.flowsDirectory, now: Date())
            return page("Flows", "flows", body, identity, context)
        }
        router.get("/flows/validate") { _, context -> Response in
            let identity = try context.require(.viewer)
            return page(
                "Validate",
                "flows",
                FlowPages.validateForm(source: "", diagnostics: nil, csrf: context.csrfToken),
                identity,
                context
            )
        }
        router.post("/flows/validate") { request, context -> Response in
            let identity = try context.require(.viewer)
            let form = try await request.form(context: context, sessions: sessions)
            // Browsers send a textarea's lines with CR LF.
            let source = (form.first { $0.name == "source" }?.value ?? "").replacingOccurrences(of: "\r\n", with: "\n")
            let checked = flows.catalog.validate(source, file: nil)
            let body = FlowPages.validateForm(source: source, diagnostics: checked.diagnostics, csrf: context.csrfToken)
            return page("Validate", "flows", body, identity, context)
        }
        router.get("/flows/{namespace}/{id}") { request, context -> Response in
            let identity = try context.require(.viewer)
            let entry = try flowEntry(context)
            let body = FlowPages.detail(
                entry,
                csrf: context.csrfToken,
                canRun: identity.role >= .operator,
                message: request.query("message")
            )
            return page(entry.id, "flows", body, identity, context)
        }
        router.post("/flows/{namespace}/{id}/run") { request, context -> Response in
            let identity = try context.require(.operator)
            let entry = try flowEntry(context)
            guard let flow = entry.flow else { throw ServerError(.invalidRequest, "the flow is invalid") }
            let form = try await request.form(context: context, sessions: sessions)
            var inputs: [String: FlowValue] = [:]
            for (name, value) in form where name.hasPrefix("input.") && !value.isEmpty {
                inputs[String(name.dropFirst(6))] = .string(value)
            }
            let id = try await flows.start(flow, inputs: inputs, startedBy: identity.name)
            return .redirect(to: "/executions/\(id)", type: .normal)
        }
        router.get("/executions") { request, context -> Response in
            let identity = try context.require(.viewer)
            let flow = request.query("flow").flatMap { $0.isEmpty ? nil : $0 }
            let state = request.query("state").flatMap { $0.isEmpty ? nil : $0 }
            let records = try await flows.executions.list(
                flow: flow,
                state: state.flatMap(TaskState.init(rawValue:)),
                limit: 200
            )
            return page(
                "Executions",
                "executions",
                FlowPages.executions(records, flow: flow, state: state),
                identity,
                context
            )
        }
        router.get("/executions/{id}") { _, context -> Response in
            let identity = try context.require(.viewer)
            let record = try await executionRecord(context)
            let body = FlowPages.execution(record, csrf: context.csrfToken, canKill: identity.role >= .operator)
            var response = page(
                "Execution",
                "executions",
                body,
                identity,
                context,
                refresh: record.endDate == nil ? 1 : nil
            )
            response.status = .ok
            return response
        }
        router.post("/executions/{id}/kill") { request, context -> Response in
            _ = try context.require(.operator)
            _ = try await request.form(context: context, sessions: sessions)
            let record = try await executionRecord(context)
            _ = await flows.kill(record.id)
            return .redirect(to: "/executions/\(record.id)", type: .normal)
        }
    }

    func flowEntry(_ context: ServerContext) throws(ServerError) -> FlowCatalog.Entry {
        let namespace = context.parameters.get("namespace") ?? ""
        let id = context.parameters.get("id") ?? ""
        guard let entry = flows.catalog.flow(namespace: namespace, id: id) else {
            throw ServerError(.notFound, "no valid flow \(namespace).\(id) in the flows directory")
        }
        return entry
    }

    func executionRecord(_ context: ServerContext) async throws -> ExecutionRecord {
        let id = context.parameters.get("id") ?? ""
        guard let record = try await flows.executions.record(id) else {
            throw ServerError(.notFound, "no execution \(id)")
        }
        return record
    }

    func page(
        _ title: String,
        _ section: String,
        _ body: String,
        _ identity: AccessIdentity,
        _ context: ServerContext,
        refresh: Int? = nil
    ) -> Response {
        Answer.html(
            PageLayout.render(
                .init(
                    title: title,
                    section: section,
                    body: body,
                    identity: identity,
                    csrfToken: context.csrfToken,
                    refreshSeconds: refresh
                )
            )
        )
    }
}
