import FlowEngine
import Foundation
import Testing

@Suite("Functions")
struct FunctionTests {
    @Test("fromJson and json parse text")
    func parseJSON() throws {
        #expect(try value("{{ json('[1,2]')[0] }}") == .int(1))
        #expect(try value(#"{{ fromJson('{"a": {"b": 2.5}}').a.b }}"#) == .decimal(Decimal(string: "2.5")!))
        #expect(try value("{{ fromJson(null) }}") == .null)
        #expect(
            renderError("{{ json('[1,') }}")?.message
                == "function `json`: invalid JSON at character 4: unexpected end of text"
        )
        #expect(renderError("{{ json('[1,') }}")?.offset == 4)
    }

    @Test("range is inclusive, with an optional step")
    func range() throws {
        #expect(try value("{{ range(1, 3) }}") == [1, 2, 3])
        #expect(try value("{{ range(0, 10, 5) }}") == [0, 5, 10])
        #expect(try value("{{ range(3, 1, -1) }}") == [3, 2, 1])
        #expect(try value("{{ range(1, 100) | length }}") == .int(100))
        #expect(renderError("{{ range(1, 2, 0) }}")?.message == "function `range`: a range step cannot be zero")
    }

    @Test("max and min over arguments or one list")
    func extremes() throws {
        #expect(try value("{{ max(1, 5, 3) }}") == .int(5))
        #expect(try value("{{ min([4, 2.5, 3]) }}") == .decimal(Decimal(string: "2.5")!))
        #expect(try value("{{ max('a', 'c', 'b') }}") == "c")
    }

    @Test("render renders text as a template, recursively unless renderOnce")
    func renderFunction() throws {
        let variables: [String: FlowValue] = [
            "inputs": ["name": "World"],
            "vars": ["greeting": "Hello {{ inputs.name }}", "a": "{{ vars.b }}", "b": "{{ inputs.name }}"],
        ]
        #expect(try render("{{ render(vars.greeting) }}", variables) == "Hello World")
        #expect(try render("{{ render(vars.a) }}", variables) == "World")
        #expect(try render("{{ renderOnce(vars.a) }}", variables) == "{{ inputs.name }}")
        #expect(try render("{{ render(vars.a, recursive=false) }}", variables) == "{{ inputs.name }}")
        #expect(try value("{{ render(3) }}", variables) == .int(3))
        #expect(try render("{% for x in [7] %}{{ render('{{ x }}') }}{% endfor %}", variables) == "7")
    }

    @Test("render errors point at the call and describe the inner template")
    func renderErrors() {
        let error = renderError("ab {{ render('{{ nope }}') }}")
        #expect(error?.offset == 7)
        #expect(error?.message == "function `render`: undefined variable `nope` at character 4 of `{{ nope }}`")
        let looping = renderError("{{ render(vars.me) }}", ["vars": ["me": "{{ render(vars.me) }}"]])
        #expect(looping?.message == "function `render`: templates nested more than 100 levels deep")
        #expect(looping?.offset == 4)
    }

    @Test("currentEachOutput picks the entry of the current loop values")
    func currentEachOutput() throws {
        let variables: [String: FlowValue] = [
            "outputs": ["t": ["a a": ["s1": ["value": "deep"]], "b": ["s1": ["value": "other"]]]]
        ]
        #expect(try render("{{ currentEachOutput(outputs.t).value }}", variables, loopValues: ["a a", "s1"]) == "deep")
        #expect(
            try render("{{ currentEachOutput(outputs.t) }}", variables, loopValues: ["b"])
                == #"{"s1":{"value":"other"}}"#
        )
        let context = EvaluationContext(variables: variables, loopValues: ["zz"])
        #expect(throws: ExpressionError.self) { try Template("{{ currentEachOutput(outputs.t) }}").render(context) }
    }

    @Test("errorLogs, uuid, randomInt, printContext")
    func services() throws {
        let logs: [FlowValue] = [["taskId": "t1", "message": "boom", "level": "ERROR"]]
        let context = EvaluationContext(variables: ["b": 2, "a": 1], errorLogs: logs)
        #expect(try Template("{{ errorLogs()[0].message }}").render(context) == "boom")
        #expect(try Template("{{ errorLogs() | length }}").renderTyped(context) == .int(1))
        let first = try Template("{{ uuid() }}").render(context)
        let second = try Template("{{ uuid() }}").render(context)
        #expect(first.count == 36 && first == first.lowercased() && first != second)
        for _ in 0..<20 {
            let number = try Template("{{ randomInt(1, 3) }}").renderTyped(context)
            #expect(number == 1 || number == 2)
        }
        #expect(try Template("{{ printContext() }}").render(context) == #"{"a":1,"b":2}"#)
    }
}

@Suite("Limits")
struct LimitTests {
    @Test("extreme numbers and dates are errors, not crashes")
    func extremes() {
        #expect(
            renderError("{{ range(-9223372036854775807, 9223372036854775807) }}")?.message.contains("longer") == true
        )
        #expect(renderError("{{ 9223372036854775807 | date }}")?.message == "filter `date`: the date is out of range")
        #expect(
            renderError("{{ 0 | dateAdd(9223372036854775807, 'DAYS') }}")?.message
                == "filter `dateAdd`: the date is out of range"
        )
        #expect(
            renderError("{{ 0 | dateAdd(99999999, 'CENTURIES') }}")?.message
                == "filter `dateAdd`: the date is out of range"
        )
        #expect(
            renderError("{{ 99999999999999 | timestampNano }}")?.message
                == "filter `timestampNano`: the date does not fit in a timestamp"
        )
        #expect(renderError("{{ -9223372036854775807 - 2 }}")?.message.hasPrefix("integer overflow") == true)
        // The smallest integer has no positive counterpart (found by FuzzTemplate: `| date(…)` trapped in abs).
        let minimum: [String: FlowValue] = ["minimum": .int(.min)]
        #expect(renderError("{{ minimum | date }}", minimum)?.message == "filter `date`: the date is out of range")
        #expect(
            renderError("{{ minimum | date('yyyy') }}", minimum)?.message == "filter `date`: the date is out of range"
        )
        #expect(
            renderError("{{ 0 | dateAdd(minimum, 'SECONDS') }}", minimum)?.message
                == "filter `dateAdd`: the date is out of range"
        )
        #expect(
            renderError("{{ 0 | dateAdd(minimum, 'MONTHS') }}", minimum)?.message
                == "filter `dateAdd`: the date is out of range"
        )
        #expect(renderError("{{ minimum | jq('length') }}", minimum) != nil)
        #expect(renderError("{{ minimum | abs }}", minimum) != nil)
        #expect(
            renderError("{{ 'a' | indent(100000000) }}")?.message == "filter `indent`: needs an amount from 0 to 1000"
        )
    }

    @Test("ranges in the wrong direction are empty")
    func emptyRanges() throws {
        #expect(try value("{{ range(3, 2, 5) }}") == [])
        #expect(try value("{{ range(3, 2) }}") == [])
        #expect(try value("{{ range(2, 3, -1) }}") == [])
        #expect(try value("{{ range(1, 2, 5) }}") == [1])
    }
}
