import FlowEngine
import Foundation
import Testing

@Suite("jq filter")
struct JQTests {
    private let people: [String: FlowValue] = [
        "data": [["name": "a", "n": 1], ["name": "b", "n": 2], ["name": "c", "n": 3]],
        "object": ["b": 1, "a": 2],
        "text": #"{"key": "my-complex", "list": [1, 2]}"#,
    ]

    private func jq(_ input: String, _ program: String) throws -> FlowValue {
        try value("{{ \(input) | jq('\(program)') }}", people)
    }

    @Test("results are always a list, also for one output")
    func alwaysAList() throws {
        #expect(try jq("text", ".key") == ["my-complex"])
        #expect(try value("{{ text | jq('.key') | first }}", people) == "my-complex")
        #expect(try render("{{ text | jq('.key') }}", people) == #"["my-complex"]"#)
        #expect(try jq("'hello'", ".") == ["hello"])
        #expect(try jq("text", ".missing") == [.null])
        #expect(try jq("text", "empty") == [])
    }

    @Test("paths, iteration, slices and alternatives")
    func paths() throws {
        #expect(try jq("text", ".list[1]") == [2])
        #expect(try jq("text", ".[\"key\"]") == ["my-complex"])
        #expect(try jq("text", ".list[]") == [1, 2])
        #expect(try jq("data", ".[].name") == ["a", "b", "c"])
        #expect(try jq("data", ".[1:] | length") == [2])
        #expect(try jq("data", ".[-1].name") == ["c"])
        #expect(try jq("object", ".a, .b") == [2, 1])
        #expect(try jq("object", ".x // \"d\"") == ["d"])
        #expect(try jq("object", ".a.b?") == [])
    }

    @Test("select, map and arithmetic")
    func selectAndMap() throws {
        #expect(try jq("data", ".[] | select(.n > 1) | .name") == ["b", "c"])
        #expect(try jq("data", "map(.n * 2)") == [[2, 4, 6]])
        #expect(try jq("data", "[.[] | .n] | add") == [6])
        #expect(try jq("data", "map(.name) | join(\"-\")") == ["a-b-c"])
        #expect(try jq("data", "map(select(.name == \"b\" or .n == 3)) | length") == [2])
        #expect(try jq("data", "sort_by(-.n) | .[0].name") == ["c"])
        #expect(try jq("data", "[.[].n] | (max - min) / 4") == [.decimal(Decimal(string: "0.5")!)])
    }

    @Test("construction of arrays and objects")
    func construction() throws {
        #expect(try jq("data", "{first: .[0].name, total: (map(.n) | add)}") == [["first": "a", "total": 6]])
        #expect(try jq("data", "[.[] | {(.name): .n}] | add") == [["a": 1, "b": 2, "c": 3]])
        #expect(try jq("object", "{a}") == [["a": 2]])
    }

    @Test("object builtins")
    func objects() throws {
        #expect(try jq("object", "keys") == [["a", "b"]])
        #expect(try jq("object", "length") == [2])
        #expect(try jq("object", "has(\"a\")") == [true])
        #expect(try jq("object", "to_entries | .[0]") == [["key": "b", "value": 1]])
        #expect(try jq("object", "to_entries | from_entries") == [["b": 1, "a": 2]])
        #expect(try jq("object", "[.[]] | sort") == [[1, 2]])
    }

    @Test("conditionals, types and conversions")
    func conditionals() throws {
        #expect(
            try jq("data", ".[] | if .n > 1 then \"big\" elif .n == 1 then \"one\" else \"?\" end") == [
                "one", "big", "big",
            ]
        )
        #expect(try jq("text", ".list | map(tostring)") == [["1", "2"]])
        #expect(try jq("object", "tostring") == [#"{"b":1,"a":2}"#])
        #expect(try jq("'42'", "tonumber + 1") == [43])
        #expect(try jq("text", "[.key, .list, null] | map(type)") == [["string", "array", "null"]])
        #expect(try jq("data", "map(.n > 1 | not)") == [[true, false, false]])
    }

    @Test("errors name the filter; a literal program is checked when the template is parsed")
    func errors() {
        let syntax = #expect(throws: ExpressionError.self) { try Template("{{ 1 | jq('.[') }}") }
        #expect(syntax?.message.hasPrefix("filter `jq`: jq:") == true)
        #expect(syntax?.offset == 11)
        #expect(renderError("{{ 1 | jq(vars.program) }}", ["vars": ["program": ".["]])?.offset == 8)
        #expect(renderError("{{ 1 | jq('frobnicate') }}")?.message == "filter `jq`: jq: unknown function `frobnicate`")
        #expect(renderError("{{ 1 | jq('.[]') }}")?.message == "filter `jq`: jq: cannot iterate over integer")
    }
}
