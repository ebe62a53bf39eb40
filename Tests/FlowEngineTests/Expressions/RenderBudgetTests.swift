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

    @Test("printing and literal text inside loops are charged: a loop that writes much is stopped")
    func writingIsCharged() throws {
        // 999 iterations that each print a 5,000-item list: within the iteration limit, not within the budget.
        let prints = "{% set r = range(0, 4999) %}{% for i in range(0, 999) %}{{ r }}{% endfor %}"
        #expect(refusal(prints)?.contains("does more work than a render may") == true)
        // 250,000 iterations writing 1,600 bytes of literal text each (a hundred units, then the iteration's own).
        let text = String(repeating: "x", count: 1_600)
        let literal = "{% for a in range(1, 250) %}{% for b in range(1, 1000) %}\(text){% endfor %}{% endfor %}"
        #expect(refusal(literal)?.contains("does more work than a render may") == true)
        // The same loops with short text are within it.
        let short = "{% for a in range(1, 250) %}{% for b in range(1, 1000) %}x{% endfor %}{% endfor %}"
        #expect(try render(short).utf8.count == 250 * 1000)
    }

    @Test("a context's render limits replace the standard ones")
    func customLimits() throws {
        var context = EvaluationContext(variables: sampleVariables)
        context.renderLimits = RenderLimits(iterations: 10, work: 1_000)
        let loops = try Template("{% for i in range(1, 11) %}{% endfor %}")
        #expect(throws: ExpressionError.self) { try loops.render(context) }
        #expect(try Template("{% for i in range(1, 10) %}{{ i }}{% endfor %}").render(context) == "12345678910")
        do {
            _ = try Template("{{ range(1, 2000) | length }}").render(context)
            Issue.record("a 2,000-item list rendered within a budget of 1,000 units")
        } catch {
            #expect(error.message.contains("(1000 units"))
        }
        do {
            _ = try loops.render(context)
        } catch {
            #expect(error.message.contains("more than 10 times in all"))
        }
        #expect(RenderLimits.standard == RenderLimits(iterations: 1_000_000, work: 5_000_000))
    }
}
