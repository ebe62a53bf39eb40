import FlowEngine
import Foundation
import OrderedCollections
import Testing

@Suite("Flow parsing and validation")
struct FlowParserTests {
    let parser = FlowParser()

    func diagnostics(_ yaml: String) -> [String] {
        do {
            _ = try parser.parse(yaml, file: "flow.yml")
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test("a valid flow reads with its tasks, inputs, labels and variables")
    func valid() throws {
        let flow = try parser.parse(
            """
            id: hello
            namespace: company.team
            labels:
              env: prod
            inputs:
              - id: name
                type: STRING
                defaults: world
            variables:
              greeting: Hello
            tasks:
              - id: say
                type: io.kestra.plugin.core.log.Log
                message: hi
              - id: group
                type: io.kestra.plugin.core.flow.Sequential
                tasks:
                  - id: inner
                    type: io.kestra.core.tasks.debugs.Return
                    format: x
            """
        )
        #expect(flow.id == "hello")
        #expect(flow.labels == ["env": "prod"])
        #expect(flow.inputs.map(\.id) == ["name"])
        #expect(flow.variables["greeting"] == "Hello")
        #expect(flow.allTasks.map(\.id) == ["say", "group", "inner"])
    }

    @Test("every problem of a file is reported with its line and column")
    func allErrors() {
        let found = diagnostics(
            """
            id: bad flow
            namespace: Company
            colour: blue
            inputs:
              - id: n
                type: INT
                defaults: ten
              - id: n
                type: STRING
            tasks:
              - id: a
                type: io.kestra.plugin.core.log.Log
                message: hi
                mesage: typo
              - id: a
                type: io.kestra.plugin.core.nope.Nope
              - type: io.kestra.plugin.core.log.Log
                message: no id
            """
        )
        #expect(
            found == [
                "flow.yml:1:5: flow id 'bad flow' must start with a letter or digit and use only letters, digits, '.', '_' and '-'",
                "flow.yml:2:12: namespace 'Company' must be lower case letters, digits, '.', '_' and '-'",
                "flow.yml:3:1: unknown property 'colour' of a flow",
                "flow.yml:7:15: the default does not fit the input: expected an integer",
                "flow.yml:8:5: duplicate input 'n' (first at 5:5)",
                "flow.yml:14:5: unknown property 'mesage' of task 'a' (io.kestra.plugin.core.log.Log)",
                "flow.yml:15:5: duplicate task id 'a' (first at 11:5)",
                "flow.yml:16:11: unknown task type 'io.kestra.plugin.core.nope.Nope'",
                "flow.yml:17:5: missing required property 'id'",
            ]
        )
    }

    @Test("YAML syntax errors and duplicate keys stop the file with a location")
    func yamlErrors() {
        #expect(
            diagnostics("id: a\nnamespace: b\ntasks:\n  - id: x\n   type: y\n").first?.hasPrefix("flow.yml:5:") == true
        )
        #expect(
            diagnostics("id: a\nnamespace: b\nid: c\ntasks: []\n")
                == ["flow.yml:3:1: duplicate key 'id' (first at 1:1)"]
        )
    }

    @Test("hostile YAML is refused before it is composed, at once: nested aliases, complex keys, deep nesting")
    func hostileYAML() {
        let head = "id: a\nnamespace: b\ntasks: []\nvariables:\n"
        // 400 bytes of nested aliases that would expand to 10⁸ nodes.
        var laughs = head + "  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h"] {
            laughs +=
                "  \(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        let started = ContinuousClock.now
        let refused = diagnostics(laughs)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(refused.count == 1)
        #expect(refused.first?.contains("the document expands to more than 1000000 nodes") == true)
        #expect(
            diagnostics(head + "  ? [x, y]\n  : 1\n")
                == ["flow.yml:5:5: a mapping key must be a scalar, not a sequence (complex keys are not supported)"]
        )
        #expect(
            diagnostics(head + "  {k: v}: 1\n")
                == ["flow.yml:5:3: a mapping key must be a scalar, not a mapping (complex keys are not supported)"]
        )
        #expect(
            diagnostics(head + "  list: &l [1]\n  *l : 2\n")
                == ["flow.yml:6:3: a mapping key must be a scalar, not an alias of a collection (*l)"]
        )
        let deep = head + "  deep: " + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "\n"
        #expect(diagnostics(deep).first?.contains("collections are nested more than 200 deep") == true)
        // Anchors and aliases within the limits still read.
        #expect(
            diagnostics(head + "  base: &base {region: eu}\n  copy: *base\n") == [
                "flow.yml:3:8: 'tasks' must not be empty"
            ]
        )
    }

    @Test("a Dag names its missing dependencies and its cycles")
    func dag() {
        let found = diagnostics(
            """
            id: dag
            namespace: n
            tasks:
              - id: dag
                type: io.kestra.plugin.core.flow.Dag
                tasks:
                  - task:
                      id: a
                      type: io.kestra.plugin.core.log.Log
                      message: a
                    dependsOn: [c]
                  - task:
                      id: b
                      type: io.kestra.plugin.core.log.Log
                      message: b
                    dependsOn: [a, ghost]
                  - task:
                      id: c
                      type: io.kestra.plugin.core.log.Log
                      message: c
                    dependsOn: [b]
            """
        )
        #expect(
            found == [
                "flow.yml:8:11: dependency cycle: a → c → b → a",
                "flow.yml:16:24: task 'b' depends on 'ghost', which is not a task of this Dag",
            ]
        )
    }

    @Test("retries, timeouts, switch and loops are checked")
    func flowables() {
        let found = diagnostics(
            """
            id: f
            namespace: n
            tasks:
              - id: s
                type: io.kestra.plugin.core.flow.Switch
                value: x
              - id: r
                type: io.kestra.plugin.core.flow.Sleep
                duration: 5 minutes
                retry:
                  type: sometimes
                  maxAttempt: 0
              - id: each
                type: io.kestra.plugin.core.flow.ForEach
                concurrencyLimit: -1
                tasks: []
            """
        )
        #expect(
            found == [
                "flow.yml:4:5: a Switch needs at least one case or defaults",
                "flow.yml:9:15: 'duration' must be an ISO-8601 duration such as PT30S or PT1H, not '5 minutes'",
                "flow.yml:11:13: retry type is constant, exponential or random, not 'sometimes'",
                "flow.yml:12:19: maxAttempt must be at least 1",
                "flow.yml:13:5: missing required property 'values'",
                "flow.yml:15:23: 'concurrencyLimit' must be 0 (no limit) or more",
                "flow.yml:16:12: 'tasks' must not be empty",
            ]
        )
    }

    @Test("plugin defaults fill properties by type prefix; forced ones replace what a task wrote")
    func pluginDefaults() async throws {
        let flow = try parser.parse(
            """
            id: f
            namespace: n
            pluginDefaults:
              - type: io.kestra.plugin.core.log
                values:
                  message: from defaults
              - type: io.kestra.plugin.core.flow.Sleep
                forced: true
                values:
                  duration: PT1S
            tasks:
              - id: log
                type: io.kestra.plugin.core.log.Log
              - id: sleep
                type: io.kestra.plugin.core.flow.Sleep
                duration: PT1H
            """
        )
        let clock = VirtualClock()
        let start = clock.now
        let execution = try await FlowRunner(clock: clock).run(flow)
        #expect(execution.state == .success)
        #expect(execution.logs.map(\.message) == ["from defaults"])
        #expect(clock.now.timeIntervalSince(start) == 1)
    }

    @Test("triggers: cron fields and duplicate ids")
    func triggers() {
        let found = diagnostics(
            """
            id: f
            namespace: n
            tasks:
              - id: a
                type: io.kestra.plugin.core.log.Log
                message: a
            triggers:
              - id: nightly
                type: io.kestra.plugin.core.trigger.Schedule
                cron: "0 25 * * *"
              - id: nightly
                type: io.kestra.plugin.core.trigger.Schedule
                cron: "@daily"
            """
        )
        #expect(
            found == [
                "flow.yml:10:11: invalid cron '0 25 * * *': hour 25 is outside 0-23",
                "flow.yml:11:5: duplicate trigger id 'nightly' (first at 8:5)",
            ]
        )
    }
}

extension FlowParserTests {
    @Test("a complex key is named by its JSON, cut short")
    func complexKeys() {
        // Each level of nested `? …` keys used to render the level below as escaped JSON, doubling the text; such keys
        // no longer get that far.
        let found = diagnostics(
            """
            id: f
            namespace: n
            tasks:
              - id: a
                type: io.kestra.plugin.core.log.Log
                message: hi
                ? {a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]}
                : x
            """
        )
        // Complex keys are now refused before the document is composed.
        #expect(
            found == ["flow.yml:7:7: a mapping key must be a scalar, not a mapping (complex keys are not supported)"]
        )
    }
}
