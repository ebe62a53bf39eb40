import FinOpsServer
import FinOpsTestSupport
import Foundation
import Testing

/// schemathesis (PyPI), where installed: `.ci/run` installs it, and with `CI` set a missing one fails the test.
enum Schemathesis {
    static var available: Bool {
        let probe = try? CommandRunner.run(
            ["schemathesis", "--version"],
            program: URL(fileURLWithPath: "/usr/bin/env")
        )
        return probe?.status == 0
    }

    static var required: Bool { ProcessInfo.processInfo.environment["CI"] != nil }
}

@Suite("finops serve fuzzed from its OpenAPI document")
struct APIFuzzTests {
    /// Generated requests for every operation, valid and not, each answer checked against the document: no server
    /// error, the documented status codes and content types, bodies that fit their schemas, schema-violating
    /// requests refused. Left out: `positive_data_acceptance` (a pivot definition is a language the schema cannot
    /// express, so a schema-valid one can still name an unknown column: 400/422 is the right answer) and
    /// `unsupported_method` (an undeclared method is answered 404, not 405).
    @Test(
        "schemathesis finds no failure",
        .enabled(if: Schemathesis.available || Schemathesis.required),
        .timeLimit(.minutes(5))
    )
    func fuzz() async throws {
        #expect(Schemathesis.available, "install schemathesis (pip install schemathesis)")
        let server = try await TestServer.start(
            store: try await TestServer.sampleStore(),
            flows: try ServerAPITests.flowsDirectory()
        )
        defer { Task { await server.stop() } }
        let spec = Fixtures.temporaryDirectory().appendingPathComponent("openapi.yaml")
        try OpenAPIDocument.yaml.write(to: spec, atomically: true, encoding: .utf8)
        let output = try await CommandRunner.runOffPool(
            [
                "schemathesis", "run", spec.path, "--url", server.base.absoluteString,
                "-H", "Authorization: Bearer \(TestServer.tokens["admin"]!)",
                "--max-examples", "25", "--seed", "1", "--workers", "1",
                "--exclude-checks", "positive_data_acceptance,unsupported_method",
                // Starting executions is exercised by the other tests; fuzzing it would run hundreds of flows.
                "--exclude-path-regex", "executions$",
            ],
            program: URL(fileURLWithPath: "/usr/bin/env"),
            environment: ["SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"],
            // schemathesis keeps a cache in the folder it runs in. One worker: with two, hypothesis (which
            // schemathesis runs on) sometimes fails inside itself while describing its strategies.
            directory: spec.deletingLastPathComponent()
        )
        #expect(output.status == 0, "\(output.stdout.suffix(6000))\n\(output.stderr.suffix(2000))")
    }
}
