import FinOpsAnalytics
import FinOpsCore
import FinOpsServer
import FinOpsTestSupport
import FlowEngine
import Foundation
import PivotKit
import Testing

@Suite("finops serve: authentication and the JSON API")
struct ServerAPITests {
    static let store = Task { try await TestServer.sampleStore() }

    @Test("/health is open; everything else needs a token, and a wrong one is refused with a JSON error")
    func authentication() async throws {
        let server = try await TestServer.start(store: try await Self.store.value)
        defer { Task { await server.stop() } }
        let health = try await server.request("/health")
        #expect(health.status == 200)
        #expect(health.body.contains("\"rows\":8000"))
        for path in ["/api/v1/periods", "/metrics", "/api/v1/flows"] {
            let refused = try await server.request(path)
            #expect(refused.status == 401, "\(path)")
            #expect(refused.body.contains("\"code\":\"unauthenticated\""))
            #expect(refused.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            let wrong = try await server.request(path, token: "not-a-token")
            #expect(wrong.status == 401)
        }
        // A page sends the browser to the sign-in page, keeping where it was going.
        let page = try await server.request("/pivot?rows=ServiceName")
        #expect(page.status == 303 || page.status == 302)
        #expect(page.header("Location") == "/login?next=%2Fpivot%3Frows%3DServiceName")
        // A session cookie that was tampered with is no session.
        let cookie = try await server.signIn(as: "viewer")
        #expect(try await server.request("/pivot?rows=BillingCurrency", cookie: cookie).status == 200)
        let forged = cookie.replacingOccurrences(of: "dmlld2Vy", with: "YWRtaW4")
        #expect(try await server.request("/api/v1/periods", cookie: forged + "x").status == 401)
        let badSignIn = try await server.request(
            "/login",
            method: "POST",
            headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: "token=nope"
        )
        #expect(badSignIn.status == 401)
    }

    @Test("roles: a viewer reads, an operator runs flows and verifies, and a viewer asking to is refused")
    func roles() async throws {
        let server = try await TestServer.start(store: try await Self.store.value)
        defer { Task { await server.stop() } }
        let viewer = TestServer.tokens["viewer"]!
        let operatorToken = TestServer.tokens["operator"]!
        #expect(try await server.request("/api/v1/periods", token: viewer).status == 200)
        let refused = try await server.request("/api/v1/verify", method: "POST", token: viewer)
        #expect(refused.status == 403)
        #expect(refused.body.contains("\"code\":\"forbidden\""))
        #expect(refused.body.contains("needs the operator role"))
        let verified = try await server.request("/api/v1/verify", method: "POST", token: operatorToken)
        #expect(verified.status == 200)
        #expect(verified.body.contains("\"verified\":4"))
    }

    @Test("a pivot through the API is the store's pivot, every digit; CSV too; bad definitions name their part")
    func pivot() async throws {
        let store = try await Self.store.value
        let server = try await TestServer.start(store: store)
        defer { Task { await server.stop() } }
        let token = TestServer.tokens["viewer"]!
        let definition = PivotDefinition(
            rows: "BillingCurrency, ServiceName",
            columns: "month(ChargePeriodStart)",
            measures: "sum(EffectiveCost), count()",
            filter: "ChargeCategory = 'Usage'",
            top: "5",
            totals: .all
        )
        let body = String(decoding: try JSONEncoder().encode(definition), as: UTF8.self)
        let expected = try await store.pivot(try definition.query())
        let json = try await server.request("/api/v1/pivot", method: "POST", token: token, body: body)
        #expect(json.status == 200)
        #expect(json.body == (try expected.json()) + "\n")
        let csv = try await server.request("/api/v1/pivot?format=csv", method: "POST", token: token, body: body)
        #expect(csv.body == expected.csv())

        let bad = try await server.request(
            "/api/v1/pivot",
            method: "POST",
            token: token,
            body: #"{"rows":"ServiceName","measures":"sum(EffectiveCost"}"#
        )
        #expect(bad.status == 400)
        #expect(bad.body.contains("\"code\":\"invalid_query\""))
        #expect(bad.body.contains("measures: column"))
        let missing = try await server.request(
            "/api/v1/pivot",
            method: "POST",
            token: token,
            body: #"{"measures":"count()"}"#
        )
        #expect(missing.status == 400)
        #expect(missing.body.contains("the field rows is required"))
        let mixed = try await server.request(
            "/api/v1/pivot",
            method: "POST",
            token: token,
            body: #"{"rows":"ServiceName","measures":"sum(BilledCost)"}"#
        )
        #expect(mixed.status == 422)
        #expect(mixed.body.contains("several currencies"))
        let huge = try await server.request(
            "/api/v1/pivot",
            method: "POST",
            token: token,
            body: String(repeating: " ", count: 2 << 20)
        )
        #expect(huge.status == 413, "\(huge.body)")
    }

    @Test("analytics: anomalies, month-end forecasts, budgets and coverage are the library's, row for row")
    func analytics() async throws {
        let store = try await Self.store.value
        let budgets = try Budget.load(
            contentsOf: Fixtures.packageRoot.appendingPathComponent("Examples/budgets/monthly_review.yml").path
        )
        let server = try await TestServer.start(store: store) { $0.budgets = budgets }
        defer { Task { await server.stop() } }
        let token = TestServer.tokens["viewer"]!
        let query = CostSeriesQuery(
            by: [.column("ServiceName")],
            measure: .sum("EffectiveCost"),
            filter: try PivotSyntax.filter("BillingCurrency = 'USD'")
        )
        let usd = "by=ServiceName&filter=BillingCurrency%20%3D%20%27USD%27"
        let anomalies = try await CostAnomalyDetection(
            series: query,
            options: AnomalyOptions(minimumImpact: ExactDecimal(5), minimumPercent: 0.2),
            contributorDimensions: [.column("ServiceName"), .column("SubAccountId")]
        ).run { try await store.pivot($0) }
        let found = try await server.request("/api/v1/analytics/anomalies?\(usd)&minImpact=5", token: token)
        #expect(found.status == 200)
        #expect(found.body == anomalies.table.json() + "\n")
        #expect(!anomalies.anomalies.isEmpty)
        let totals = try Forecaster.monthEndTotals(query.series(from: try await store.pivot(query.pivot)))
        let forecast = try await server.request("/api/v1/analytics/forecast?\(usd)&monthEnd=true", token: token)
        #expect(forecast.body == totals.table.json() + "\n")
        let checked = try await budgets.check { try await store.pivot($0) }
        let budgetReply = try await server.request("/api/v1/analytics/budgets", token: token)
        #expect(budgetReply.body == checked.table.json() + "\n")
        #expect(!checked.statuses.isEmpty)
        let coverage = try await TagCoverage.measure(keys: ["team", "env"]) { try await store.pivot($0) }
        let coverageReply = try await server.request("/api/v1/analytics/coverage?tags=team,env", token: token)
        #expect(coverageReply.body == coverage.table.json() + "\n")
        for (path, status, message) in [
            ("/api/v1/analytics/coverage", 400, "tags: give one or more tag keys"),
            ("/api/v1/analytics/budgets?asOf=yesterday", 400, "asOf: 'yesterday' is not a YYYY-MM-DD day"),
            ("/api/v1/analytics/forecast", 400, "by: give the key dimensions"),
            ("/api/v1/analytics/anomalies?by=ServiceName&threshold=lots", 400, "threshold: 'lots' is not a number"),
            ("/api/v1/analytics/forecast?by=ServiceName(", 400, "invalid_query"),
            ("/api/v1/analytics/forecast?by=NoSuchColumn", 422, "NoSuchColumn"),
        ] {
            let reply = try await server.request(path, token: token)
            #expect(reply.status == status, "\(path)")
            #expect(reply.body.contains(message), "\(path): \(reply.body)")
        }
    }

    @Test("rows kept in memory are read again when a load replaces a period")
    func reload() async throws {
        let store = try await TestServer.sampleStore()
        let costs = StoredCosts(store: store)
        let query = PivotQuery(rows: [.column("BillingCurrency")], measures: [.count])
        let before = try await costs.pivot(query)
        _ = try await costs.pivot(query)
        #expect(await costs.loads == 1)
        let csv = Fixtures.file(
            Fixtures.csv([
                [
                    "BillingCurrency": "USD", "BilledCost": "5", "EffectiveCost": "5",
                    "ChargePeriodStart": "2024-01-03T00:00:00Z",
                    "ChargePeriodEnd": "2024-01-04T00:00:00Z", "BillingPeriodStart": "2024-01-01T00:00:00Z",
                    "BillingPeriodEnd": "2024-02-01T00:00:00Z", "ServiceName": "Extra",
                ]
            ])
        )
        _ = try await FocusIngest().ingest(files: [csv], source: "extra", into: store)
        let after = try await costs.pivot(query)
        #expect(await costs.loads == 2)
        #expect(after.cells != before.cells)
        #expect(after == (try await store.pivot(query)))
    }

    static let quickFlow = """
        id: quick
        namespace: tests
        inputs:
          - id: who
            type: STRING
            defaults: world
        tasks:
          - id: hello
            type: io.kestra.plugin.core.log.Log
            message: "hello {{ inputs.who }}"
          - id: services
            type: io.finops.cost.Pivot
            rows: [ServiceName]
            measures: ["sum(EffectiveCost)"]
            where: "BillingCurrency = 'USD'"
            top: 3
        triggers:
          - id: nightly
            type: io.kestra.plugin.core.trigger.Schedule
            cron: "0 6 * * *"
            timezone: Europe/Paris

        """

    static func flowsDirectory() throws -> URL {
        let directory = Fixtures.temporaryDirectory()
        try quickFlow.write(to: directory.appendingPathComponent("quick.yml"), atomically: true, encoding: .utf8)
        try "id: broken\nnamespace: tests\ntasks: 3\n".write(
            to: directory.appendingPathComponent("broken.yml"),
            atomically: true,
            encoding: .utf8
        )
        return directory
    }

    @Test("flows: listed with their schedules, validated with line and column, run and recorded with logs")
    func flows() async throws {
        let server = try await TestServer.start(store: try await Self.store.value, flows: try Self.flowsDirectory())
        defer { Task { await server.stop() } }
        let viewer = TestServer.tokens["viewer"]!
        let operatorToken = TestServer.tokens["operator"]!
        let list = try await server.request("/api/v1/flows", token: viewer)
        #expect(list.status == 200)
        #expect(list.body.contains("\"id\":\"quick\""))
        #expect(list.body.contains("nightly (Europe/Paris) → "))
        #expect(list.body.contains("\"namespace\":\"\",\"id\":\"broken\""))
        let invalid = try await server.request(
            "/api/v1/flows/validate",
            method: "POST",
            token: viewer,
            body: "id: broken\nnamespace: company.finops\ntasks:\n  - id: a\n    type: io.kestra.nope.Nothing\n"
        )
        #expect(invalid.status == 200)
        #expect(invalid.body.contains("\"valid\":false"))
        #expect(invalid.body.contains("\"line\":5"))
        let refused = try await server.request(
            "/api/v1/flows/tests/quick/executions",
            method: "POST",
            token: viewer,
            body: "{}"
        )
        #expect(refused.status == 403)
        let missing = try await server.request(
            "/api/v1/flows/nowhere/nothing/executions",
            method: "POST",
            token: operatorToken,
            body: "{}"
        )
        #expect(missing.status == 404)

        let run = try await server.request(
            "/api/v1/flows/tests/quick/executions",
            method: "POST",
            token: operatorToken,
            body: #"{"inputs": {"who": "<b>team</b>"}, "wait": true}"#
        )
        #expect(run.status == 200)
        let execution = try FlowValue(parsingJSON: run.body)
        #expect(execution["state"] == "SUCCESS")
        #expect(execution["startedBy"] == "operator")
        guard case .string(let id)? = execution["id"], case .list(let runs)? = execution["taskRuns"], runs.count == 2,
            case .list(let rows)? = runs[1]["outputs"]?["rows"]
        else {
            Issue.record("unexpected execution: \(run.body)")
            return
        }
        #expect(rows.count == 4, "the top 3 and Others")
        let logs = try await server.request("/api/v1/executions/\(id)/logs", token: viewer)
        #expect(logs.body.contains("hello <b>team</b>"))
        let listed = try await server.request("/api/v1/executions?flow=tests.quick&state=SUCCESS", token: viewer)
        #expect(listed.body.contains(id))
        let none = try await server.request("/api/v1/executions?state=FAILED", token: viewer)
        #expect(!none.body.contains(id))
        let badState = try await server.request("/api/v1/executions?state=DONE", token: viewer)
        #expect(badState.status == 400)
        let badInputs = try await server.request(
            "/api/v1/flows/tests/quick/executions",
            method: "POST",
            token: operatorToken,
            body: #"{"inputs": [1]}"#
        )
        #expect(badInputs.status == 400)
        // The page escapes what the flow logged.
        let cookie = try await server.signIn(as: "viewer")
        let page = try await server.request("/executions/\(id)", cookie: cookie)
        #expect(page.body.contains("hello &lt;b&gt;team&lt;/b&gt;"))
        #expect(!page.body.contains("<b>team</b>"))
    }
}
