import FinOpsCore
import FinOpsTestSupport
import Foundation
import PivotKit
import Testing

@testable import FinOpsServer

@Suite("finops serve: pages")
struct PageTests {
    /// A store whose names and tags are hostile markup.
    static func hostileStore() async throws -> EmbeddedCostStore {
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        var rows: [[String: String]] = []
        for (index, service) in ["<img src=x onerror=alert(1)>", "Plain \"quoted\" & 'single'", "Storage"].enumerated()
        {
            rows.append([
                "BillingCurrency": "USD", "BilledCost": "\(index + 1).5", "EffectiveCost": "\(index + 1).25",
                "ChargePeriodStart": "2024-03-0\(index + 1)T00:00:00Z",
                "ChargePeriodEnd": "2024-03-0\(index + 2)T00:00:00Z",
                "BillingPeriodStart": "2024-03-01T00:00:00Z", "BillingPeriodEnd": "2024-04-01T00:00:00Z",
                "ServiceName": service, "ChargeCategory": "Usage",
                "Tags": #"{"team": "<script>alert('x')</script>"}"#,
            ])
        }
        _ = try await FocusIngest().ingest(files: [Fixtures.file(Fixtures.csv(rows))], into: store)
        return store
    }

    @Test("the explorer escapes every name and tag, and each member links to the view filtered to it")
    func explorer() async throws {
        let server = try await TestServer.start(store: try await Self.hostileStore())
        defer { Task { await server.stop() } }
        let cookie = try await server.signIn(as: "viewer")
        let page = try await server.request(
            "/pivot?rows=ServiceName,tag(team)&measures=sum(EffectiveCost)&totals=all&chart=bars",
            cookie: cookie
        )
        #expect(page.status == 200)
        #expect(!page.body.contains("<script>alert"))
        #expect(!page.body.contains("<img src=x"))
        #expect(page.body.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(page.body.contains("<svg class=\"chart\""))
        #expect(page.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        // The drill-down of the first member: the view plus its filter, quotes doubled.
        let view = "rows=ServiceName%2Ctag%28team%29&measures=sum%28EffectiveCost%29&f="
        let drill = view + FormCoding.encode("ServiceName = 'Plain \"quoted\" & ''single'''")
        #expect(page.body.contains(markupEscaped("/pivot?" + drill)))

        // Adding a filter from the form redirects to the view with it.
        let added = try await server.request(
            "/pivot?rows=ServiceName&measures=sum(EffectiveCost)&nf_field=ServiceName&nf_op=not+in&nf_value=Storage,+x%27y",
            cookie: cookie
        )
        #expect(added.status == 303 || added.status == 302)
        let location = try #require(added.header("Location"))
        #expect(location.contains("f=" + FormCoding.encode("ServiceName not in ('Storage', 'x''y')")))
        let filtered = try await server.request(location, cookie: cookie)
        #expect(filtered.status == 200)
        #expect(!filtered.body.contains(">Storage<"))

        // The export is the same view's result: the store's pivot as CSV, every digit.
        let query = try PivotDefinition(rows: "ServiceName", measures: "sum(EffectiveCost)", totals: .grand).query()
        let export = try await server.request(
            "/pivot/export.csv?rows=ServiceName&measures=sum(EffectiveCost)&totals=grand",
            cookie: cookie
        )
        #expect(export.body == (try await server.store.pivot(query)).csv())
        #expect(export.header("Content-Disposition")?.contains("pivot.csv") == true)

        // A view that does not parse says which part, on the page.
        let bad = try await server.request("/pivot?rows=ServiceName&measures=sum(", cookie: cookie)
        #expect(bad.status == 400)
        #expect(bad.body.contains("measures: column"))
    }

    @Test("relative time ranges count back from the data's last day; a custom range names a bad day")
    func timeRanges() async throws {
        let server = try await TestServer.start(store: try await TestServer.sampleStore())
        defer { Task { await server.stop() } }
        let token = TestServer.tokens["viewer"]!
        func total(_ range: String) async throws -> String {
            let reply = try await server.request(
                "/pivot/export.csv?rows=BillingCurrency&measures=count()&f=BillingCurrency+%3D+%27USD%27&\(range)",
                token: token
            )
            return reply.body
        }
        // The sample's last day is 2024-04-18; "last month" is March, "this month" April.
        let march = try await server.store.pivot(
            try PivotDefinition(
                rows: "BillingCurrency",
                filter:
                    "BillingCurrency = 'USD' and ChargePeriodStart >= '2024-03-01' and ChargePeriodStart < '2024-04-01'",
                totals: .grand
            ).query()
        )
        #expect(try await total("range=last-month") == march.csv())
        #expect(try await total("range=custom&from=2024-03-01&to=2024-03-31") == march.csv())
        let bad = try await server.request(
            "/pivot/export.csv?rows=BillingCurrency&range=custom&from=2024-02-30",
            token: token
        )
        #expect(bad.status == 400)
        #expect(bad.body.contains("from: &#39;2024-02-30&#39; is not a YYYY-MM-DD day"))
    }

    @Test("form posts need the session's CSRF token; a flow run from its page lands on the execution")
    func csrf() async throws {
        let server = try await TestServer.start(
            store: try await TestServer.sampleStore(),
            flows: try ServerAPITests.flowsDirectory()
        )
        defer { Task { await server.stop() } }
        let viewer = try await server.signIn(as: "viewer")
        let operatorCookie = try await server.signIn(as: "operator")
        let form = ["Content-Type": "application/x-www-form-urlencoded"]
        // The list shows an invalid file's problems at their lines.
        let list = try await server.request("/flows", cookie: viewer)
        #expect(list.body.contains("id=\"broken.yml-3\""))
        #expect(list.body.contains("&#39;tasks&#39; is a list of tasks, not a scalar"))
        let forged = try await server.request(
            "/flows/tests/quick/run",
            method: "POST",
            cookie: operatorCookie,
            headers: form,
            body: "input.who=x"
        )
        #expect(forged.status == 403)
        #expect(forged.body.contains("reload the page"))
        let page = try await server.request("/flows/tests/quick", cookie: operatorCookie)
        let csrf = try #require(Self.hiddenCSRF(in: page.body))
        let viewerPage = try await server.request("/flows/tests/quick", cookie: viewer)
        #expect(!viewerPage.body.contains("id=\"run\""), "a viewer sees no run button")
        let viewerRun = try await server.request(
            "/flows/tests/quick/run",
            method: "POST",
            cookie: viewer,
            headers: form,
            body: "csrf=\(try #require(Self.hiddenCSRF(in: viewerPage.body)))&input.who=x"
        )
        #expect(viewerRun.status == 403)
        let run = try await server.request(
            "/flows/tests/quick/run",
            method: "POST",
            cookie: operatorCookie,
            headers: form,
            body: "csrf=\(FormCoding.encode(csrf))&input.who=form"
        )
        #expect(run.status == 303 || run.status == 302)
        let location = try #require(run.header("Location"))
        #expect(location.hasPrefix("/executions/"))
        // An API call signed in by cookie needs the token as a header.
        let apiForged = try await server.request("/api/v1/verify", method: "POST", cookie: operatorCookie)
        #expect(apiForged.status == 403)
        let apiSigned = try await server.request(
            "/api/v1/verify",
            method: "POST",
            cookie: operatorCookie,
            headers: ["X-CSRF-Token": csrf]
        )
        #expect(apiSigned.status == 200)
    }

    @Test("the dashboard is the month's review with the months around it; a bad month is a clear error")
    func dashboard() async throws {
        let server = try await TestServer.start(store: try await TestServer.sampleStore())
        defer { Task { await server.stop() } }
        let cookie = try await server.signIn(as: "viewer")
        let latest = try await server.request("/dashboard", cookie: cookie)
        #expect(latest.status == 200)
        #expect(latest.body.contains("2024-04"))
        #expect(latest.body.contains("href=\"/dashboard?month=2024-03\""))
        let march = try await server.request("/dashboard?month=2024-03", cookie: cookie)
        #expect(march.body.contains("href=\"/dashboard?month=2024-02\""))
        let bad = try await server.request("/dashboard?month=2024-13", cookie: cookie)
        #expect(bad.status == 400)
        #expect(bad.body.contains("month: &#39;2024-13&#39; is not YYYY-MM"))
        let metrics = try await server.request("/metrics", token: TestServer.tokens["viewer"]!)
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("finops_cost{currency=\"USD\",month=\"2024-04\"}"))
    }

    static func hiddenCSRF(in page: String) -> String? {
        guard let start = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        let rest = page[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
