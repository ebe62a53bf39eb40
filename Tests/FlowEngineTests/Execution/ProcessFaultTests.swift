import FlowEngine
import Foundation
import Testing

/// Process tasks that go wrong: one that crashes, one that never returns. The state is recorded and nothing it
/// started keeps running.
@Suite("Process task faults")
struct ProcessFaultTests {
    private func parse(_ yaml: String) throws -> Flow {
        var registry = TaskRegistry.core
        registry.registerProcessTasks()
        return try FlowParser(registry: registry).parse(yaml)
    }

    @Test("a process killed by a signal fails its task naming the signal; errors handlers run, later tasks do not")
    func crash() async throws {
        let flow = try parse(
            """
            id: f
            namespace: n
            tasks:
              - id: crash
                type: io.kestra.plugin.scripts.shell.Commands
                commands:
                  - echo starting
                  - kill -SEGV $$
              - id: after
                type: io.kestra.plugin.core.log.Log
                message: not reached
            errors:
              - id: handler
                type: io.kestra.plugin.core.log.Log
                message: "failed: {{ errorLogs()[0].message }}"
            """
        )
        let execution = try await FlowRunner(clock: VirtualClock()).run(flow)
        #expect(execution.state == .failed)
        #expect(execution.taskRun("crash")?.state == .failed)
        #expect(execution.taskRun("after") == nil)
        #expect(execution.taskRun("handler")?.state == .success)
        let crashed = "the commands were killed by signal 11 (Segmentation fault)"
        #expect(execution.logs.contains { $0.taskId == "crash" && $0.message == "starting" })
        #expect(execution.logs.contains { $0.taskId == "crash" && $0.message == crashed })
        #expect(execution.logs.contains { $0.taskId == "handler" && $0.message == "failed: \(crashed)" })
    }

    @Test(
        "a process that never returns is stopped at its timeout with everything it started, even ignoring SIGTERM",
        .timeLimit(.minutes(2))
    )
    func neverReturns() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("finops-stuck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The shell ignores SIGTERM, so the sleeps it starts do too; the background one also holds the output open.
        let flow = try parse(
            """
            id: f
            namespace: n
            tasks:
              - id: stuck
                type: io.kestra.plugin.scripts.shell.Script
                timeout: PT1S
                script: |
                  trap '' TERM
                  echo $$ > '\(folder.path)/shell.pid'
                  sleep 1000 &
                  echo $! > '\(folder.path)/child.pid'
                  sleep 1000
            """
        )
        let started = ContinuousClock.now
        let execution = try await FlowRunner(clock: SystemClock()).run(flow)
        let elapsed = ContinuousClock.now - started
        #expect(execution.state == .failed)
        #expect(execution.logs.contains { $0.message == "attempt 1 timed out after PT1S" })
        // The timeout, then two seconds' grace before SIGKILL; generous for a busy machine, far below the sleeps.
        #expect(elapsed < .seconds(60), "the task ran \(elapsed)")

        for name in ["shell.pid", "child.pid"] {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(try await !isRunning(pid), "\(name) \(pid) is still running")
        }
    }

    /// Whether a process exists and is not a zombie waiting for a parent that will never reap it.
    private func isRunning(_ pid: Int32) async throws -> Bool {
        for _ in 0..<50 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
            // The state follows the command name in parentheses: `pid (comm) S …`.
            guard let close = stat.lastIndex(of: ")") else { return false }
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
            if state == "Z" || state == "X" { return false }
            try await Task.sleep(for: .milliseconds(100))
        }
        return true
    }
}
