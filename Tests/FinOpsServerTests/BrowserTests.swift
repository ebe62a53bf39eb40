import FinOpsTestSupport
import Foundation
import Testing

/// Headless Chromium driven by selenium (Debian's `chromium` and `chromium-driver`, selenium from PyPI): `.ci/run`
/// installs them, and with `CI` set a missing one fails the test instead of skipping it.
enum SeleniumBrowser {
    static let driver: URL? = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .map(URL.init(fileURLWithPath:)).first { FileManager.default.isExecutableFile(atPath: $0.path) }

    static let python = URL(fileURLWithPath: "/usr/bin/env")

    static var available: Bool {
        guard driver != nil, FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") else { return false }
        let probe = try? CommandRunner.run(["python3", "-c", "import selenium"], program: python)
        return probe?.status == 0
    }

    static var required: Bool { ProcessInfo.processInfo.environment["CI"] != nil }
}

@Suite("finops serve in a real browser", .serialized)
struct BrowserTests {
    @Test(
        "sign in, pivot, filter, back and forward, drill down, export, dashboard, run a flow, validate",
        .enabled(if: SeleniumBrowser.available || SeleniumBrowser.required),
        .timeLimit(.minutes(5))
    )
    func explorerAndFlows() async throws {
        #expect(SeleniumBrowser.available, "install chromium, chromium-driver and selenium (pip install selenium)")
        let server = try await TestServer.start(
            store: try await TestServer.sampleStore(),
            flows: try ServerAPITests.flowsDirectory()
        )
        defer { Task { await server.stop() } }
        let screenshots =
            ProcessInfo.processInfo.environment["FINOPS_SCREENSHOTS"].map(URL.init(fileURLWithPath:))
            ?? Fixtures.temporaryDirectory()
        let script = Fixtures.packageRoot.appendingPathComponent("Tests/FinOpsServerTests/Browser/browser_test.py")
        let output = try await CommandRunner.runOffPool(
            ["python3", script.path, server.base.absoluteString, TestServer.tokens["operator"]!, screenshots.path],
            program: SeleniumBrowser.python
        )
        #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)")
        #expect(output.stdout.contains("browser test passed"))
        for name in [
            "sign-in.png", "pivot.png", "dashboard.png", "flows.png", "flow.png", "execution.png", "executions.png",
            "validate.png",
        ] {
            let size =
                (try? FileManager.default.attributesOfItem(atPath: screenshots.appendingPathComponent(name).path))?[
                    .size
                ] as? Int
            #expect((size ?? 0) > 20_000, "\(name) is a picture of a page, not a blank one")
        }
    }
}
