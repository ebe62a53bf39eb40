import Foundation
import OrderedCollections
import YAMLGuard
import Yams

/// A node of a YAML document with the place it was written: the engine's own `Sendable` copy of what Yams reads.
public struct YAMLNode: Sendable, Hashable {
    /// How a scalar was written, which decides how its text maps back to columns and whether it is a string.
    public enum ScalarStyle: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// One key and value of a mapping.
    public struct Pair: Sendable, Hashable {
        public var key: YAMLNode
        public var value: YAMLNode
    }

    /// What the node holds.
    public enum Content: Sendable, Hashable {
        case scalar(String, ScalarStyle)
        case mapping([Pair])
        case sequence([YAMLNode])
    }

    public var content: Content
    public var location: SourceLocation

    public init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
    }

    /// The scalar's text, if the node is a scalar.
    public var scalar: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// The pairs, if the node is a mapping.
    public var pairs: [Pair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The items, if the node is a sequence.
    public var items: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The value of a key of a mapping.
    public subscript(key: String) -> YAMLNode? {
        pairs?.first { $0.key.scalar == key }?.value
    }

    /// Whether the document is a test suite of flows (it has `testCases`) rather than a flow.
    public var isTestSuite: Bool { self["testCases"] != nil }

    /// What kind of node this is, for messages.
    public var kindName: String {
        switch content {
        case .scalar: "a scalar"
        case .mapping: "a map"
        case .sequence: "a list"
        }
    }

    /// Reads a YAML document.
    ///
    /// - Throws: ``FlowDiagnostic`` at the place the text stops being valid YAML (or repeats a key).
    public static func parse(_ text: String) throws(FlowDiagnostic) -> YAMLNode {
        try YAMLLoader.load(text)
    }

    /// Reads a YAML document from text, its problem labelled with the file name.
    public static func parse(_ text: String, file: String?) throws(FlowValidationError) -> YAMLNode {
        do {
            return try YAMLLoader.load(text)
        } catch {
            throw FlowValidationError([error], file: file)
        }
    }

    /// Reads a YAML file.
    ///
    /// - Throws: ``FlowValidationError`` when the file cannot be read or is not valid YAML.
    public static func parse(contentsOf url: URL) throws(FlowValidationError) -> YAMLNode {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            let reason = "cannot read the file: \(error.localizedDescription)"
            throw FlowValidationError([FlowDiagnostic(.init(line: 1, column: 1), reason)], file: url.path)
        }
        return try parse(text, file: url.path)
    }

    /// The node as a value, with YAML's core schema for plain scalars: `null`/`~`/nothing, `true`/`false`,
    /// integers and decimals; anything quoted or in a block is a string.
    public var value: FlowValue {
        switch content {
        case .scalar(let text, let style):
            return style == .plain ? Self.resolvePlain(text) : .string(text)
        case .sequence(let items):
            return .list(items.map(\.value))
        case .mapping(let pairs):
            var map = OrderedDictionary<String, FlowValue>()
            for pair in pairs { map[pair.key.keyText] = pair.value.value }
            return .map(map)
        }
    }

    /// The node as a mapping key: a scalar's text, else its JSON cut to 60 characters. The cut keeps nested complex
    /// keys (`? …`) from growing with every level of escaping.
    public var keyText: String {
        if let scalar { return scalar }
        let text = value.rendered
        return text.count <= 60 ? text : String(text.prefix(59)) + "…"
    }

    static func resolvePlain(_ text: String) -> FlowValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        guard let first = text.unicodeScalars.first, "-+0123456789.".unicodeScalars.contains(first) else {
            return .string(text)
        }
        if let integer = Int(text) { return .int(integer) }
        if text.hasPrefix("0x"), let integer = Int(text.dropFirst(2), radix: 16) { return .int(integer) }
        if text.hasPrefix("0o"), let integer = Int(text.dropFirst(2), radix: 8) { return .int(integer) }
        let digits = text.unicodeScalars.allSatisfy { "-+0123456789.eE".unicodeScalars.contains($0) }
        if digits, text.contains(where: \.isNumber), Double(text) != nil,
            let decimal = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        {
            return .decimal(decimal)
        }
        return .string(text)
    }
}

/// Reads YAML text into ``YAMLNode``s.
enum YAMLLoader {
    /// The document's root, or the diagnostic that stops the file from being read (syntax, duplicate keys).
    static func load(_ text: String) throws(FlowDiagnostic) -> YAMLNode {
        let root: Node?
        do {
            try YAMLGuard.check(text)
        } catch {
            throw FlowDiagnostic(.init(line: error.line, column: error.column), error.message)
        }
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw diagnostic(for: error, in: text)
        } catch {
            throw FlowDiagnostic(.init(line: 1, column: 1), "cannot read the YAML: \(error)")
        }
        guard let root else { throw FlowDiagnostic(.init(line: 1, column: 1), "the file is empty") }
        return convert(root)
    }

    private static func convert(_ node: Node) -> YAMLNode {
        let location = SourceLocation(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        switch node {
        case .scalar(let scalar):
            let style: YAMLNode.ScalarStyle =
                switch scalar.style {
                case .singleQuoted: .singleQuoted
                case .doubleQuoted: .doubleQuoted
                case .literal: .literal
                case .folded: .folded
                default: .plain
                }
            return YAMLNode(.scalar(scalar.string, style), at: location)
        case .sequence(let sequence):
            return YAMLNode(.sequence(sequence.map(convert)), at: location)
        case .mapping(let mapping):
            var pairs: [YAMLNode.Pair] = []
            for (key, value) in mapping {
                // A merge key (`<<: *defaults`) brings the anchored map's pairs in, without overriding written keys.
                if key.string == "<<", case .scalar(let scalar) = key, scalar.style == .plain || scalar.style == .any {
                    let merged = value.sequence.map { Array($0) } ?? [value]
                    for source in merged {
                        for pair in convert(source).pairs ?? []
                        where !mapping.keys.contains(where: { $0.string == pair.key.scalar }) {
                            if !pairs.contains(where: { $0.key.scalar == pair.key.scalar }) { pairs.append(pair) }
                        }
                    }
                    continue
                }
                pairs.append(YAMLNode.Pair(key: convert(key), value: convert(value)))
            }
            return YAMLNode(.mapping(pairs), at: location)
        case .alias(let alias):
            return YAMLNode(.scalar("*" + alias.anchor.rawValue, .plain), at: location)
        }
    }

    private static func diagnostic(for error: YamlError, in text: String) -> FlowDiagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text))" } ?? ""
            return FlowDiagnostic(.init(line: mark.line, column: mark.column), "invalid YAML: \(problem)\(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let location =
                repeatedKey(key, after: context.mark, in: text)
                ?? SourceLocation(line: context.mark.line, column: context.mark.column)
            return FlowDiagnostic(
                location,
                "duplicate key '\(key)' (first at \(context.mark.line):\(context.mark.column))"
            )
        case .reader(let problem, let offset, _, _):
            return FlowDiagnostic(.init(line: 1, column: 1), "cannot read the YAML: \(problem) at byte \(offset ?? 0)")
        default:
            return FlowDiagnostic(.init(line: 1, column: 1), "invalid YAML: \(error)")
        }
    }

    /// Yams reports the first occurrence of a duplicate key; the second is the one to fix, at the same indentation.
    private static func repeatedKey(_ key: String, after mark: Mark, in text: String) -> SourceLocation? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let column = mark.column
        for index in mark.line..<lines.count {
            let line = Array(lines[index])
            guard line.count >= column else { continue }
            let indentation = line.prefix(column - 1)
            if !indentation.allSatisfy({ $0 == " " || $0 == "-" }) {
                continue
            }
            let rest = String(line[(column - 1)...])
            for candidate in [key, "\"\(key)\"", "'\(key)'"] where rest.hasPrefix(candidate) {
                if rest.dropFirst(candidate.count).trimmingCharacters(in: .whitespaces).hasPrefix(":") {
                    return SourceLocation(line: index + 1, column: column)
                }
            }
        }
        return nil
    }
}
