import ArgumentParser
import FinOpsCore
import Foundation
import PGStore

@main
struct FinOps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finops",
        abstract: "Ingest, store and analyse cloud billing data (FOCUS).",
        subcommands: [Ingest.self, Periods.self, Verify.self, Pivot.self, Sample.self, FlowCommand.self, DB.self]
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
        } catch let error as CostStoreError {
            fail("error: \(error)")
        } catch let error as DataError {
            fail("error: \(error.message)")
        } catch let error as ValidationError {
            FileHandle.standardError.write(Data(("error: \(error.message)\n").utf8))
            Foundation.exit(2)
        } catch {
            exit(withError: error)
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

    var location: StoreLocation { StoreLocation(option: store) }

    /// Whether the store is a PostgreSQL server.
    var isPostgres: Bool { PostgresURL.isPostgres(location.value) }

    /// The embedded store in the directory, or the PostgreSQL store at the URL (its schema migrated if needed).
    func open() async throws -> any CostStore {
        if isPostgres { return try await PostgresCostStore.open(location.value) }
        return try location.openEmbedded()
    }

    /// The location as messages show it: a URL without its password.
    var displayName: String {
        guard isPostgres, var components = URLComponents(string: location.value), components.password != nil else {
            return location.value
        }
        components.password = "***"
        return components.string ?? location.value
    }
}

/// How results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}
