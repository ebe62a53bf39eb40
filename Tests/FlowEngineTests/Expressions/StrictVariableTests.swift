import FlowEngine
import Foundation
import Testing

@Suite("Strict variables")
struct StrictVariableTests {
    @Test(
        "undefined variables and attributes are errors naming the path, at the start of the path",
        arguments: [
            ("a {{ outputs.x }}", 6, "undefined variable `outputs.x`"),
            ("{{ missingVar }}", 4, "undefined variable `missingVar`"),
            ("{{inputs.invalid}}", 3, "undefined variable `inputs.invalid`"),
            ("xx {{ outputs.t1.nope.deeper }}", 7, "undefined variable `outputs.t1.nope`"),
            ("{{ outputs['1-1_return'][inputs.name] }}", 4, "undefined variable `outputs['1-1_return']['World']`"),
            ("{{ parents[5].taskrun }}", 4, "undefined variable `parents[5]`"),
            ("{{ 1 + inputs.name.first }}", 8, "undefined variable `inputs.name.first`"),
            ("{{ inputs.nope | upper }}", 4, "undefined variable `inputs.nope`"),
            ("{{ 'x' ~ outputs['a-b'] }}", 10, "undefined variable `outputs['a-b']`"),
            ("é {{ ko }}", 6, "undefined variable `ko`"),
            ("line\n{{ f(1) }}", 9, "unknown function `f`"),
        ]
    )
    func undefined(source: String, offset: Int, message: String) {
        let error = renderError(source)
        #expect(error?.message == message)
        #expect(error?.offset == offset)
        #expect(error?.source == source)
    }

    @Test("missing roots are undefined too, also in conditions")
    func missingRoots() {
        #expect(renderError("{% if outputs.x %}y{% endif %}", [:])?.message == "undefined variable `outputs`")
        #expect(renderError("{% for x in items %}{% endfor %}", [:])?.offset == 13)
    }

    @Test("default swallows undefined values and replaces empty ones")
    func defaultFilter() throws {
        #expect(try render("{{ inputs.nope | default('d') }}") == "d")
        #expect(try render("{{ outputs.missing.deep.path | default('d') }}") == "d")
        #expect(try render("{{ inputs.empty | default('d') }}") == "d")
        #expect(try render("{{ inputs.name | default('d') }}") == "World")
        #expect(try render("{{ inputs.nope | upper | default('d') }}") == "d")
        #expect(try render("{{ outputs.nested.none | default(inputs.count) }}") == "3")
    }

    @Test("null renders as nothing but is defined")
    func nullValues() throws {
        #expect(try render("[{{ outputs.nested.none }}]") == "[]")
        #expect(try render("{{ outputs.nested.none is defined }}") == "true")
    }
}
