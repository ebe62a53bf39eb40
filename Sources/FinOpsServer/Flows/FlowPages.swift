import FinOpsCore
import FlowEngine
import Foundation

/// The flows UI's pages: the list with schedules, a flow with its source and problems at their lines and a run
/// form, the executions list and one execution's task runs and logs.
enum FlowPages {
    static func list(_ entries: [FlowCatalog.Entry], directory: URL?, now: Date) -> String {
        var page = HTMLBuilder()
        page.element("h1", text: "Flows")
        guard let directory else {
            page.element("p", text: "No flows directory was given to the server (finops serve --flows DIR).")
            return page.html
        }
        page.element("p", ["class": "muted"], text: "From \(directory.path); files are read again on every visit.")
        page.raw("<table id=\"flows\"><thead><tr><th scope=\"col\">Flow</th><th scope=\"col\">Tasks</th>")
        page.raw("<th scope=\"col\">Schedules (next run)</th><th scope=\"col\">File</th></tr></thead><tbody>")
        for entry in entries {
            page.raw("<tr><td>")
            if let flow = entry.flow {
                page.open("a", ["href": "/flows/\(FormCoding.encode(flow.namespace))/\(FormCoding.encode(flow.id))"])
                page.text("\(flow.namespace).\(flow.id)")
                page.raw("</a>")
                if flow.disabled { page.element("span", ["class": "muted"], text: " (disabled)") }
            } else {
                page.text(entry.id)
                // The problems at their lines, one click away.
                page.raw("<details><summary class=\"state-FAILED\">")
                page.text("invalid: \(entry.diagnostics.count) problem\(entry.diagnostics.count == 1 ? "" : "s")")
                page.raw("</summary>")
                sourceListing(
                    entry.source,
                    diagnostics: entry.diagnostics,
                    into: &page,
                    anchor: entry.file.lastPathComponent
                )
                page.raw("</details>")
            }
            page.raw("</td><td class=\"n\">")
            page.text(entry.flow.map { String($0.allTasks.count) } ?? "")
            page.raw("</td><td>")
            page.text(entry.flow.map { schedules(of: $0, now: now) } ?? "")
            page.raw("</td><td>")
            page.element("code", text: entry.file.lastPathComponent)
            page.raw("</td></tr>")
        }
        page.raw("</tbody></table>")
        if entries.isEmpty { page.element("p", text: "The directory holds no flow files.") }
        return page.html
    }

    /// Each Schedule trigger as `id: cron (zone) → next fire time`.
    static func schedules(of flow: Flow, now: Date) -> String {
        flow.triggers.compactMap { trigger -> String? in
            guard case .schedule(let cron, let zone) = trigger.kind else { return nil }
            let timeZone = zone.flatMap(TimeZone.init(identifier:)) ?? .gmt
            let next =
                trigger.disabled
                ? "disabled" : cron.next(after: now, in: timeZone).map(ExecutionRecord.timestamp) ?? "never"
            return "\(trigger.id) (\(timeZone.identifier)) → \(next)"
        }.joined(separator: "; ")
    }

    static func detail(_ entry: FlowCatalog.Entry, csrf: String?, canRun: Bool, message: String?) -> String {
        var page = HTMLBuilder()
        page.element("h1", text: entry.flow.map { "\($0.namespace).\($0.id)" } ?? entry.id)
        if let message { page.error(message) }
        if let flow = entry.flow {
            if let description = flow.description { page.element("p", text: description) }
            page.element(
                "p",
                ["class": "muted"],
                text: "Valid: \(flow.allTasks.count) tasks. " + schedules(of: flow, now: Date())
            )
            if canRun {
                page.raw(
                    "<form method=\"post\" action=\"/flows/\(markupEscaped(FormCoding.encode(flow.namespace)))/\(markupEscaped(FormCoding.encode(flow.id)))/run\" id=\"run-form\">"
                )
                page.raw("<input type=\"hidden\" name=\"csrf\" value=\"\(markupEscaped(csrf ?? ""))\">")
                if !flow.inputs.isEmpty {
                    page.raw("<fieldset><legend>Inputs</legend><div class=\"grid\">")
                    for input in flow.inputs {
                        let label =
                            "\(input.displayName ?? input.id) (\(input.type.rawValue)\(input.required ? ", required" : ""))"
                        page.field("input.\(input.id)", label: label, value: input.defaults?.rendered ?? "")
                    }
                    page.raw("</div></fieldset>")
                }
                page.raw("<div class=\"actions\"><button type=\"submit\" id=\"run\">Run</button></div></form>")
            }
        } else {
            page.error(entry.diagnostics.map(\.description).joined(separator: "\n"))
        }
        page.element("h2", text: "Source: \(entry.file.lastPathComponent)")
        sourceListing(entry.source, diagnostics: entry.diagnostics, into: &page)
        return page.html
    }

    /// The source with line numbers; lines with problems are marked and their messages follow them.
    static func sourceListing(
        _ source: String,
        diagnostics: [FlowDiagnostic],
        into page: inout HTMLBuilder,
        anchor: String = "line"
    ) {
        let byLine = Dictionary(grouping: diagnostics, by: \.location.line)
        page.raw("<pre class=\"source\" aria-label=\"Flow source\">")
        for (index, line) in source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let problems = byLine[index + 1] ?? []
            page.raw(
                problems.isEmpty
                    ? "<span class=\"line\">" : "<span class=\"line bad\" id=\"\(markupEscaped(anchor))-\(index + 1)\">"
            )
            page.text(String(line))
            for problem in problems {
                page.element(
                    "strong",
                    ["class": "state-FAILED"],
                    text: "  ← \(problem.location.column): \(problem.message)"
                )
            }
            page.raw("</span>")
        }
        page.raw("</pre>")
    }

    static func validateForm(source: String, diagnostics: [FlowDiagnostic]?, csrf: String?) -> String {
        var page = HTMLBuilder()
        page.element("h1", text: "Validate a flow")
        page.raw(
            "<form method=\"post\" action=\"/flows/validate\"><input type=\"hidden\" name=\"csrf\" value=\"\(markupEscaped(csrf ?? ""))\">"
        )
        page.raw(
            "<label for=\"field-source\">Flow YAML</label><textarea id=\"field-source\" name=\"source\" rows=\"16\">"
        )
        page.text(source)
        page.raw("</textarea><div class=\"actions\"><button type=\"submit\">Validate</button></div></form>")
        if let diagnostics {
            if diagnostics.isEmpty {
                page.element("p", ["class": "state-SUCCESS", "role": "status"], text: "The flow is valid.")
            } else {
                let lines = diagnostics.map { "line \($0.location.line), column \($0.location.column): \($0.message)" }
                page.error(
                    "\(diagnostics.count) problem\(diagnostics.count == 1 ? "" : "s"):\n"
                        + lines.joined(separator: "\n")
                )
                sourceListing(source, diagnostics: diagnostics, into: &page)
            }
        }
        return page.html
    }

    static func executions(_ records: [ExecutionRecord], flow: String?, state: String?) -> String {
        var page = HTMLBuilder()
        page.element("h1", text: "Executions")
        page.raw("<form method=\"get\" action=\"/executions\" class=\"actions\">")
        page.field("flow", label: "Flow (namespace.id or id)", value: flow ?? "")
        page.select(
            "state",
            label: "State",
            options: [("", "Any")] + TaskState.allCases.map { ($0.rawValue, $0.rawValue) },
            selected: state ?? ""
        )
        page.raw("<button type=\"submit\">Filter</button></form>")
        page.raw("<table id=\"executions\"><thead><tr><th scope=\"col\">Execution</th><th scope=\"col\">Flow</th>")
        page.raw("<th scope=\"col\">State</th><th scope=\"col\">Started</th><th scope=\"col\" class=\"n\">Seconds</th>")
        page.raw("<th scope=\"col\">By</th></tr></thead><tbody>")
        for record in records {
            page.raw("<tr><td>")
            page.open("a", ["href": "/executions/\(record.id)"])
            page.text(record.id)
            page.raw("</a></td>")
            page.element("td", text: "\(record.namespace).\(record.flowId)")
            page.element("td", ["class": "state-\(record.state.rawValue)"], text: record.state.rawValue)
            page.element("td", text: ExecutionRecord.timestamp(record.startDate))
            page.element("td", ["class": "n"], text: seconds(record.startDate, record.endDate))
            page.element("td", text: record.startedBy)
            page.raw("</tr>")
        }
        page.raw("</tbody></table>")
        if records.isEmpty { page.element("p", text: "No executions yet.") }
        return page.html
    }

    static func execution(_ record: ExecutionRecord, csrf: String?, canKill: Bool) -> String {
        var page = HTMLBuilder()
        page.element("h1", text: "Execution \(record.id)")
        page.raw("<p>")
        page.text("\(record.namespace).\(record.flowId): ")
        page.element(
            "strong",
            ["class": "state-\(record.state.rawValue)", "id": "execution-state"],
            text: record.state.rawValue
        )
        page.text(" · started \(ExecutionRecord.timestamp(record.startDate)) by \(record.startedBy)")
        if record.endDate != nil { page.text(" · \(seconds(record.startDate, record.endDate)) s") }
        page.raw("</p>")
        if !record.problems.isEmpty { page.error(record.problems.joined(separator: "\n")) }
        if record.endDate == nil, canKill {
            page.raw(
                "<form method=\"post\" action=\"/executions/\(record.id)/kill\"><input type=\"hidden\" name=\"csrf\" value=\"\(markupEscaped(csrf ?? ""))\">"
            )
            page.raw("<button type=\"submit\" class=\"secondary\">Kill</button></form>")
        }
        page.element("h2", text: "Task runs")
        page.raw(
            "<table id=\"task-runs\"><thead><tr><th scope=\"col\">Task</th><th scope=\"col\">Value</th><th scope=\"col\">State</th>"
        )
        page.raw(
            "<th scope=\"col\" class=\"n\">Attempts</th><th scope=\"col\" class=\"n\">Seconds</th><th scope=\"col\">Outputs</th></tr></thead><tbody>"
        )
        for run in record.taskRuns.values {
            page.raw("<tr>")
            page.element("td", text: run.taskId)
            page.element("td", text: run.value ?? "")
            page.element("td", ["class": "state-\(run.state.rawValue)"], text: run.state.rawValue)
            page.element("td", ["class": "n"], text: String(run.attempts.count))
            page.element("td", ["class": "n"], text: seconds(run.startDate, run.endDate))
            page.raw("<td>")
            if !run.outputs.isEmpty {
                page.raw("<details><summary>\(run.outputs.count) output(s)</summary><pre>")
                page.text(FlowValue.map(run.outputs).json)
                page.raw("</pre></details>")
            }
            page.raw("</td></tr>")
        }
        page.raw("</tbody></table>")
        if !record.outputs.isEmpty {
            page.element("h2", text: "Outputs")
            page.raw("<pre>")
            page.text(FlowValue.map(record.outputs).json)
            page.raw("</pre>")
        }
        page.element("h2", text: "Logs")
        page.raw(
            "<table id=\"logs\"><thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Level</th><th scope=\"col\">Task</th><th scope=\"col\">Message</th></tr></thead><tbody>"
        )
        for entry in record.logs {
            page.raw("<tr>")
            page.element("td", text: ExecutionRecord.timestamp(entry.timestamp))
            page.element("td", text: entry.level.rawValue)
            page.element("td", text: entry.taskId ?? "")
            page.element("td", text: entry.message)
            page.raw("</tr>")
        }
        page.raw("</tbody></table>")
        return page.html
    }

    static func seconds(_ start: Date, _ end: Date?) -> String {
        guard let end else { return "" }
        return String(format: "%.3f", end.timeIntervalSince(start))
    }
}
