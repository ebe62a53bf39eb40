import Testing

@testable import FinOpsCore

@Suite("Markup escaping")
struct MarkupEscapingTests {
    @Test("the five special characters become entities, even with a combining mark after them")
    func specials() {
        #expect(
            markupEscaped(#"<a href="x">Tom & Jerry's</a>"#)
                == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        )
        #expect(markupEscaped("&\u{301}<\u{338}") == "&amp;\u{301}&lt;\u{338}")
        #expect(markupEscaped("été ✓") == "été ✓")
    }

    @Test("controls XML forbids become U+FFFD; tab, newline and return stay")
    func controls() {
        #expect(markupEscaped("a\u{1B}[0mb\t\n\r") == "a\u{FFFD}[0mb\t\n\r")
    }
}
