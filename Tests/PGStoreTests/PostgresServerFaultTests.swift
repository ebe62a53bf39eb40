import CostStoreConformance
import FinOpsCore
import Foundation
import PGStore
import Testing

/// Faults of the server itself: a crash and restart under a COPY (on a server of the test's own, so the other suites'
/// server keeps running), and a statement timeout.
@Suite("PostgreSQL server faults", .postgres)
struct PostgresServerFaultTests {
    @Test(
        "a server crash and restart mid-COPY fails the load clearly; after recovery the old data and the pool are back"
    )
    func restartMidCopy() async throws {
        guard let server = await offPool({ ThrowawayServer.start(durable: true) }) else {
            // Only reached where the suite's own server is given by URL and no server binaries are installed.
            if TestDatabase.isCI { Issue.record("cannot start a server of this test's own") }
            return
        }
        defer { server.stop() }
        let store = try await PostgresCostStore.open(
            server.url,
            configuration: PostgresPool.Configuration(applicationName: "finops-restarted")
        )
        let january = BillingPeriod.month(2024, 1)!
        _ = try await store.replace(period: january, source: "s", with: CostStoreConformance.rows(20))
        let before = try await store.periods()

        var restarted = false
        do {
            _ = try await store.replace(source: "s") { writer in
                try await writer.write(CostStoreConformance.rows(2_000))
                // The COPY is open: stop the server as a crash would (no shutdown checkpoint), and start it again.
                restarted = await offPool { server.restart(mode: "immediate") }
                for _ in 0..<50 { try await writer.write(CostStoreConformance.rows(2_000)) }
            }
            Issue.record("a load across a server restart succeeded")
        } catch let error as CostStoreError {
            #expect(error.code == .io)
            #expect(error.message.contains("lost the connection"), "\(error)")
            #expect(error.message.contains("the stored data is unchanged"))
        }
        #expect(restarted)

        // The pool drops the connections the restart broke and opens new ones: no call fails for them.
        #expect(try await store.periods() == before)
        CostStoreConformance.expectEqual(try await store.read(.all), CostStoreConformance.rows(20))
        try await store.verify()
        _ = try await store.replace(period: january, source: "s", with: CostStoreConformance.rows(5))
        #expect(try await store.read(.all).rowCount == 5)
        await store.close()
    }

    @Test("a load that outlasts the server's statement_timeout fails naming it; the data and the store are intact")
    func statementTimeout() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let january = BillingPeriod.month(2024, 1)!
            let migrated = try await PostgresCostStore.open(conninfo)
            _ = try await migrated.replace(period: january, source: "s", with: CostStoreConformance.rows(20))
            let before = try await migrated.periods()
            await migrated.close()

            // The timeout set for the session, as an operator would in the URL.
            let separator = conninfo.contains("?") ? "&" : "?"
            let limited = try await PostgresCostStore.open(
                conninfo + separator + "options=-c%20statement_timeout%3D1000"
            )
            do {
                _ = try await limited.replace(source: "s") { writer in
                    // A COPY that waits on its client counts against the timeout: 20 batches 100 ms apart.
                    for _ in 0..<20 {
                        try await writer.write(CostStoreConformance.rows(500))
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
                Issue.record("a load longer than statement_timeout succeeded")
            } catch let error as CostStoreError {
                #expect(error.code == .io)
                #expect(error.message.contains("statement timeout"), "\(error)")
                #expect(error.message.contains("the stored data is unchanged"), "\(error)")
            }
            // Short statements still run on the same store.
            #expect(try await limited.periods() == before)
            CostStoreConformance.expectEqual(try await limited.read(.all), CostStoreConformance.rows(20))
            await limited.close()
        }
    }

    /// Runs blocking work (starting and restarting a server) on a thread of its own, not the cooperative pool.
    private func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}
