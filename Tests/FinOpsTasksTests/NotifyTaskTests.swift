import FinOpsTasks
import FinOpsTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Testing

@Suite("the Notify task, against a listener on 127.0.0.1")
struct NotifyTaskTests {
    static func flow(port: Int, extra: String = "") -> String {
        """
        id: notify
        namespace: test
        tasks:
          - id: notify
            type: io.finops.cost.Notify
            url: "http://127.0.0.1:\(port)/alerts"
            headers:
              X-Team: finops
            payload:
              text: "{{ 1 + 1 }} budgets breached"
              amounts: [12.50, "0.000000000000000001"]
        \(extra)
        """
    }

    @Test("posts the payload as JSON, retrying 5xx answers with growing waits on the engine's clock")
    func retries() async throws {
        let listener = try WebhookListener(statuses: [503, 500, 200])
        defer { listener.stop() }
        let test = try FlowTest(yaml: Self.flow(port: listener.port), registry: .finOps)
        let result = try await test.run()
        try result.expectState(.success)
        #expect(result.outputs(of: "notify")?["attempts"] == 3)
        #expect(result.outputs(of: "notify")?["status"] == 200)
        #expect(result.outputs(of: "notify")?["body"] == "{\"ok\":true}")
        #expect(listener.requests.count == 3)
        let request = try #require(listener.requests.last)
        #expect(request.head.hasPrefix("POST /alerts HTTP/1.1"))
        #expect(request.head.lowercased().contains("x-team: finops"))
        #expect(request.head.lowercased().contains("content-type: application/json"))
        #expect(request.body == #"{"text":"2 budgets breached","amounts":[12.5,"0.000000000000000001"]}"#)
        // The waits (1 s, then 2 s) ran on the virtual clock: they are in the logs, not in the test's time.
        #expect(result.logs(containing: "retrying in").count == 2)
    }

    @Test("a 4xx answer fails at once; an unreachable address fails after every attempt")
    func failures() async throws {
        let listener = try WebhookListener(statuses: [404])
        defer { listener.stop() }
        let rejected = try await FlowTest(yaml: Self.flow(port: listener.port), registry: .finOps).run()
        try rejected.expectState(.failed)
        #expect(listener.requests.count == 1)
        #expect(!rejected.logs(containing: "127.0.0.1 answered 404").isEmpty)

        let closed = try WebhookListener(statuses: [200])
        let port = closed.port
        closed.stop()
        let unreachable = try await FlowTest(yaml: Self.flow(port: port), registry: .finOps).run()
        try unreachable.expectState(.failed)
        #expect(!unreachable.logs(containing: "after 3 attempts").isEmpty)
    }

    @Test("a listener slower than the timeout fails the attempt")
    func timeout() async throws {
        let listener = try WebhookListener(statuses: [200], delay: .seconds(5))
        defer { listener.stop() }
        let yaml = Self.flow(port: listener.port).replacingOccurrences(
            of: "    url:",
            with: "    requestTimeout: PT1S\n    attempts: 1\n    url:"
        )
        // Had the timeout not worked, the answer (200) would have come after 5 s and the task would have succeeded.
        let result = try await FlowTest(yaml: yaml, registry: .finOps).run()
        try result.expectState(.failed)
        #expect(!result.logs(containing: "did not answer within 1.0 seconds, after 1 attempts").isEmpty)
    }

    @Test("only http and https addresses are posted to")
    func schemes() async throws {
        let yaml = Self.flow(port: 1).replacingOccurrences(of: "http://127.0.0.1:1/alerts", with: "file:///etc/passwd")
        let result = try await FlowTest(yaml: yaml, registry: .finOps).run()
        try result.expectState(.failed)
        #expect(!result.logs(containing: "url must be an http or https address").isEmpty)
    }
}
