import FlowEngine
import Foundation
import Testing

@Suite("Template syntax")
struct TemplateSyntaxTests {
    @Test("nesting is bounded: deep parentheses, nots, signs, tags and jq programs are errors, not a stack overflow")
    func deepNesting() throws {
        // Found by fuzzing (FuzzTemplate): 300 nested parentheses overflowed the parser's stack.
        let deep = "{{ " + String(repeating: "(", count: 300) + "1" + String(repeating: ")", count: 300) + " }}"
        #expect(throws: ExpressionError.self) { try Template(deep) }
        do {
            _ = try Template(deep)
        } catch {
            #expect(error.message.contains("nests more than 64 levels deep"))
        }
        #expect(throws: ExpressionError.self) {
            try Template("{{ " + String(repeating: "not ", count: 5_000) + "true }}")
        }
        #expect(throws: ExpressionError.self) { try Template("{{ " + String(repeating: "-", count: 5_000) + "1 }}") }
        let tags = String(repeating: "{% if true %}", count: 200) + "x" + String(repeating: "{% endif %}", count: 200)
        #expect(throws: ExpressionError.self) { try Template(tags) }
        let jq =
            "{{ inputs.name | jq('" + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + "') }}"
        #expect(renderError(jq)?.message.contains("nests more than 64 levels deep") == true)
        // Ordinary nesting still reads.
        #expect(
            try value("{{ " + String(repeating: "(", count: 20) + "1 + 2" + String(repeating: ")", count: 20) + " }}")
                == 3
        )
    }

    @Test("text without delimiters is constant and returned unchanged")
    func constantText() throws {
        let template = try Template("just {text} with } braces")
        #expect(template.isConstant)
        #expect(try template.render(EvaluationContext()) == "just {text} with } braces")
        #expect(try template.renderTyped(EvaluationContext()) == "just {text} with } braces")
        #expect(template.referencedRoots.isEmpty)
        #expect(try !Template("a {{ 1 }}").isConstant)
        #expect(try !Template("a {# c #}").isConstant)
    }

    @Test("print, comments and text combine")
    func printAndComments() throws {
        #expect(try render("Hello {{ inputs.name }}!") == "Hello World!")
        #expect(try render("a{# a comment {{ nope }} #}b") == "ab")
        #expect(try render("{{inputs.count}}") == "3")
        #expect(try render("{{ outputs.nested.none }}|") == "|")
    }

    @Test("maps and lists render as compact JSON")
    func jsonRendering() throws {
        #expect(try render("{{ outputs.t1 }}") == #"{"value":"one","values":{"count":"4"}}"#)
        #expect(try render("{{ parents }}") == #"[{"taskrun":{"value":"p0"}},{"taskrun":{"value":"p1"}}]"#)
        #expect(try render("x={{ [1, 'a', null, true, 2.5] }}") == #"x=[1,"a",null,true,2.5]"#)
        #expect(try render("{{ {'k': {'n': 1}} }}") == #"{"k":{"n":1}}"#)
    }

    @Test("typed rendering returns the value of a lone expression")
    func typedRendering() throws {
        #expect(try value("{{ inputs.count }}") == .int(3))
        #expect(try value("  {{ inputs.count + 1 }}\n") == .int(4))
        #expect(try value("{{ inputs.flag }}") == .bool(true))
        #expect(try value("{{ outputs.t1 }}") == ["value": "one", "values": ["count": "4"]])
        #expect(try value("{{ outputs.nested.none }}") == .null)
        #expect(try value("n={{ inputs.count }}") == .string("n=3"))
        #expect(try value("{{ 1 }}{{ 2 }}") == .string("12"))
        #expect(try value("plain") == .string("plain"))
    }

    @Test("whitespace control trims around delimiters")
    func whitespaceControl() throws {
        #expect(try render("a  \n {{- 1 -}} \n  b") == "a1b")
        #expect(try render("a {{- 1 }} b") == "a1 b")
        #expect(try render("a\n{%- if true -%}\n  x\n{%- endif -%}\nb") == "axb")
        #expect(try render("a {#- c -#} b") == "ab")
        #expect(try render("{% if true %}\nx\n{% endif %}") == "\nx\n")
    }

    @Test("raw blocks are kept literally")
    func rawBlocks() throws {
        #expect(try render("{% raw %}{{ not.parsed }} {% if %}{% endraw %}!") == "{{ not.parsed }} {% if %}!")
        #expect(try render("a {%- raw -%} {{ x }} {%- endraw -%} b") == "a {{ x }}b")
    }

    @Test("literals: strings with escapes, numbers, booleans, null")
    func literals() throws {
        #expect(try render(#"{{ 'it\'s' }} {{ "say \"hi\"" }} {{ 'a\nb' }}"#) == "it's say \"hi\" a\nb")
        #expect(try value("{{ 42 }}") == .int(42))
        #expect(try value("{{ 4.20 }}") == .decimal(Decimal(string: "4.2")!))
        #expect(try value("{{ true }}") == .bool(true))
        #expect(try value("{{ none }}") == .null)
        #expect(try value(#"{{ '\d+' }}"#) == .string(#"\d+"#))
        #expect(try value("{{ {'a': 1, 'b': [2]} }}") == ["a": 1, "b": [2]])
    }

    @Test("map literals nest without closing the print delimiter")
    func nestedMapLiteral() throws {
        #expect(try render("{{ {'a': {'b': 1}}}}x") == #"{"a":{"b":1}}x"#)
    }

    @Test("referenced roots leave out loop and set variables")
    func referencedRoots() throws {
        let template = try Template(
            "{{ inputs.a ~ outputs['t'].v }}{% for x in vars.list %}{{ x ~ loop.index ~ taskrun.value }}{% endfor %}"
                + "{% set y = 1 %}{{ y }}{{ currentEachOutput(trigger.date) | date('yyyy', timeZone=flow.tz) }}"
        )
        #expect(template.referencedRoots == ["inputs", "outputs", "vars", "taskrun", "trigger", "flow"])
    }

    @Test(
        "syntax errors give the offset of the offending token",
        arguments: [
            ("a {{ outputs.x | uppr }}", 18, "unknown filter `uppr`"),
            ("{{ nope(1) }}", 4, "unknown function `nope`"),
            ("{{ (1 + 2 }}", 11, "expected ')'"),
            ("ab {{ 1", 4, "unclosed `{{`"),
            ("{{ x is blue }}", 9, "unknown test `blue`"),
            ("{% if true %}x", 1, "unclosed `{% if %}`"),
            ("{% frob %}", 4, "unknown tag `frob`"),
            ("{{ 'abc }}", 4, "unterminated string"),
            ("{{ x | join(',', 2) }}", 18, "filter `join` takes at most 1 argument(s)"),
            ("{{ x | split }}", 8, "filter `split` needs argument `delimiter`"),
            ("{{ x | date(zone='UTC') }}", 13, "unknown argument `zone` of filter `date`"),
            ("{{ range(1) }}", 4, "function `range` needs argument `end`"),
            ("{{ {% for x in y %}{% endfor %} }}", 4, "unexpected `{%` inside an expression"),
            ("{% endif %}", 1, "unexpected `{% endif %}`"),
            ("{# open", 1, "unclosed comment `{#`"),
        ]
    )
    func syntaxErrors(source: String, offset: Int, message: String) {
        let error = #expect(throws: ExpressionError.self) { try Template(source) }
        #expect(error?.offset == offset)
        #expect(error?.message == message)
        #expect(error?.source == source)
    }

    @Test("the error description names the place")
    func errorDescription() {
        let error = ExpressionError(message: "unknown filter `uppr`", offset: 18, source: "a {{ outputs.x | uppr }}")
        #expect(error.description == "unknown filter `uppr` at character 18 of `a {{ outputs.x | uppr }}`")
    }

    @Test("templates compare by source")
    func hashable() throws {
        #expect(try Template("{{ a }}") == Template("{{ a }}"))
        #expect(try Set([Template("{{ a }}"), Template("{{ a }}"), Template("b")]).count == 2)
    }
}
