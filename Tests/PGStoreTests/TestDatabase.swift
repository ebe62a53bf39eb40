import Foundation
import PGStore
import Testing

/// The PostgreSQL server the tests use: `FINOPS_TEST_POSTGRES_URL` if set (`.ci/postgres.sh start` prints it), else a
/// throwaway server the test process starts itself with `.ci/postgres.sh` where PostgreSQL's server binaries are
/// installed, stopped when the process ends.
///
/// Without either the PGStore tests are skipped locally, with a visible message, but fail when `CI` is set, so CI
/// never passes without having run them.
enum TestDatabase {
    static let variable = "FINOPS_TEST_POSTGRES_URL"

    static let url: String? = {
        if let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty { return url }
        return ThrowawayServer.start()?.url
    }()

    static var isCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"] else { return false }
        return !value.isEmpty && value != "0" && value.lowercased() != "false"
    }

    /// Whether the tests run: with a server, or in CI (where they then fail for the lack of one).
    static let isEnabled: Bool = {
        if url != nil || isCI { return true }
        print(skipMessage)
        return false
    }()

    static let skipMessage =
        "PGStore tests skipped: \(variable) is not set and no PostgreSQL server binaries (initdb, pg_ctl) were found "
        + "to start one: install Debian's postgresql package, or export \(variable)."

    /// The server's URL.
    ///
    /// - Throws: When none is configured (only reached in CI, where the tests must not skip).
    static func requireURL() throws -> String {
        guard let url else {
            throw TestDatabaseError(message: "CI is set but \(variable) is not: the PGStore tests need a server")
        }
        return url
    }

    static func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(requireURL())
    }

    /// The conninfo of another database on the same server.
    static func conninfo(database: String) throws -> String {
        let url = try requireURL()
        guard var components = URLComponents(string: url), components.scheme?.hasPrefix("postgres") == true else {
            return url + " dbname=\(database)"
        }
        components.path = "/" + database
        return components.string!
    }

    /// Runs `body` with the conninfo of a new, empty database, dropped afterwards.
    static func withScratchDatabase<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (String) async throws -> T
    ) async throws -> T {
        let name = "finops_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try await connect()
        try await admin.query("CREATE DATABASE \(name)")
        do {
            let value = try await body(conninfo(database: name))
            try await admin.query("DROP DATABASE \(name) WITH (FORCE)")
            await admin.close()
            return value
        } catch {
            _ = try? await admin.query("DROP DATABASE \(name) WITH (FORCE)")
            await admin.close()
            throw error
        }
    }
}

struct TestDatabaseError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test against the test server; see ``TestDatabase``.
    static var postgres: Self {
        .enabled(if: TestDatabase.isEnabled, Comment(rawValue: TestDatabase.skipMessage))
    }
}

/// A server of this test process, started by `.ci/postgres.sh` (a temporary data folder, 127.0.0.1, a free port) and
/// stopped by a watchdog process once this one has ended, however it ends. The fault tests start servers of their
/// own, to restart them.
struct ThrowawayServer: Sendable {
    let url: String
    let folder: String

    private static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".ci/postgres.sh").path
    }

    /// Starts a server; a `durable` one keeps every commit through a crash (the others run without syncing).
    static func start(durable: Bool = false) -> ThrowawayServer? {
        guard FileManager.default.isExecutableFile(atPath: script) else { return nil }
        // Through the shell and into a file: the server the script starts inherits the descriptors it is given, so a
        // pipe would never reach its end, and Foundation's Process waits on a run loop tests do not turn.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("finops-pg-\(UUID().uuidString).env")
            .path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let settings = durable ? "PG_DURABLE=1 " : ""
        guard shell("\(settings)\(quoted(script)) start > \(quoted(output)) 2>/dev/null </dev/null"),
            let printed = try? String(contentsOfFile: output, encoding: .utf8)
        else { return nil }
        var exports: [String: String] = [:]
        for line in printed.split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
            if pair.count == 2 { exports[String(pair[0])] = String(pair[1]) }
        }
        guard let url = exports["FINOPS_TEST_POSTGRES_URL"], let folder = exports["FINOPS_TEST_POSTGRES_DIR"] else {
            return nil
        }
        let watchdog =
            "while kill -0 \(getpid()) 2>/dev/null && [ -d \(quoted(folder)) ]; do sleep 0.5; done; "
            + "\(quoted(script)) stop \(quoted(folder))"
        guard shell("nohup /bin/bash -c \(quoted(watchdog)) >/dev/null 2>&1 </dev/null &") else {
            _ = shell("\(quoted(script)) stop \(quoted(folder)) >/dev/null 2>&1")
            return nil
        }
        print("PGStore tests: started a throwaway PostgreSQL server at \(url) (data in \(folder))")
        return ThrowawayServer(url: url, folder: folder)
    }

    /// Restarts the server: `immediate` as after a crash, `fast` as an administrator would.
    func restart(mode: String) -> Bool {
        Self.shell("\(Self.quoted(Self.script)) restart \(Self.quoted(folder)) \(mode) >/dev/null 2>&1 </dev/null")
    }

    /// Stops the server and deletes its data.
    func stop() {
        _ = Self.shell("\(Self.quoted(Self.script)) stop \(Self.quoted(folder)) >/dev/null 2>&1 </dev/null")
    }

    /// Runs a command line with `/bin/sh` and waits for it; whether it exited with 0.
    private static func shell(_ command: String) -> Bool {
        var pid: pid_t = 0
        let words: [String] = ["/bin/sh", "-c", command]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { word in strdup(word) } + [nil]
        defer { for argument in arguments { free(argument) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, arguments, environ) == 0 else { return false }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return false }
        }
        return status == 0
    }

    private static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
