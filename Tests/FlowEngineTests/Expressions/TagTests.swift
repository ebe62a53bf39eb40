import FlowEngine
import Foundation
import Testing

@Suite("Tags")
struct TagTests {
    @Test("if, elseif and else pick the first true branch")
    func conditionals() throws {
        let source = "{% if inputs.count > 5 %}big{% elseif inputs.count > 2 %}mid{% else %}small{% endif %}"
        #expect(try render(source) == "mid")
        #expect(try render(source, ["inputs": ["count": 9]]) == "big")
        #expect(try render(source, ["inputs": ["count": 1]]) == "small")
        #expect(try render("{% if 'false' %}x{% endif %}y") == "y")
        #expect(try render("{% if inputs.nope is defined %}x{% else %}none{% endif %}") == "none")
    }

    @Test("for loops over lists with loop variables")
    func loopOverList() throws {
        let source =
            "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ x }}{{ loop.first ? '^' : '' }}"
            + "{{ loop.last ? '$' : ',' }}{{ loop.length }}{{ loop.revindex }} {% endfor %}"
        #expect(try render(source) == "0a^,32 1b,31 2c$30 ")
    }

    @Test("loop is built only when read, in nested loops, render() and after set; a set lasts one iteration")
    func loopVariableOnDemand() throws {
        let nested =
            "{% for a in [1, 2] %}{% for b in ['x'] %}{{ loop.length }}{{ a }}{{ b }}{% endfor %}{{ loop.index }}{% endfor %}"
        #expect(try render(nested) == "11x012x1")
        let variables = sampleVariables.merging(["inner": "{{ loop.index }}:{{ x }}"], uniquingKeysWith: { $1 })
        #expect(try render("{% for x in ['a', 'b'] %}{{ render(inner) }};{% endfor %}", variables) == "0:a;1:b;")
        let shadowed =
            "{% for x in [1, 2] %}{{ y is defined }}{% set loop = 'mine' %}{% set y = x %}{{ loop }}{% endfor %}"
        #expect(try render(shadowed) == "falseminefalsemine")
        #expect(renderError("{% for x in [1] %}{% endfor %}{{ loop }}")?.message == "undefined variable `loop`")
    }

    @Test("for loops over maps, with one or two variables")
    func loopOverMap() throws {
        #expect(try render("{% for k, v in {'a': 1, 'b': 2} %}{{ k }}={{ v }};{% endfor %}") == "a=1;b=2;")
        #expect(try render("{% for e in {'a': 1} %}{{ e.key }}:{{ e.value }}{% endfor %}") == "a:1")
        #expect(try render("{% for i, v in ['x', 'y'] %}{{ i }}{{ v }}{% endfor %}") == "0x1y")
    }

    @Test("for else renders when the sequence is empty; loop variables do not leak")
    func loopElse() throws {
        #expect(try render("{% for x in [] %}{{ x }}{% else %}empty{% endfor %}") == "empty")
        #expect(try render("{% for x in outputs.nested.none %}{{ x }}{% else %}none{% endfor %}") == "none")
        #expect(renderError("{% for x in [1] %}{% endfor %}{{ x }}")?.message == "undefined variable `x`")
        #expect(renderError("{% for x in 5 %}{% endfor %}")?.message == "cannot iterate over integer")
    }

    @Test("nested loops see the outer loop variable")
    func nestedLoops() throws {
        let source = "{% for a in [1, 2] %}{% for b in ['x', 'y'] %}{{ a }}{{ b }} {% endfor %}{% endfor %}"
        #expect(try render(source) == "1x 1y 2x 2y ")
    }

    @Test("for over errorLogs()")
    func errorLogsLoop() throws {
        let context = EvaluationContext(
            errorLogs: [["taskId": "t1", "message": "boom", "level": "ERROR"], ["taskId": "t2", "message": "bad"]]
        )
        let template = try Template(
            "{%- for log in errorLogs() -%}\n{{ log.taskId }}: {{ log.message }}\n{%- endfor -%}"
        )
        #expect(try template.render(context) == "t1: boomt2: bad")
    }

    @Test("set assigns a variable for the rest of the scope")
    func set() throws {
        #expect(try render("{% set x = inputs.count * 2 %}{{ x }}/{{ x + 1 }}") == "6/7")
        #expect(try render("{% set inputs = 'shadow' %}{{ inputs }}") == "shadow")
    }

    @Test("filter blocks apply filters to their rendered body")
    func filterBlock() throws {
        #expect(try render("{% filter upper | trim %}  hi {{ inputs.name }} {% endfilter %}!") == "HI WORLD!")
    }

    @Test("tags with whitespace control in a multi-line template")
    func multiLine() throws {
        let source = """
            items:
            {%- for x in [1, 2] %}
              - {{ x }}
            {%- endfor %}
            done
            """
        #expect(try render(source) == "items:\n  - 1\n  - 2\ndone")
    }

    @Test("tag errors point at the tag")
    func tagErrors() {
        #expect(renderError("{% if true %}a{% else %}b")?.message == "unclosed `{% if %}`")
        #expect(renderError("{% for x of y %}{% endfor %}")?.message == "expected `in`, found `of`")
        #expect(renderError("{% for x of y %}{% endfor %}")?.offset == 10)
        #expect(renderError("{% set x 1 %}")?.message == "expected '='")
    }

    @Test("nested loops stop with an error past a million iterations in all; a million still render")
    func loopBudget() throws {
        let within = "{% for a in range(1, 999) %}{% for b in range(1, 999) %}{% endfor %}{% endfor %}done"  // 999,000
        #expect(try render(within) == "done")
        let beyond = "{% for a in range(1, 3103) %}{% for b in range(1, 3103) %}{% endfor %}{% endfor %}"
        let error = try #require(renderError(beyond))
        #expect(error.message.contains("loops run more than 1000000 times"))
    }
}
