import CostStoreConformance
import FinOpsCore
import FinOpsTestSupport
import Foundation
import PGStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("PostgreSQL store faults", .postgres)
struct PostgresLoadFaultTests {
    /// Runs `body` with a migrated store in a scratch database and that database's conninfo.
    private func withStore(
        applicationName: String = "finops",
        _ body: (PostgresCostStore, String) async throws -> Void
    ) async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let store = try await PostgresCostStore.open(
                conninfo,
                configuration: PostgresPool.Configuration(applicationName: applicationName)
            )
            do {
                try await body(store, conninfo)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }

    @Test("a row the server rejects aborts the COPY, is named in the error, and leaves the previous data")
    func badRow() async throws {
        try await withStore { store, _ in
            let january = BillingPeriod.month(2024, 1)!
            _ = try await store.replace(period: january, source: "s", with: CostStoreConformance.rows(10))
            let before = try await store.periods()

            var table = CostStoreConformance.rows(3_000)
            var starts = try #require(table.timestamps("ChargePeriodStart"))
            // 5001 BC: before PostgreSQL's earliest timestamptz (4713 BC), so the server refuses the row.
            starts.values[2_499] = -220_000_000_000_000_000
            table = CostTable(
                rowCount: table.rowCount,
                columns: table.columns.map {
                    $0.name == "ChargePeriodStart" ? CostTable.Column(name: $0.name, data: .timestamp(starts)) : $0
                }
            )
            do {
                _ = try await store.replace(source: "s") { writer in
                    try await writer.write(CostStoreConformance.rows(500, month: 2))
                    try await writer.write(table)
                }
                Issue.record("a load with a row out of range succeeded")
            } catch let error as CostStoreError {
                #expect(error.code == .io)
                #expect(error.message.contains("period 2024-01: row 2500 of the period (row 3000 of the load)"))
                #expect(error.message.contains("out of range"), "\(error)")
                #expect(error.message.contains("charge_period_start"), "\(error)")
                #expect(error.message.contains("the stored data is unchanged"))
            }
            #expect(try await store.periods() == before)
            CostStoreConformance.expectEqual(try await store.read(.all), CostStoreConformance.rows(10))
            try await store.verify()
        }
    }

    @Test("a connection killed mid-load (pg_terminate_backend) is reported and leaves the previous data")
    func terminatedBackend() async throws {
        try await withStore(applicationName: "finops-terminated-load") { store, conninfo in
            let january = BillingPeriod.month(2024, 1)!
            _ = try await store.replace(period: january, source: "s", with: CostStoreConformance.rows(20))
            let before = try await store.periods()
            let admin = try await PostgresConnection.connect(conninfo)
            do {
                _ = try await store.replace(source: "s") { writer in
                    try await writer.write(CostStoreConformance.rows(2_000))
                    let killed = try await admin.query(
                        """
                        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE application_name = 'finops-terminated-load' AND query LIKE 'COPY%'
                        """
                    )
                    #expect(killed.count == 1)
                    for _ in 0..<50 { try await writer.write(CostStoreConformance.rows(2_000)) }
                }
                Issue.record("a load whose backend was terminated succeeded")
            } catch let error as CostStoreError {
                #expect(error.code == .io)
                #expect(error.message.contains("lost the connection"), "\(error)")
                #expect(error.message.contains("the stored data is unchanged"))
            }
            await admin.close()
            #expect(try await store.periods() == before)
            CostStoreConformance.expectEqual(try await store.read(.all), CostStoreConformance.rows(20))
            // The store keeps working.
            _ = try await store.replace(period: january, source: "s", with: CostStoreConformance.rows(5))
            #expect(try await store.read(.all).rowCount == 5)
        }
    }

    @Test("finops ingest --store postgres://… killed with SIGKILL mid-load leaves the previous data")
    func killedProcess() async throws {
        try await withStore { store, conninfo in
            let directory = Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let small = directory.appendingPathComponent("small.csv").path
            let big = directory.appendingPathComponent("big.csv").path
            try SampleGenerator(rows: 2_000, seed: 1).write(to: small)
            try SampleGenerator(rows: 300_000, seed: 2).write(to: big)
            let ingested = try await CommandRunner.runOffPool([
                "ingest", small, "--source", "billing", "--store", conninfo,
            ])
            #expect(ingested.status == 0, "\(ingested.stderr)")
            let before = try await store.periods()
            #expect(before.reduce(0) { $0 + $1.rowCount } == 2_000)

            let (process, _, _) = try CommandRunner.start(["ingest", big, "--source", "billing", "--store", conninfo])
            let admin = try await PostgresConnection.connect(conninfo)
            var sawRows = false
            for _ in 0..<3_000 where process.isRunning {
                let progress = try await admin.query(
                    "SELECT tuples_processed FROM pg_stat_progress_copy WHERE datname = current_database()"
                )
                if let row = progress.first, try row.decode(0, as: Int.self) > 0 {
                    sawRows = true
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(sawRows, "the ingest finished or never copied rows before it could be killed")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            await admin.close()

            #expect(try await store.periods() == before)
            #expect(try await store.read(.all).rowCount == 2_000)
            try await store.verify()
            // The next load is not blocked by the killed one's locks and stores the same data again.
            let again = try await CommandRunner.runOffPool(
                ["ingest", small, "--source", "billing"],
                environment: ["FINOPS_STORE": conninfo]
            )
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try await store.periods().map(\.checksum) == before.map(\.checksum))
            let verified = try await CommandRunner.runOffPool(["verify", "--store", conninfo])
            #expect(verified.stdout.contains("OK: 3 periods, 2000 rows"), "\(verified.stdout)\(verified.stderr)")
        }
    }

    @Test("a file name with quotes, ;, --, backslashes and Unicode is stored as the source exactly")
    func hostileFileName() async throws {
        try await withStore { store, conninfo in
            let name = "it's; -- \"x\" \\ DROP ✓ 日本"
            let path = Fixtures.file(named: name + ".csv", Fixtures.csv([[:], ["BilledCost": "2.25"]]))
            let ingested = try await CommandRunner.runOffPool(["ingest", path, "--store", conninfo, "--format", "json"])
            #expect(ingested.status == 0, "\(ingested.stderr)")
            let periods = try await store.periods()
            #expect(periods.map(\.source) == [name])
            #expect(periods.first?.totals.first?.billedCost == ExactDecimal("3.75"))
            let listed = try await CommandRunner.runOffPool(["periods", "--store", conninfo])
            #expect(listed.stdout.contains(name), "\(listed.stdout)\(listed.stderr)")
        }
    }

    @Test("readers during a replace see the old rows or the new, never a mix or duplicates")
    func readersSeeOldOrNew() async throws {
        try await withStore { store, _ in
            let january = BillingPeriod.month(2024, 1)!
            _ = try await store.replace(period: january, source: "s", with: CostStoreConformance.rows(1_000))
            let reader = Task {
                var counts = Set<Int>()
                for _ in 0..<40 {
                    let table = try await store.read(.all)
                    let periods = try await store.periods()
                    counts.insert(table.rowCount)
                    #expect([1_000, 3_000].contains(table.rowCount))
                    #expect([1_000, 3_000].contains(periods.reduce(0) { $0 + $1.rowCount }))
                }
                return counts
            }
            for _ in 0..<3 {
                _ = try await store.replace(source: "s") { writer in
                    for _ in 0..<3 { try await writer.write(CostStoreConformance.rows(1_000)) }
                }
            }
            _ = try await reader.value
            #expect(try await store.read(.all).rowCount == 3_000)
        }
    }

    @Test("concurrent loads of the same source and period leave one load's rows, not both")
    func concurrentLoads() async throws {
        try await withStore { store, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for size in [700, 900, 1_100, 1_300] {
                    group.addTask {
                        _ = try await store.replace(source: "s") { writer in
                            try await writer.write(CostStoreConformance.rows(size, month: 1))
                            try await writer.write(CostStoreConformance.rows(size, month: 2))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let periods = try await store.periods()
            #expect(periods.count == 2)
            let read = try await store.read(.all)
            #expect(read.rowCount == periods.reduce(0) { $0 + $1.rowCount })
            #expect([700, 900, 1_100, 1_300].contains(periods[0].rowCount))
            try await store.verify()
        }
    }
}
