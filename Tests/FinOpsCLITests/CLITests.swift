import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

@Suite("finops CLI")
struct CLITests {
    @Test("ingest prints exact totals per period; JSON writes decimals as strings with every digit")
    func ingestAndPeriods() async throws {
        let store = Fixtures.temporaryDirectory().path
        let text = try await CommandRunner.runOffPool(["ingest", Fixtures.focusSample, "--store", store])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Stored 1000 rows"))
        #expect(
            text.stdout.contains(
                "2024-09  focus_sample   999  USD       20.28022672899  14.97651418586  20.15090575119  14.97626039326"
            )
        )
        #expect(text.stdout.contains("wrong-case-value in ChargeFrequency: 7"))

        let json = try await CommandRunner.runOffPool(["periods", "--store", store, "--format", "json"])
        #expect(json.status == 0)
        #expect(json.stdout.contains("\"billedCost\" : \"20.28022672899\""))
        let periods = try JSONDecoder().decode([PeriodSummary].self, from: Data(json.stdout.utf8))
        #expect(periods.map(\.rowCount) == [999, 1])

        let ingestJSON = try await CommandRunner.runOffPool([
            "ingest", Fixtures.focusSample, "--store", store, "--format", "json",
        ])
        let report = try JSONDecoder().decode(IngestReport.self, from: Data(ingestJSON.stdout.utf8))
        #expect(report.files[0].rowsStored == 1_000)
        #expect(report.warnings.totalCount == 29)
    }

    @Test("the store comes from --store, else FINOPS_STORE, else ./.finops")
    func storeLocation() async throws {
        let directory = Fixtures.temporaryDirectory()
        let fromEnvironment = directory.appendingPathComponent("env-store").path
        #expect(
            try await CommandRunner.runOffPool(
                ["ingest", Fixtures.focusSample],
                environment: ["FINOPS_STORE": fromEnvironment]
            )
            .status == 0
        )
        #expect(FileManager.default.fileExists(atPath: fromEnvironment + "/manifest.json"))
        #expect(try await CommandRunner.runOffPool(["ingest", Fixtures.focusSample], directory: directory).status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(".finops/manifest.json").path))
    }

    @Test("exit code 1 for a data error, naming the file, row, column and value")
    func dataError() async throws {
        let path = Fixtures.file(Fixtures.csv([[:], ["EffectiveCost": "1.2.3"]]))
        let result = try await CommandRunner.runOffPool(["ingest", path, "--store", Fixtures.temporaryDirectory().path])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "\(path): row 2 (line 3), column EffectiveCost, value \"1.2.3\": not a decimal number"
            )
        )
    }

    @Test(
        "exit code 2 for a usage error",
        arguments: [["ingest"], ["ingest", "--bogus", "x.csv"], ["nope"], ["sample", "--rows", "-1", "--out", "x"]]
    )
    func usageError(_ arguments: [String]) async throws {
        let result = try await CommandRunner.runOffPool(arguments)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }

    @Test("skip-invalid stores good rows, reports the rejects file")
    func skipInvalid() async throws {
        let directory = Fixtures.temporaryDirectory()
        let path = Fixtures.file(Fixtures.csv([[:], ["ChargeCategory": "Refund"]]))
        let result = try await CommandRunner.runOffPool(
            ["ingest", path, "--skip-invalid", "--store", ".finops"],
            directory: directory
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("rejected 1 rows"))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("export.rejects.csv").path))
    }

    @Test("sample writes a deterministic file that ingests cleanly")
    func sample() async throws {
        let directory = Fixtures.temporaryDirectory()
        let first = directory.appendingPathComponent("a.csv").path
        let second = directory.appendingPathComponent("b.csv").path
        #expect(
            try await CommandRunner.runOffPool(["sample", "--rows", "3000", "--seed", "9", "--out", first]).status == 0
        )
        #expect(
            try await CommandRunner.runOffPool(["sample", "--rows", "3000", "--seed", "9", "--out", second]).status == 0
        )
        #expect(FileManager.default.contentsEqual(atPath: first, andPath: second))
        let result = try await CommandRunner.runOffPool([
            "ingest", first, "--store", directory.appendingPathComponent("s").path,
        ])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("Warnings"))
    }
}

@Suite("finops verify")
struct VerifyCommandTests {
    @Test("verify passes on an intact store and fails with exit 1 naming the altered file")
    func verify() async throws {
        let store = Fixtures.temporaryDirectory()
        #expect(
            try await CommandRunner.runOffPool(["ingest", Fixtures.focusSample, "--store", store.path]).status == 0
        )
        let ok = try await CommandRunner.runOffPool(["verify", "--store", store.path])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("OK: 2 periods, 1000 rows"))
        let data = store.appendingPathComponent("data")
        let folder = data.appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: data.path)[0])
        let file = folder.appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: folder.path)[0])
        var bytes = try Data(contentsOf: file)
        bytes[100] ^= 0x01
        try bytes.write(to: file)
        let bad = try await CommandRunner.runOffPool(["verify", "--store", store.path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains(file.lastPathComponent))
        #expect(bad.stderr.contains("the file was altered"))
    }
}

@Suite("finops pivot")
struct PivotCommandTests {
    @Test("pivots stored data and files: CSV with every digit, totals, top-N, sort and limit")
    func pivot() async throws {
        let store = Fixtures.temporaryDirectory().path
        #expect(try await CommandRunner.runOffPool(["ingest", Fixtures.focusSample, "--store", store]).status == 0)
        let csv = try await CommandRunner.runOffPool([
            "pivot", "--store", store, "--rows", "ProviderName", "--measures", "sum(BilledCost),count()",
            "--totals", "grand", "--format", "csv",
        ])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout.hasPrefix("ProviderName,sum(BilledCost),count()\nAWS,18.0066386184,942\n"))
        #expect(csv.stdout.hasSuffix("(total),20.52022672899,1000\n"))
        let fromFile = try await CommandRunner.runOffPool([
            "pivot", "--file", Fixtures.focusSample, "--rows", "ServiceName", "--measures", "count()",
            "--sort", "count() desc", "--limit", "1", "--format", "csv",
        ])
        #expect(fromFile.stdout == "ServiceName,count()\nAmazon Elastic Compute Cloud,554\n")
        let top = try await CommandRunner.runOffPool([
            "pivot", "--store", store, "--rows", "ProviderName,ServiceName", "--measures", "sum(ListCost)", "--top",
            "1",
            "--where", "ChargeCategory = 'Usage'",
        ])
        #expect(top.stdout.contains("Others"))
    }

    @Test("a bad expression is a usage error pointing at its column; a bad column a data error")
    func errors() async throws {
        let store = Fixtures.temporaryDirectory().path
        #expect(try await CommandRunner.runOffPool(["ingest", Fixtures.focusSample, "--store", store]).status == 0)
        let syntax = try await CommandRunner.runOffPool([
            "pivot", "--store", store, "--rows", "ServiceName", "--where", "RegionId inn ('x')",
        ])
        #expect(syntax.status == 2)
        #expect(syntax.stderr.contains("column 10: expected a comparison"))
        let column = try await CommandRunner.runOffPool(["pivot", "--store", store, "--rows", "Servicename"])
        #expect(column.status == 1)
        #expect(column.stderr.contains("did you mean ServiceName?"))
        // The library's message speaks of HAVING; the command line adds the flags.
        let measure = try await CommandRunner.runOffPool([
            "pivot", "--store", store, "--rows", "ServiceName", "--where", "sum(BilledCost) > 1",
        ])
        #expect(measure.status == 1)
        #expect(measure.stderr.contains("sum(BilledCost) is a measure: filter groups by it with HAVING"))
        #expect(measure.stderr.contains("hint: move sum(BilledCost) from --where to --having"))
    }

    @Test("a store location of an unknown kind is refused with what is supported")
    func unknownStoreKind() async throws {
        let result = try await CommandRunner.runOffPool(["periods", "--store", "mysql://db/finops"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no store kind is registered for mysql://"))
        #expect(result.stderr.contains("postgres://"))
    }
}

@Suite("finops pivot --sql")
struct PivotSQLCommandTests {
    @Test("prints the PostgreSQL statement and its parameters without touching a store")
    func printsStatement() async throws {
        let result = try await CommandRunner.runOffPool([
            "pivot", "--rows", "ServiceName", "--measures", "sum(BilledCost)", "--where", "RegionId = 'eu-west-1'",
            "--sql",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("SELECT d0, coalesce(sum(v0), 0) AS m0, GROUPING(d0) AS g\n"))
        #expect(result.stdout.contains("WHERE (\"region_id\" = $1)"))
        #expect(result.stdout.hasSuffix("-- $1 = 'eu-west-1'\n"))
    }
}
