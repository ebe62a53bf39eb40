/// Text escaped for HTML and XML content and attribute values: `& < > " '` as entities (the apostrophe as `&#39;`,
/// which HTML 4, HTML 5 and XML all read), scalar by scalar, so a combining mark after `&` or `<` cannot hide it.
/// Characters XML 1.0 forbids (controls other than tab, newline and return) become U+FFFD.
///
/// One copy for the cost modules; FlowTesting, which may not import them, keeps one that behaves the same.
package func markupEscaped(_ text: String) -> String {
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out.append(contentsOf: "&amp;".unicodeScalars)
        case "<": out.append(contentsOf: "&lt;".unicodeScalars)
        case ">": out.append(contentsOf: "&gt;".unicodeScalars)
        case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
        case "'": out.append(contentsOf: "&#39;".unicodeScalars)
        case "\t", "\n", "\r": out.append(scalar)
        case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: out.append("\u{FFFD}")
        default: out.append(scalar)
        }
    }
    return String(out)
}
