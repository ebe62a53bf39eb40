import FlowEngine
import Foundation
import OrderedCollections
import Synchronization
import Testing

/// Fails its first `failures` attempts, then returns the attempt number.
struct Flaky: TaskType {
    static let typeNames = ["test.Flaky"]
    let failures: Int

    init(properties: TaskProperties) throws {
        guard let failures = properties.int("failures", required: true) else { throw properties.invalid }
        self.failures = failures
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        guard context.attempt > failures else { throw TaskFailure("attempt \(context.attempt) fails") }
        return ["attempt": .int(context.attempt)]
    }
}

/// Records the moment it starts and ends (on the engine's clock) under its id.
struct Probe: TaskType {
    static let typeNames = ["test.Probe"]
    let sleep: Duration?

    init(properties: TaskProperties) throws {
        sleep = properties.duration("sleep")
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        if let sleep { try await context.sleep(for: sleep) }
        context.log(.info, "ran \(context.taskId) \(context.value ?? "")")
        return ["value": context.value.map(FlowValue.string) ?? .null]
    }
}

func run(
    _ yaml: String,
    inputs: [String: FlowValue] = [:],
    flows: [String] = [],
    clock: VirtualClock = VirtualClock()
) async throws -> Execution {
    var registry = TaskRegistry.core
    registry.register(Flaky.self)
    registry.register(Probe.self)
    let parser = FlowParser(registry: registry)
    var repository = FlowRepository()
    for text in flows { repository.add(try parser.parse(text)) }
    let runner = FlowRunner(clock: clock, flows: repository)
    return try await runner.run(try parser.parse(yaml), inputs: inputs)
}

func states(_ execution: Execution) -> [String] {
    execution.taskRuns.map { "\($0.taskId)\($0.value.map { "[\($0)]" } ?? ""):\($0.state.rawValue)" }
}

@Suite("Execution semantics")
struct ExecutionTests {
    @Test("execution and task run start dates render as Kestra renders them: UTC, to the millisecond")
    func startDates() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: when
                type: io.kestra.plugin.core.debug.Return
                format: "{{ execution.startDate }} {{ taskrun.startDate }}"
            """,
            clock: VirtualClock(start: Date(timeIntervalSince1970: 1_705_506_550.123_456))
        )
        #expect(execution.taskRuns.first?.outputs["value"] == "2024-01-17T15:49:10.123Z 2024-01-17T15:49:10.123Z")
        let whole = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: when
                type: io.kestra.plugin.core.debug.Return
                format: "{{ execution.startDate }}"
            """,
            clock: VirtualClock(start: Date(timeIntervalSince1970: -86_400))
        )
        #expect(whole.taskRuns.first?.outputs["value"] == "1969-12-31T00:00:00Z")
    }

    @Test("tags work inside runIf and If conditions; a Switch's defaults are a list of tasks")
    func tagsInConditionsAndSwitchDefaults() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: runs
                type: io.kestra.plugin.core.debug.Return
                format: ran
                runIf: "{% if 1 == 1 %}true{% else %}false{% endif %}"
              - id: skipped
                type: io.kestra.plugin.core.debug.Return
                format: ran
                runIf: "{% if 1 == 2 %}true{% else %}false{% endif %}"
              - id: check
                type: io.kestra.plugin.core.flow.If
                condition: "{% set x = 3 %}{{ x > 2 }}"
                then:
                  - id: then
                    type: io.kestra.plugin.core.debug.Return
                    format: then
              - id: switch
                type: io.kestra.plugin.core.flow.Switch
                value: zzz
                cases:
                  a:
                    - id: isA
                      type: io.kestra.plugin.core.debug.Return
                      format: A
                defaults:
                  - id: other
                    type: io.kestra.plugin.core.debug.Return
                    format: other
                  - id: other2
                    type: io.kestra.plugin.core.debug.Return
                    format: second
            """
        )
        #expect(
            states(execution) == [
                "runs:SUCCESS", "skipped:SKIPPED", "check:SUCCESS", "then:SUCCESS", "switch:SUCCESS", "other:SUCCESS",
                "other2:SUCCESS",
            ]
        )
    }

    @Test("tasks run in order; outputs and attempts are recorded")
    func sequence() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: a
                type: io.kestra.plugin.core.debug.Return
                format: one
              - id: b
                type: io.kestra.core.tasks.debugs.Return
                format: two
            """
        )
        #expect(execution.state == .success)
        #expect(states(execution) == ["a:SUCCESS", "b:SUCCESS"])
        #expect(execution.taskRun("b")?.outputs == ["value": "two"])
        #expect(execution.taskRun("a")?.attempts.count == 1)
    }

    @Test("a failure stops the sequence, runs errors, then finally; the execution stays FAILED")
    func failureHandlers() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: ok
                type: io.kestra.plugin.core.log.Log
                message: fine
              - id: boom
                type: io.kestra.plugin.core.execution.Fail
                errorMessage: broken
              - id: never
                type: io.kestra.plugin.core.log.Log
                message: never
            errors:
              - id: handler
                type: io.kestra.plugin.core.log.Log
                message: handling
            finally:
              - id: cleanup
                type: io.kestra.plugin.core.log.Log
                message: cleaning
            """
        )
        #expect(execution.state == .failed)
        #expect(states(execution) == ["ok:SUCCESS", "boom:FAILED", "handler:SUCCESS", "cleanup:SUCCESS"])
        #expect(execution.logs.contains { $0.taskId == "boom" && $0.level == .error && $0.message == "broken" })
    }

    @Test("allowFailure turns a failure into WARNING and the flow goes on; allowWarning then gives SUCCESS")
    func allowFailure() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: tolerated
                type: io.kestra.plugin.core.execution.Fail
                allowFailure: true
              - id: accepted
                type: io.kestra.plugin.core.execution.Fail
                allowFailure: true
                allowWarning: true
              - id: after
                type: io.kestra.plugin.core.log.Log
                message: still here
            """
        )
        #expect(states(execution) == ["tolerated:WARNING", "accepted:SUCCESS", "after:SUCCESS"])
        #expect(execution.state == .warning)
    }

    @Test("a constant retry makes maxAttempt attempts in all, waiting the interval between them on the clock")
    func constantRetry() async throws {
        let clock = VirtualClock()
        let start = clock.now
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: flaky
                type: test.Flaky
                failures: 5
                retry:
                  type: constant
                  interval: PT30S
                  maxAttempt: 3
            """,
            clock: clock
        )
        #expect(execution.state == .failed)
        #expect(execution.taskRun("flaky")?.attempts.map(\.state) == [.failed, .failed, .failed])
        #expect(clock.now.timeIntervalSince(start) == 60)
    }

    @Test("a task that succeeds on a retry ends WARNING with warningOnRetry; maxDuration bounds the attempts")
    func retryOutcomes() async throws {
        let warned = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: flaky
                type: test.Flaky
                failures: 2
                retry:
                  type: exponential
                  interval: PT1S
                  maxInterval: PT10S
                  maxAttempt: 5
                  warningOnRetry: true
            """
        )
        #expect(warned.taskRun("flaky")?.state == .warning)
        #expect(warned.taskRun("flaky")?.outputs == ["attempt": 3])
        let bounded = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: flaky
                type: test.Flaky
                failures: 10
                retry:
                  type: constant
                  interval: PT2S
                  maxDuration: PT6S
            """
        )
        #expect(bounded.taskRun("flaky")?.attempts.count == 3)
    }

    @Test("retry comes from the task, else the nearest flowable, else the flow")
    func retryPrecedence() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            retry:
              type: constant
              interval: PT1S
              maxAttempt: 2
            tasks:
              - id: top
                type: test.Flaky
                failures: 9
                allowFailure: true
              - id: group
                type: io.kestra.plugin.core.flow.Sequential
                retry:
                  type: constant
                  interval: PT1S
                  maxAttempt: 4
                tasks:
                  - id: inner
                    type: test.Flaky
                    failures: 9
                    allowFailure: true
                  - id: own
                    type: test.Flaky
                    failures: 9
                    allowFailure: true
                    retry:
                      type: constant
                      interval: PT1S
                      maxAttempt: 1
            """
        )
        #expect(execution.taskRun("top")?.attempts.count == 2)
        #expect(execution.taskRun("inner")?.attempts.count == 4)
        #expect(execution.taskRun("own")?.attempts.count == 1)
    }

    @Test("a timeout fails the attempt at the deadline; the retry still applies")
    func timeout() async throws {
        let clock = VirtualClock()
        let start = clock.now
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: slow
                type: io.kestra.plugin.core.flow.Sleep
                duration: PT1H
                timeout: PT10S
                retry:
                  type: constant
                  interval: PT5S
                  maxAttempt: 2
            """,
            clock: clock
        )
        #expect(execution.taskRun("slow")?.attempts.map(\.state) == [.failed, .failed])
        #expect(clock.now.timeIntervalSince(start) == 25)
        #expect(execution.logs.first?.message == "attempt 1 timed out after PT10S")
    }

    @Test("runIf false skips the task; disabled tasks do not run at all")
    func skipping() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: skipped
                type: io.kestra.plugin.core.execution.Fail
                runIf: "false"
              - id: off
                type: io.kestra.plugin.core.execution.Fail
                disabled: true
              - id: ran
                type: io.kestra.plugin.core.log.Log
                message: ok
            """
        )
        #expect(states(execution) == ["skipped:SKIPPED", "ran:SUCCESS"])
        #expect(execution.state == .success)
    }

    @Test("Parallel runs children at once; sleeps overlap on the clock")
    func parallel() async throws {
        let clock = VirtualClock()
        let start = clock.now
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: both
                type: io.kestra.plugin.core.flow.Parallel
                tasks:
                  - id: a
                    type: test.Probe
                    sleep: PT10S
                  - id: b
                    type: test.Probe
                    sleep: PT10S
            """,
            clock: clock
        )
        #expect(execution.state == .success)
        #expect(Set(states(execution)) == ["both:SUCCESS", "a:SUCCESS", "b:SUCCESS"])
        #expect(clock.now.timeIntervalSince(start) <= 20)
    }

    @Test("ForEach runs its tasks once per distinct value, each run carrying the value")
    func forEach() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: each
                type: io.kestra.plugin.core.flow.ForEach
                values: ["a", "b", "a", 3]
                tasks:
                  - id: probe
                    type: test.Probe
            """
        )
        #expect(states(execution) == ["each:SUCCESS", "probe[a]:SUCCESS", "probe[b]:SUCCESS", "probe[3]:SUCCESS"])
        #expect(execution.taskRun("probe", value: "b")?.outputs == ["value": "b"])
        let nulls = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: each
                type: io.kestra.plugin.core.flow.ForEach
                values: '["a", null]'
                tasks:
                  - id: probe
                    type: test.Probe
            """
        )
        #expect(states(nulls) == ["each:FAILED"])
        #expect(nulls.logs.first?.message == "found 1 null value to loop over")
    }

    @Test("a Dag starts tasks when their dependencies end; a failure skips what depends on it")
    func dag() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: dag
                type: io.kestra.plugin.core.flow.Dag
                tasks:
                  - task:
                      id: extract
                      type: test.Probe
                  - task:
                      id: transform
                      type: io.kestra.plugin.core.execution.Fail
                    dependsOn: [extract]
                  - task:
                      id: load
                      type: test.Probe
                    dependsOn: [transform]
                  - task:
                      id: report
                      type: test.Probe
                    dependsOn: [load]
            """
        )
        #expect(execution.state == .failed)
        #expect(
            states(execution) == [
                "dag:FAILED", "extract:SUCCESS", "transform:FAILED", "load:SKIPPED", "report:SKIPPED",
            ]
        )
    }

    @Test("Switch runs the matching case, else defaults; no match and no defaults fails")
    func switchCases() async throws {
        func flow(_ value: String, defaults: Bool) -> String {
            """
            id: f
            namespace: n
            tasks:
              - id: pick
                type: io.kestra.plugin.core.flow.Switch
                value: \(value)
                cases:
                  red:
                    - id: stop
                      type: test.Probe
                  green:
                    - id: go
                      type: test.Probe
            \(defaults ? "    defaults:\n      - id: other\n        type: test.Probe" : "")
            """
        }
        #expect(states(try await run(flow("green", defaults: true))) == ["pick:SUCCESS", "go:SUCCESS"])
        #expect(states(try await run(flow("blue", defaults: true))) == ["pick:SUCCESS", "other:SUCCESS"])
        let unmatched = try await run(flow("blue", defaults: false))
        #expect(states(unmatched) == ["pick:FAILED"])
        #expect(unmatched.taskRun("pick")?.outputs == ["value": "blue", "defaults": true])
    }

    @Test("If runs then or else and outputs its evaluation")
    func ifBranches() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: check
                type: io.kestra.plugin.core.flow.If
                condition: "false"
                then:
                  - id: yes
                    type: test.Probe
                else:
                  - id: no
                    type: test.Probe
            """
        )
        #expect(states(execution) == ["check:SUCCESS", "no:SUCCESS"])
        #expect(execution.taskRun("check")?.outputs == ["evaluationResult": false])
    }

    @Test("AllowFailure ends WARNING when its children fail, after its own errors handlers")
    func allowFailureBlock() async throws {
        let execution = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: tolerant
                type: io.kestra.plugin.core.flow.AllowFailure
                tasks:
                  - id: boom
                    type: io.kestra.plugin.core.execution.Fail
                errors:
                  - id: local
                    type: test.Probe
              - id: next
                type: test.Probe
            """
        )
        #expect(states(execution) == ["tolerant:WARNING", "boom:FAILED", "local:SUCCESS", "next:SUCCESS"])
        #expect(execution.state == .warning)
    }

    @Test("Pause waits its delay on the clock; a timeout without a delay fails")
    func pause() async throws {
        let clock = VirtualClock()
        let start = clock.now
        let resumed = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: wait
                type: io.kestra.plugin.core.flow.Pause
                delay: PT1H
              - id: after
                type: test.Probe
            """,
            clock: clock
        )
        #expect(states(resumed) == ["wait:SUCCESS", "after:SUCCESS"])
        #expect(clock.now.timeIntervalSince(start) == 3600)
        let expired = try await run(
            """
            id: f
            namespace: n
            tasks:
              - id: wait
                type: io.kestra.plugin.core.flow.Pause
                timeout: PT5M
            """
        )
        #expect(states(expired) == ["wait:FAILED"])
    }

    @Test("Subflow runs a known flow, returns its state and outputs; a failed subflow fails the task")
    func subflow() async throws {
        let child = """
            id: child
            namespace: company.team
            tasks:
              - id: work
                type: test.Flaky
                failures: 0
            outputs:
              - id: answer
                type: INT
                value: "42"
            """
        let failing = """
            id: broken
            namespace: company.team
            tasks:
              - id: boom
                type: io.kestra.plugin.core.execution.Fail
            """
        let execution = try await run(
            """
            id: parent
            namespace: company.team
            tasks:
              - id: call
                type: io.kestra.plugin.core.flow.Subflow
                namespace: company.team
                flowId: child
              - id: callBroken
                type: io.kestra.plugin.core.flow.Subflow
                namespace: company.team
                flowId: broken
                allowFailure: true
              - id: missing
                type: io.kestra.plugin.core.flow.Subflow
                namespace: company.team
                flowId: nowhere
            """,
            flows: [child, failing]
        )
        #expect(states(execution) == ["call:SUCCESS", "callBroken:WARNING", "missing:FAILED"])
        #expect(execution.taskRun("call")?.outputs["state"] == "SUCCESS")
        #expect(execution.taskRun("call")?.outputs["outputs"] == ["answer": 42])
        #expect(execution.logs.contains { $0.message == "subflow company.team.nowhere is not among the known flows" })
    }

    @Test("a Subflow task retries as its policy says, a new child execution each attempt, attempts counted")
    func subflowRetries() async throws {
        let failing = """
            id: broken
            namespace: company.team
            tasks:
              - id: boom
                type: io.kestra.plugin.core.execution.Fail
            """
        let clock = VirtualClock()
        let started = clock.now
        let execution = try await run(
            """
            id: parent
            namespace: company.team
            tasks:
              - id: call
                type: io.kestra.plugin.core.flow.Subflow
                namespace: company.team
                flowId: broken
                retry:
                  type: constant
                  interval: PT10S
                  maxAttempt: 3
            """,
            flows: [failing],
            clock: clock
        )
        #expect(states(execution) == ["call:FAILED"])
        let call = try #require(execution.taskRun("call"))
        #expect(call.attempts.map(\.state) == [.failed, .failed, .failed])
        #expect(Set(call.attempts.map(\.startDate)).count == 3)
        // Two waits of 10 s between the three attempts, on the engine's clock.
        #expect(clock.now.timeIntervalSince(started) >= 20)
        #expect(execution.logs.filter { $0.message.contains("subflow company.team.broken ended FAILED") }.count == 3)

        let once = try await run(
            """
            id: parent
            namespace: company.team
            tasks:
              - id: call
                type: io.kestra.plugin.core.flow.Subflow
                namespace: company.team
                flowId: fine
                retry: {type: constant, interval: PT1S, maxAttempt: 3}
            """,
            flows: ["id: fine\nnamespace: company.team\ntasks:\n  - id: ok\n    type: test.Flaky\n    failures: 0\n"]
        )
        #expect(states(once) == ["call:SUCCESS"])
        #expect(once.taskRun("call")?.attempts.count == 1)
    }

    @Test("inputs are typed and checked before anything runs, every problem named")
    func inputs() async throws {
        let flow = """
            id: f
            namespace: n
            inputs:
              - id: count
                type: INT
                min: 1
              - id: region.name
                type: SELECT
                values: [eu, us]
                defaults: eu
              - id: optional
                type: STRING
                required: false
            tasks:
              - id: a
                type: test.Probe
            """
        let execution = try await run(flow, inputs: ["count": "3"])
        #expect(execution.inputs == ["count": 3, "region": ["name": "eu"], "optional": nil])
        let error = await #expect(throws: FlowRunError.self) {
            try await run(flow, inputs: ["count": "0", "region.name": "asia", "colour": "red"])
        }
        #expect(
            error?.problems == [
                "unknown input `colour`; the flow takes count, optional, region.name",
                "invalid input for `count`, it must be at least `1`, but received `0`",
                "invalid input for `region.name`, it must be one of `eu`, `us`, but received `asia`",
            ]
        )
    }

    @Test("cancelling the run kills the running task and the execution")
    func cancellation() async throws {
        let parser = FlowParser()
        let flow = try parser.parse(
            """
            id: f
            namespace: n
            tasks:
              - id: long
                type: io.kestra.plugin.core.flow.Sleep
                duration: PT1H
              - id: never
                type: io.kestra.plugin.core.log.Log
                message: never
            """
        )
        let started = Mutex(false)
        let runner = FlowRunner(clock: SystemClock()) { event in
            if case .taskRunChanged(let run) = event, run.taskId == "long" { started.withLock { $0 = true } }
        }
        let task = Task { try await runner.run(flow) }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        let execution = try await task.value
        #expect(execution.state == .killed)
        #expect(states(execution) == ["long:KILLED"])
    }

    @Test("cancelling mid-ForEach kills every running iteration, the loop and the execution; nothing after runs")
    func cancellationInsideForEach() async throws {
        let flow = try FlowParser().parse(
            """
            id: f
            namespace: n
            tasks:
              - id: each
                type: io.kestra.plugin.core.flow.ForEach
                values: ["a", "b", "c"]
                concurrencyLimit: 0
                tasks:
                  - id: wait
                    type: io.kestra.plugin.core.flow.Sleep
                    duration: PT1H
              - id: after
                type: io.kestra.plugin.core.log.Log
                message: never
            """
        )
        let started = Mutex(Set<String>())
        let runner = FlowRunner(clock: SystemClock()) { event in
            if case .taskRunChanged(let run) = event, run.taskId == "wait", run.state == .running, let value = run.value
            {
                started.withLock { _ = $0.insert(value) }
            }
        }
        let task = Task { try await runner.run(flow) }
        while started.withLock({ $0.count }) < 3 { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        let execution = try await task.value
        #expect(execution.state == .killed)
        #expect(execution.taskRun("each")?.state == .killed)
        for value in ["a", "b", "c"] {
            #expect(execution.taskRun("wait", value: value)?.state == .killed, "iteration \(value)")
            #expect(execution.taskRun("wait", value: value)?.endDate != nil)
        }
        #expect(execution.taskRun("after") == nil)
    }
}
