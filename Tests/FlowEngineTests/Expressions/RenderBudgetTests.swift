import FlowEngine
import Foundation
import Testing

@Suite("The render budget")
struct RenderBudgetTests {
    /// The budget's error, or `nil` when the template rendered; refused early, each case takes milliseconds.
    private func refusal(_ source: String, _ variables: [String: FlowValue] = sampleVariables) -> String? {
        renderError(source, variables)?.message
    }

    @Test("a loop that reads a large list again and again is stopped, however few its iterations")
    func repeatedReads() throws {
        let message = try #require(
            refusal("{% set r = range(0, 999999) %}{% for i in range(0, 99) %}{{ r | length }}{% endfor %}")
        )
        #expect(message.contains("does more work than a render may (5000000 units"))
        // Building it and three reads are within it.
        let three = "{% set r = range(0, 999999) %}{% for i in range(0, 2) %}{{ r | length }},{% endfor %}"
        #expect(try render(three) == "1000000,1000000,1000000,")
    }

    @Test("a list sought in a list is refused before a scan of each item against each other")
    func listInList() throws {
        let started = ContinuousClock.now
        #expect(refusal("{% set r = 0..999999 %}{{ r in r }}")?.contains("does more work") == true)
        #expect(refusal("{% set r = 0..999999 %}{{ r contains r }}")?.contains("does more work") == true)
        #expect(ContinuousClock.now - started < .seconds(2))
        // Small ones are untouched.
        #expect(try render("{{ [1, 2] in [3, 2, 1] }} {{ [1, 4] in [1, 2] }}") == "true false")
    }

    @Test("membership in a stored range is charged per test, where a range literal is decided by its bounds")
    func storedRange() throws {
        let loop = "{% set r = 0..888808 %}{% for i in 0..20 %}{{ 5 in r }}{% endfor %}"
        #expect(refusal(loop)?.contains("does more work") == true)
        let literal = "{% for i in 0..20 %}{{ 5 in 0..888808 }}{% endfor %}"
        #expect(try render(literal) == String(repeating: "true", count: 21))
    }

    @Test("renders started by render() share their caller's budget")
    func nestedRenders() throws {
        let variables = sampleVariables.merging(
            ["inner": "{{ range(1, 999999) | length }}"],
            uniquingKeysWith: { $1 }
        )
        #expect(try render("{{ render(inner) }}", variables) == "999999")
        let message = try #require(refusal("{% for i in 0..9 %}{{ render(inner) }}{% endfor %}", variables))
        #expect(message.contains("does more work than a render may"))
    }
}
