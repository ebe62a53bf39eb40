import FlowEngine
import Foundation
import OrderedCollections
import Testing

@Suite("Flowable tasks")
struct FlowableTests {
    @Test("EachSequential runs every task for every value in order; EachParallel runs them all")
    func eachLoops() async throws {
        let sequential = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: each
                type: io.kestra.core.tasks.flows.EachSequential
                value: [x, y]
                tasks:
                  - id: one
                    type: test.Probe
                  - id: two
                    type: test.Probe
            """
        )
        #expect(
            states(sequential) == [
                "each:SUCCESS", "one[x]:SUCCESS", "two[x]:SUCCESS", "one[y]:SUCCESS", "two[y]:SUCCESS",
            ]
        )
        let parallel = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: each
                type: io.kestra.plugin.core.flow.EachParallel
                value: '["x", "y"]'
                concurrent: 2
                tasks:
                  - id: one
                    type: test.Probe
            """
        )
        #expect(Set(states(parallel)) == ["each:SUCCESS", "one[x]:SUCCESS", "one[y]:SUCCESS"])
    }

    @Test("a flowable's errors run after a child fails and its finally always runs; the failure propagates")
    func localHandlers() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: block
                type: io.kestra.plugin.core.flow.Sequential
                tasks:
                  - id: boom
                    type: io.kestra.plugin.core.execution.Fail
                errors:
                  - id: local
                    type: test.Probe
                finally:
                  - id: tidy
                    type: test.Probe
              - id: never
                type: test.Probe
            errors:
              - id: global
                type: test.Probe
            """
        )
        #expect(
            states(execution) == ["block:FAILED", "boom:FAILED", "local:SUCCESS", "tidy:SUCCESS", "global:SUCCESS"]
        )
        #expect(execution.state == .failed)
    }

    @Test("a failing finally fails the execution; WorkingDirectory runs its tasks in sequence")
    func finallyFailure() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: dir
                type: io.kestra.plugin.core.flow.WorkingDirectory
                tasks:
                  - id: a
                    type: test.Probe
                  - id: b
                    type: test.Probe
            finally:
              - id: cleanup
                type: io.kestra.plugin.core.execution.Fail
            """
        )
        #expect(states(execution) == ["dir:SUCCESS", "a:SUCCESS", "b:SUCCESS", "cleanup:FAILED"])
        #expect(execution.state == .failed)
    }

    @Test("Labels adds labels to the execution; system labels are refused")
    func labels() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            labels:
              team: finops
            tasks:
              - id: tag
                type: io.kestra.plugin.core.execution.Labels
                labels:
                  stage: loaded
                  team: platform
            """
        )
        #expect(execution.labels["stage"] == "loaded")
        #expect(execution.labels["team"] == "platform")
        #expect(execution.labels["system.correlationId"] == execution.id)
        let refused = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: tag
                type: io.kestra.plugin.core.execution.Labels
                labels:
                  - key: system.readOnly
                    value: "true"
            """
        )
        #expect(refused.state == .failed)
        #expect(refused.logs.first?.message == "label 'system.readOnly': system labels can only be set by the engine")
    }

    @Test("a subflow without wait starts and the task ends at once; the child still runs to its end")
    func detachedSubflow() async throws {
        let child = """
            id: child
            namespace: n
            tasks:
              - id: slow
                type: io.kestra.plugin.core.flow.Sleep
                duration: PT1H
            """
        let execution = try await run(
            """
            id: parent
            namespace: n
            tasks:
              - id: fire
                type: io.kestra.plugin.core.flow.Subflow
                namespace: n
                flowId: child
                wait: false
            """,
            flows: [child]
        )
        #expect(states(execution) == ["fire:SUCCESS"])
        #expect(execution.taskRun("fire")?.outputs["executionId"] != nil)
    }

    @Test("a flow output that does not fit its type fails the execution")
    func badOutput() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: a
                type: test.Probe
            outputs:
              - id: count
                type: INT
                value: many
            """
        )
        #expect(execution.state == .failed)
        #expect(execution.outputs.isEmpty)
        #expect(execution.logs.last?.message == "flow outputs: output `count`: expected an integer, but got `many`")
    }

    @Test("on the real clock a timeout interrupts a task that does not sleep on the engine's clock")
    func realTimeout() async throws {
        struct Stubborn: TaskType {
            static let typeNames = ["test.Stubborn"]
            init(properties: TaskProperties) throws {}
            func run(_ context: TaskContext) async throws -> TaskOutputs {
                try await Task.sleep(for: .seconds(30))
                return [:]
            }
        }
        var registry = TaskRegistry.core
        registry.register(Stubborn.self)
        let flow = try FlowParser(registry: registry).parse(
            """
            id: f
            namespace: n
            tasks:
              - id: stuck
                type: test.Stubborn
                timeout: PT0.2S
            """
        )
        // Without the timeout the task would sleep its 30 s and succeed.
        let execution = try await FlowRunner(clock: SystemClock()).run(flow)
        #expect(execution.state == .failed)
        #expect(execution.logs.first?.message == "attempt 1 timed out after PT0.2S")
    }

    @Test("shell commands: outputs from ::{…}:: lines, logged output, a non-zero exit fails")
    func shell() async throws {
        var registry = TaskRegistry.core
        registry.registerProcessTasks()
        let flow = try FlowParser(registry: registry).parse(
            """
            id: f
            namespace: n
            tasks:
              - id: ok
                type: io.kestra.plugin.scripts.shell.Commands
                env:
                  GREETING: hello
                commands:
                  - echo "$GREETING world"
                  - 'echo ''::{"outputs":{"rows":3}}::'''
              - id: bad
                type: io.kestra.plugin.scripts.shell.Script
                script: |
                  echo failing >&2
                  exit 3
            """
        )
        let execution = try await FlowRunner(clock: VirtualClock()).run(flow)
        #expect(execution.taskRun("ok")?.outputs == ["rows": 3, "exitCode": 0])
        #expect(execution.logs.contains { $0.taskId == "ok" && $0.message == "hello world" })
        #expect(execution.taskRun("bad")?.state == .failed)
        #expect(execution.logs.contains { $0.taskId == "bad" && $0.message == "failing" })
        #expect(execution.logs.contains { $0.message == "the commands exited with status 3" })
    }

    @Test("a WorkingDirectory's tasks share one folder, removed afterwards; only runnable tasks may be its children")
    func workingDirectory() async throws {
        var registry = TaskRegistry.core
        registry.registerProcessTasks()
        let parser = FlowParser(registry: registry)
        let flow = try parser.parse(
            """
            id: f
            namespace: n
            tasks:
              - id: shared
                type: io.kestra.plugin.core.flow.WorkingDirectory
                tasks:
                  - id: write
                    type: io.kestra.plugin.scripts.shell.Commands
                    commands:
                      - echo "from the first task" > note.txt
                      - pwd
                  - id: read
                    type: io.kestra.plugin.scripts.shell.Commands
                    commands:
                      - cat note.txt
            """
        )
        let execution = try await FlowRunner(clock: VirtualClock()).run(flow)
        #expect(execution.state == .success)
        #expect(execution.logs.contains { $0.taskId == "read" && $0.message == "from the first task" })
        let folder = try #require(execution.logs.first { $0.taskId == "write" }?.message)
        #expect(folder != FileManager.default.currentDirectoryPath)
        #expect(!FileManager.default.fileExists(atPath: folder))
        do {
            _ = try parser.parse(
                """
                id: f
                namespace: n
                tasks:
                  - id: shared
                    type: io.kestra.plugin.core.flow.WorkingDirectory
                    tasks:
                      - id: group
                        type: io.kestra.plugin.core.flow.Sequential
                        tasks:
                          - id: x
                            type: io.kestra.plugin.core.log.Log
                            message: hi
                """,
                file: "flow.yml"
            )
            Issue.record("a flowable child of a WorkingDirectory was accepted")
        } catch {
            #expect(
                error.diagnostics.map(\.description) == [
                    "flow.yml:7:9: Only runnable tasks are allowed as children of a WorkingDirectory task"
                ]
            )
        }
    }
}
