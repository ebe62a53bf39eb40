import ArgumentParser
import FinOpsAnalytics
import FinOpsCore
import FinOpsServer
import FlowEngine
import Foundation
import PGStore

@main
struct FinOps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finops",
        abstract: "Ingest, store and analyse cloud billing data (FOCUS).",
        subcommands: [
            Ingest.self, Periods.self, Verify.self, Pivot.self, Allocate.self, Anomalies.self, Forecast.self,
            Budgets.self, Coverage.self, Commitments.self, Reconcile.self, Report.self, Metrics.self, Backup.self,
            Restore.self, Doctor.self, Sample.self, Serve.self, Scheduler.self, Token.self,
            FlowCommand.self, RunFlow.self,
            DB.self,
        ]
    )

    /// Exit codes: 0 success, 1 a data or store error, 2 a usage error.
    static func main() async {
        AllocatorTuning.preferHeapForLargeAllocations()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            // Bad arguments: the message with usage, exit code 2 (help and version exit 0).
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as IngestError {
            fail("error: \(error)")
        } catch let error as AnalyticsError {
            fail("error: \(error)")
        } catch let error as CostStoreError {
            fail("error: \(error)" + hint(for: error))
        } catch let error as DataError {
            fail("error: \(error.message)")
        } catch let error as ValidationError {
            FileHandle.standardError.write(Data(("error: \(error.message)\n").utf8))
            Foundation.exit(2)
        } catch {
            exit(withError: error)
        }
    }

    /// What the command line adds to a library error: the flags or commands that fix it.
    private static func hint(for error: CostStoreError) -> String {
        switch error.code {
        case .schemaOutdated: "\nhint: run `finops db migrate --url URL` to apply the migrations"
        case .unknownLocation: "\nhint: --store takes a directory or a postgres:// URL"
        default: ""
        }
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        Foundation.exit(1)
    }
}

/// A failure caused by the data or the environment rather than by how the command was called (exit code 1).
struct DataError: Error {
    var message: String
}

/// The store to use.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The store: a directory or a postgres:// URL (default $FINOPS_STORE, else ./.finops)."
    )
    var store: String?

    var location: StoreLocation { StoreLocation(explicit: store) }

    init() {}

    /// Options naming a store, as `--store` would.
    init(location: String) {
        store = location
    }

    /// Runs `body` with the store at the location (a PostgreSQL store's schema migrated if needed), closing it
    /// afterwards.
    func withStore<T>(_ body: (any CostStore) async throws -> T) async throws -> T {
        var opener = CostStoreOpener()
        opener.registerPostgres()
        let store = try await opener.open(location)
        do {
            let value = try await body(store)
            await store.close()
            return value
        } catch {
            await store.close()
            throw error
        }
    }

    /// The location as messages show it: a URL without its password.
    var displayName: String { location.displayName }

    /// The execution history kept with the store: `executions.sqlite` in an embedded store's directory, or the
    /// PostgreSQL database's tables.
    func openExecutions() async throws -> any ExecutionStore {
        var opener = ExecutionStoreOpener.embedded
        opener.registerPostgres()
        do {
            return try await opener.open(location.value)
        } catch let error as ExecutionStoreError {
            throw DataError(message: error.message + " (--store)")
        }
    }
}

/// How results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}
