import FinOpsTestSupport
import Foundation
import Testing

@Suite("finops run, report and metrics")
struct ReportCLITests {
    @Test("the README's first command runs the monthly review on a new store and says where the report is")
    func mainJob() async throws {
        let folder = Fixtures.temporaryDirectory()
        let result = try await CommandRunner.runOffPool(
            [
                "run", "Examples/flows/monthly_cost_review.yml", "--store", folder.appendingPathComponent("store").path,
                "--output", folder.appendingPathComponent("output").path,
            ],
            directory: Fixtures.packageRoot
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("SUCCESS  ingest"))
        #expect(result.stdout.contains("WARNING  budgets"))
        let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("output report = ") })
        let path = String(line.dropFirst("output report = ".count))
        #expect(path.hasPrefix(folder.appendingPathComponent("output/monthly_cost_review/").path))
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(result.stdout.contains("output rows = 8000"))
    }

    @Test("flow validate and flow test accept the example flows and their suites")
    func examples() async throws {
        let flows = Fixtures.packageRoot.appendingPathComponent("Examples/flows").path
        let validated = try await CommandRunner.runOffPool(
            ["flow", "validate", flows],
            directory: Fixtures.packageRoot
        )
        #expect(validated.status == 0, "\(validated.stderr)")
        #expect(
            validated.stdout.contains("monthly_cost_review.yml: valid (finops.examples.monthly_cost_review, 9 tasks)")
        )
        let tested = try await CommandRunner.runOffPool(["flow", "test", flows], directory: Fixtures.packageRoot)
        #expect(tested.status == 0, "\(tested.stdout)\(tested.stderr)")
        #expect(tested.stdout.contains("the_whole_review"))
    }

    @Test("report and metrics read the store; a bad month is a usage of the data, exit 1")
    func report() async throws {
        let store = Fixtures.temporaryDirectory().path
        #expect(try await CommandRunner.runOffPool(["ingest", Fixtures.focusSample, "--store", store]).status == 0)
        let out = Fixtures.temporaryDirectory().appendingPathComponent("review.html").path
        let written = try await CommandRunner.runOffPool(["report", "--store", store, "--out", out, "--tag", "env"])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout == "Wrote the USD review of 2024-09 to \(out)\n")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("<svg id=\"daily-cost\""))
        let metrics = try await CommandRunner.runOffPool(["metrics", "--store", store])
        #expect(metrics.status == 0, "\(metrics.stderr)")
        #expect(metrics.stdout.contains("finops_cost{currency=\"USD\",month=\"2024-09\"}"))
        let missing = try await CommandRunner.runOffPool([
            "report", "--store", store, "--month", "2020-01", "--out", out,
        ])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("there is no USD cost in 2020-01; the data runs from 2024-09-01 to"))
    }
}

@Suite("finops backup and restore")
struct BackupCLITests {
    @Test("backup, check and restore print what they did; a damaged backup exits 1 and changes nothing")
    func backupAndRestore() async throws {
        let store = Fixtures.temporaryDirectory().path
        #expect(try await CommandRunner.runOffPool(["ingest", Fixtures.focusSample, "--store", store]).status == 0)
        let folder = Fixtures.temporaryDirectory().appendingPathComponent("backup").path
        let backup = try await CommandRunner.runOffPool(["backup", "--store", store, "--to", folder])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.hasPrefix("Backed up 2 periods, 1000 rows, of \(store) to \(folder)."))
        let checked = try await CommandRunner.runOffPool(["restore", "--from", folder, "--check-only"])
        #expect(checked.stdout == "OK: 2 periods in \(folder) match their manifest.\n")
        let target = Fixtures.temporaryDirectory().path
        let restored = try await CommandRunner.runOffPool(["restore", "--from", folder, "--store", target])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.hasPrefix("Restored 2 periods, 1000 rows, into \(target); totals match the backup."))
        let periods = try await CommandRunner.runOffPool(["periods", "--store", target])
        let original = try await CommandRunner.runOffPool(["periods", "--store", store])
        #expect(periods.stdout == original.stdout.replacingOccurrences(of: store, with: target))

        let file = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".fcol") }
        )
        let path = URL(fileURLWithPath: folder).appendingPathComponent(file)
        var bytes = try Data(contentsOf: path)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: path)
        let fresh = Fixtures.temporaryDirectory().path
        let refused = try await CommandRunner.runOffPool(["restore", "--from", folder, "--store", fresh])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(file))
        let empty = try await CommandRunner.runOffPool(["periods", "--store", fresh])
        #expect(empty.stdout.contains("is empty"))
    }
}

@Suite("finops doctor command")
struct DoctorCLITests {
    @Test("exit 0 when all is green, 3 when the worst is yellow, 4 when red; JSON lists every finding")
    func exitCodes() async throws {
        let store = Fixtures.temporaryDirectory().path
        let empty = try await CommandRunner.runOffPool(["doctor", "--store", store])
        #expect(empty.status == 3)
        #expect(empty.stdout.contains("yellow \(store): the store holds no cost data"))
        #expect(empty.stdout.contains("fix: ingest a FOCUS export (finops ingest EXPORT)"))
        #expect(try await CommandRunner.runOffPool(["ingest", Fixtures.focusSample, "--store", store]).status == 0)
        let flows = Fixtures.packageRoot.appendingPathComponent("Examples/flows").path
        let healthy = try await CommandRunner.runOffPool([
            "doctor", "--store", store, "--flows", flows, "--format", "json",
        ])
        #expect(healthy.status == 0, "\(healthy.stdout)")
        let findings = try JSONSerialization.jsonObject(with: Data(healthy.stdout.utf8)) as? [[String: Any]]
        #expect(findings?.allSatisfy { $0["status"] as? String == "green" } == true)
        #expect(findings?.contains { $0["code"] as? String == "schedule" } == true)
        let broken = Fixtures.temporaryDirectory()
        try "id: x\nnamespace: y\ntasks: []\n".write(
            to: broken.appendingPathComponent("x.yml"),
            atomically: true,
            encoding: .utf8
        )
        let red = try await CommandRunner.runOffPool(["doctor", "--store", store, "--flows", broken.path])
        #expect(red.status == 4)
        #expect(red.stdout.contains("red    x.yml:"))
    }
}
