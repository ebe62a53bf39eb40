import FinOpsAnalytics
import FinOpsServer
import FinOpsTestSupport
import FlowEngine
import Foundation
import Testing
import Yams

/// Calls every operation of the OpenAPI document and checks each answer against it: the status is one the
/// operation lists, and a JSON body fits the schema given for that status.
@Suite("finops serve: the OpenAPI document")
struct OpenAPITests {
    @Test("every operation answers as the document says, with and without credentials")
    func conformance() async throws {
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        let budgets = try Budget.load(
            contentsOf: Fixtures.packageRoot.appendingPathComponent("Examples/budgets/monthly_review.yml").path
        )
        let server = try await TestServer.start(
            store: try await TestServer.sampleStore(),
            flows: try ServerAPITests.flowsDirectory()
        ) { $0.budgets = budgets }
        defer { Task { await server.stop() } }
        let admin = TestServer.tokens["admin"]!
        // An execution to fetch.
        let run = try await server.request(
            "/api/v1/flows/tests/quick/executions",
            method: "POST",
            token: admin,
            body: #"{"wait": true}"#
        )
        let executionId = try #require(
            run.body.split(separator: "\"").dropFirst(3).first.map(String.init),
            "the execution's id leads its JSON: \(run.body)"
        )
        let bodies: [String: String] = [
            "/api/v1/pivot": #"{"rows": "BillingCurrency, ServiceName", "measures": "sum(EffectiveCost)", "top": "3"}"#,
            "/api/v1/flows/validate":
                "id: a\nnamespace: b\ntasks:\n  - id: c\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n",
            "/api/v1/flows/{namespace}/{id}/executions": #"{"inputs": {"who": "spec"}, "wait": true}"#,
        ]
        let queries = [
            "/api/v1/analytics/anomalies": "?by=ServiceName&filter=BillingCurrency%20%3D%20%27USD%27&minImpact=5",
            "/api/v1/analytics/forecast": "?by=ServiceName&filter=BillingCurrency%20%3D%20%27USD%27&monthEnd=true",
            "/api/v1/analytics/coverage": "?tags=team,env",
        ]
        var checked = 0
        for (template, item) in paths {
            let operations = try #require(item as? [String: Any])
            for (method, value) in operations {
                let operation = try #require(value as? [String: Any])
                let responses = try #require(operation["responses"] as? [String: Any], "\(method) \(template)")
                let path = template.replacingOccurrences(of: "{namespace}", with: "tests")
                    .replacingOccurrences(
                        of: "{id}",
                        with: template.contains("executions/{id}") ? executionId : "quick"
                    )
                let open = (operation["security"] as? [Any])?.isEmpty == true
                let reply = try await server.request(
                    path + (queries[template] ?? ""),
                    method: method.uppercased(),
                    token: admin,
                    body: bodies[template]
                )
                let documented = try #require(
                    responses[String(reply.status)] as? [String: Any],
                    "\(method) \(path) answered \(reply.status), which the document does not list: \(reply.body.prefix(300))"
                )
                #expect(
                    (200..<300).contains(reply.status),
                    "\(method) \(path): \(reply.status) \(reply.body.prefix(300))"
                )
                let response = try Self.resolve(documented, in: document)
                if let content = response["content"] as? [String: Any] {
                    let type = reply.header("Content-Type")?.split(separator: ";").first.map(String.init) ?? ""
                    let media = try #require(
                        content[type] as? [String: Any],
                        "\(method) \(path) answered \(type), not one of \(content.keys.sorted())"
                    )
                    if type == "application/json", let schema = media["schema"] as? [String: Any] {
                        let json = try FlowValue(parsingJSON: reply.body)
                        let problems = try Self.validate(json, against: schema, in: document, at: "$")
                        #expect(problems.isEmpty, "\(method) \(path): \(problems.joined(separator: "; "))")
                    }
                }
                // Without credentials: 401 with the documented error, unless the operation is open.
                let anonymous = try await server.request(
                    path + (queries[template] ?? ""),
                    method: method.uppercased(),
                    body: bodies[template]
                )
                if open {
                    #expect(anonymous.status == reply.status)
                } else {
                    #expect(anonymous.status == 401, "\(method) \(path) without a token")
                    #expect(responses["401"] != nil, "\(method) \(path) does not list its 401")
                }
                checked += 1
            }
        }
        #expect(checked == 17)
        // The checker itself finds what is wrong.
        let execution: [String: Any] = ["$ref": "#/components/schemas/Execution"]
        let wrong = try Self.validate(
            ["id": .int(1), "taskRuns": .list([.null])],
            against: execution,
            in: document,
            at: "$"
        )
        #expect(wrong.contains("$.state is missing"))
        #expect(wrong.contains("$.id is a integer, not [\"string\"]"))
        #expect(wrong.contains { $0.hasPrefix("$.taskRuns[0] is a null") })
    }

    static func resolve(_ object: [String: Any], in document: [String: Any]) throws -> [String: Any] {
        guard let reference = object["$ref"] as? String else { return object }
        var node: Any = document
        for part in reference.dropFirst(2).split(separator: "/") {
            node = try #require((node as? [String: Any])?[String(part)], "no \(reference)")
        }
        return try resolve(try #require(node as? [String: Any]), in: document)
    }

    /// The ways `value` breaks `schema` (the subset of JSON Schema the document uses).
    static func validate(
        _ value: FlowValue,
        against raw: [String: Any],
        in document: [String: Any],
        at path: String
    )
        throws -> [String]
    {
        let schema = try resolve(raw, in: document)
        var problems: [String] = []
        let types: [String] = (schema["type"] as? [String]) ?? (schema["type"] as? String).map { [$0] } ?? []
        if !types.isEmpty, !types.contains(where: { matches(value, type: $0) }) {
            return ["\(path) is a \(value.kindName), not \(types)"]
        }
        if let allowed = schema["enum"] as? [String], case .string(let text) = value, !allowed.contains(text) {
            problems.append("\(path) '\(text)' is not one of \(allowed)")
        }
        if let constant = schema["const"] as? String, value != .string(constant) {
            problems.append("\(path) is not \(constant)")
        }
        if case .map(let object) = value {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path).\(key) is missing")
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, child) in object {
                if let property = properties[key] as? [String: Any] {
                    problems += try validate(child, against: property, in: document, at: "\(path).\(key)")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    problems += try validate(child, against: extra, in: document, at: "\(path).\(key)")
                }
            }
        }
        if case .list(let array) = value, let items = schema["items"] as? [String: Any] {
            for (index, element) in array.enumerated() {
                problems += try validate(element, against: items, in: document, at: "\(path)[\(index)]")
            }
        }
        return problems
    }

    static func matches(_ value: FlowValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("string", .string), ("object", .map), ("array", .list), ("boolean", .bool),
            ("integer", .int), ("number", .int), ("number", .decimal):
            true
        default: false
        }
    }
}
