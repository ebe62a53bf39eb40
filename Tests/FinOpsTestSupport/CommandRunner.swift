import Foundation

/// Runs the built `finops` executable (or another program, such as a browser).
public enum CommandRunner {
    /// What a finished command printed and how it exited.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static var executable: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL,
            Fixtures.packageRoot.appendingPathComponent(".build/debug"),
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("finops")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return Fixtures.packageRoot.appendingPathComponent(".build/debug/finops")
    }

    /// Another executable of this package (an example program), built beside `finops`.
    public static func program(named name: String) -> URL {
        executable.deletingLastPathComponent().appendingPathComponent(name)
    }

    public static func start(
        _ arguments: [String],
        program: URL = executable,
        environment: [String: String] = [:],
        directory: URL? = nil
    ) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "FINOPS_STORE")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    public static func run(
        _ arguments: [String],
        program: URL = executable,
        environment: [String: String] = [:],
        directory: URL? = nil
    ) throws -> Output {
        let (process, out, err) = try start(arguments, program: program, environment: environment, directory: directory)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    /// ``run(_:environment:directory:)`` on a thread of its own, for async tests: waiting for a process must not
    /// hold one of the few threads of the cooperative pool (timers of other tests running meanwhile would starve).
    public static func runOffPool(
        _ arguments: [String],
        program: URL = executable,
        environment: [String: String] = [:],
        directory: URL? = nil
    ) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        try run(arguments, program: program, environment: environment, directory: directory)
                    }
                )
            }
            thread.start()
        }
    }
}
