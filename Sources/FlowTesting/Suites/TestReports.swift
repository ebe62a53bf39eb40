import FlowEngine
import Foundation

/// Reports of suite runs: one line per test case with a closing summary, or JUnit XML for CI systems.
public enum TestReport {
    /// `PASS suite/case`, `FAIL suite/case: <failing assertion, with its actual value>`, `SKIP …`, `ERROR …`, then
    /// `N passed, M failed` (and errors and skips when there are some).
    public static func text(_ results: [TestSuiteResult]) -> String {
        var lines: [String] = []
        var counts: [TestState: Int] = [:]
        for suite in results {
            for result in suite.cases {
                counts[result.state, default: 0] += 1
                let name = "\(suite.suite.namespace).\(suite.suite.id)/\(result.testCase.id)"
                switch result.state {
                case .success: lines.append("PASS  \(name)")
                case .skipped: lines.append("SKIP  \(name)")
                case .failed, .error:
                    let label = result.state == .failed ? "FAIL " : "ERROR"
                    lines.append("\(label) \(name): \(result.failures.first ?? "")")
                    for more in result.failures.dropFirst() { lines.append("      \(more)") }
                }
            }
        }
        var summary = "\(counts[.success, default: 0]) passed, \(counts[.failed, default: 0]) failed"
        if let errors = counts[.error] { summary += ", \(errors) errored" }
        if let skipped = counts[.skipped] { summary += ", \(skipped) skipped" }
        return (lines + [summary]).joined(separator: "\n")
    }

    /// JUnit XML: one `<testsuite>` per suite, one `<testcase>` per case with its failures, errors or skip.
    public static func junit(_ results: [TestSuiteResult]) -> String {
        func count(_ state: TestState, in cases: [TestCaseResult]) -> Int { cases.filter { $0.state == state }.count }
        let all = results.flatMap(\.cases)
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml +=
            "<testsuites tests=\"\(all.count)\" failures=\"\(count(.failed, in: all))\" errors=\"\(count(.error, in: all))\" skipped=\"\(count(.skipped, in: all))\" time=\"\(seconds(results.map(\.seconds).reduce(0, +)))\">\n"
        for suite in results {
            let name = escape("\(suite.suite.namespace).\(suite.suite.id)")
            xml +=
                "  <testsuite name=\"\(name)\" tests=\"\(suite.cases.count)\" failures=\"\(count(.failed, in: suite.cases))\" errors=\"\(count(.error, in: suite.cases))\" skipped=\"\(count(.skipped, in: suite.cases))\" time=\"\(seconds(suite.seconds))\">\n"
            for result in suite.cases {
                let classname = escape("\(suite.suite.namespace).\(suite.suite.flowId)")
                xml +=
                    "    <testcase classname=\"\(classname)\" name=\"\(escape(result.testCase.id))\" time=\"\(seconds(result.seconds))\""
                switch result.state {
                case .success:
                    xml += "/>\n"
                case .skipped:
                    xml += ">\n      <skipped/>\n    </testcase>\n"
                case .failed, .error:
                    let tag = result.state == .failed ? "failure" : "error"
                    let message = escape(result.failures.first ?? "")
                    xml +=
                        ">\n      <\(tag) message=\"\(message)\">\(escape(result.failures.joined(separator: "\n")))</\(tag)>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    private static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    /// Escaped for XML content and attributes: `& < > " '` as entities, scalar by scalar, forbidden controls as
    /// U+FFFD, and newlines and tabs as character references (so attribute values keep them). The same rules as
    /// FinOpsCore's `markupEscaped`, which this module may not import.
    private static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            case "\n": out.append(contentsOf: "&#10;".unicodeScalars)
            case "\t": out.append(contentsOf: "&#9;".unicodeScalars)
            case "\r": out.append(contentsOf: "&#13;".unicodeScalars)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out.append("\u{FFFD}")
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
