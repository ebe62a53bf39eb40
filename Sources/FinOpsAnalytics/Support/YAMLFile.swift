import FinOpsCore
import Foundation
import YAMLGuard
import Yams

/// A YAML file of analysis settings (allocation rules, budgets) read with the place of every node, so that each
/// problem names its file, line and column.
struct YAMLFile {
    /// The path that messages name.
    let path: String
    /// The document's root.
    let root: Node

    /// Reads and parses a file.
    init(contentsOf path: String) throws(AnalyticsError) {
        let text = try TextFile.read(path, "file")
        try self.init(text: text, path: path)
    }

    /// Parses text that came from `path`.
    init(text: String, path: String) throws(AnalyticsError) {
        self.path = path
        let root: Node?
        do {
            try YAMLGuard.check(text)
        } catch {
            throw AnalyticsError(
                .invalidFile,
                error.message,
                at: .init(file: path, line: error.line, column: error.column)
            )
        }
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.error(for: error, path: path)
        } catch {
            throw AnalyticsError(.invalidFile, "invalid YAML: \(error)", at: .init(file: path, line: 1, column: 1))
        }
        guard let root else { throw AnalyticsError(.invalidFile, "the file is empty", at: .init(file: path)) }
        self.root = root
    }

    func location(of node: Node) -> AnalyticsError.Location {
        .init(file: path, line: node.mark?.line, column: node.mark?.column)
    }

    func error(_ node: Node, _ message: String) -> AnalyticsError {
        AnalyticsError(.invalidFile, message, at: location(of: node))
    }

    /// The pairs of a mapping, refusing keys outside `allowed` (a misspelt key must not be silently ignored).
    func mapping(
        _ node: Node,
        _ what: String,
        allowed: Set<String>
    ) throws(AnalyticsError) -> [(key: String, value: Node)] {
        guard case .mapping(let mapping) = node else { throw error(node, "\(what) must be a map") }
        var pairs: [(key: String, value: Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else { throw error(key, "keys of \(what) must be plain names") }
            guard allowed.contains(scalar.string) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw error(key, "unknown key '\(scalar.string)' in \(what) (known: \(known))")
            }
            pairs.append((scalar.string, value))
        }
        return pairs
    }

    /// The value of `key` in a mapping's pairs, if present.
    func value(_ key: String, in pairs: [(key: String, value: Node)]) -> Node? {
        pairs.first { $0.key == key }?.value
    }

    /// The value of a required key.
    func required(
        _ key: String,
        in pairs: [(key: String, value: Node)],
        of node: Node,
        _ what: String
    )
        throws(AnalyticsError) -> Node
    {
        guard let value = value(key, in: pairs) else { throw error(node, "\(what) needs '\(key)'") }
        return value
    }

    func string(_ node: Node, _ what: String) throws(AnalyticsError) -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw error(node, "\(what) must be a non-empty text")
        }
        return scalar.string
    }

    func list(_ node: Node, _ what: String) throws(AnalyticsError) -> [Node] {
        guard case .sequence(let sequence) = node else { throw error(node, "\(what) must be a list") }
        return Array(sequence)
    }

    func strings(_ node: Node, _ what: String) throws(AnalyticsError) -> [String] {
        var values: [String] = []
        for item in try list(node, what) { values.append(try string(item, "each item of \(what)")) }
        return values
    }

    /// An exact decimal written as a plain number (`1200`, `1200.50`) or a quoted one (`'1200.50'`).
    func decimal(_ node: Node, _ what: String) throws(AnalyticsError) -> ExactDecimal {
        let text = try string(node, what)
        do {
            return try ExactDecimal.parse(text)
        } catch {
            throw self.error(node, "\(what) must be a decimal number, got '\(text)' (\(error))")
        }
    }

    func integer(_ node: Node, _ what: String, in range: ClosedRange<Int>) throws(AnalyticsError) -> Int {
        let text = try string(node, what)
        guard let value = Int(text), range.contains(value) else {
            throw error(
                node,
                "\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'"
            )
        }
        return value
    }

    /// A calendar date `YYYY-MM-DD` as midnight UTC.
    func date(_ node: Node, _ what: String) throws(AnalyticsError) -> Timestamp {
        let text = try string(node, what)
        guard let date = CalendarDay(text) else {
            throw error(node, "\(what) must be a date YYYY-MM-DD, got '\(text)'")
        }
        return date.start
    }

    private static func error(for error: YamlError, path: String) -> AnalyticsError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text))" } ?? ""
            return AnalyticsError(
                .invalidFile,
                "invalid YAML: \(problem)\(detail)",
                at: .init(file: path, line: mark.line, column: mark.column)
            )
        case .duplicatedKeysInMapping(let duplicates, let context):
            return AnalyticsError(
                .invalidFile,
                "duplicate key '\(duplicates.first ?? "")' in this map",
                at: .init(file: path, line: context.mark.line, column: context.mark.column)
            )
        default:
            return AnalyticsError(.invalidFile, "invalid YAML: \(error)", at: .init(file: path, line: 1, column: 1))
        }
    }
}
