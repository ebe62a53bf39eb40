// libyaml as Yams bundles it: the same parser Yams composes with, so this scan sees the document Yams would.
import CYaml

/// A check of a YAML text's shape before Yams composes it, in time linear in the text: composing a hostile document
/// can take unbounded time and memory (a 400-byte "billion laughs" of nested aliases expands to 10⁸ nodes, and a
/// complex key is hashed through every node it holds).
///
/// Refused: mapping keys that are not scalars (complex keys: `? [a, b]`, `{a: b}: c`, an alias of a collection),
/// documents whose aliases expand to more than ``Limits/nodes`` nodes, and nesting deeper than ``Limits/depth``.
/// Syntax errors are left to Yams, which reports them with its own messages.
package enum YAMLGuard {
    /// The bounds a document must keep.
    package struct Limits: Sendable {
        /// Nodes after expanding every alias.
        package var nodes = 1_000_000
        /// Collections inside collections.
        package var depth = 200

        package init() {}
    }

    /// What makes a document unsafe to compose, and where (1-based).
    package struct Violation: Error, Sendable, CustomStringConvertible {
        package var line: Int
        package var column: Int
        package var message: String

        package var description: String { "\(line):\(column): \(message)" }
    }

    /// Throws at the first construct the limits refuse.
    package static func check(_ text: String, limits: Limits = Limits()) throws(Violation) {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        // UTF-8 declared, as Yams declares it: left to detect the encoding, libyaml would skip a leading byte order
        // mark that Yams reads as a character, shifting the first line's indentation, so the two would see different
        // documents (FuzzAnalysisFiles found complex keys that only Yams saw).
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        var scan = Scan(limits: limits)
        try bytes.withUnsafeMutableBufferPointer { (buffer) throws(Violation) in
            guard let base = buffer.baseAddress else { return }
            yaml_parser_set_input_string(&parser, base, buffer.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return }
                try scan.take(event)
            }
        }
    }

    /// The state of a scan: the open collections and the expanded size of each anchor.
    private struct Scan {
        struct Frame {
            var isMapping: Bool
            var anchor: String?
            var size = 1
            /// In a mapping, whether the next node is a key.
            var expectsKey = true
        }

        let limits: Limits
        var frames: [Frame] = []
        var anchors: [String: (size: Int, isCollection: Bool)] = [:]
        var total = 0

        init(limits: Limits) { self.limits = limits }

        mutating func take(_ event: yaml_event_t) throws(Violation) {
            let line = Int(event.start_mark.line) + 1
            let column = Int(event.start_mark.column) + 1
            func refuse(_ message: String) -> Violation { Violation(line: line, column: column, message: message) }
            let isKey = frames.last.map { $0.isMapping && $0.expectsKey } ?? false
            switch event.type {
            case YAML_SCALAR_EVENT:
                try finish(size: 1, anchor: Self.text(event.data.scalar.anchor), isCollection: false, at: refuse)
            case YAML_ALIAS_EVENT:
                let name = Self.text(event.data.alias.anchor) ?? ""
                let target = anchors[name] ?? (size: 1, isCollection: false)
                if isKey, target.isCollection {
                    throw refuse("a mapping key must be a scalar, not an alias of a collection (*\(name))")
                }
                try finish(size: target.size, anchor: nil, isCollection: target.isCollection, at: refuse)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                if isKey {
                    throw refuse(
                        "a mapping key must be a scalar, not a \(event.type == YAML_SEQUENCE_START_EVENT ? "sequence" : "mapping") (complex keys are not supported)"
                    )
                }
                guard frames.count < limits.depth else {
                    throw refuse("collections are nested more than \(limits.depth) deep")
                }
                let anchor =
                    event.type == YAML_SEQUENCE_START_EVENT
                    ? Self.text(event.data.sequence_start.anchor) : Self.text(event.data.mapping_start.anchor)
                frames.append(Frame(isMapping: event.type == YAML_MAPPING_START_EVENT, anchor: anchor))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = frames.popLast() else { return }
                try finish(size: frame.size, anchor: frame.anchor, isCollection: true, at: refuse)
            default:
                return
            }
        }

        /// A node is complete: counts it into its parent (or the document) and remembers its anchor.
        mutating func finish(
            size: Int,
            anchor: String?,
            isCollection: Bool,
            at refuse: (String) -> Violation
        ) throws(Violation) {
            if let anchor { anchors[anchor] = (size, isCollection) }
            let tooMany = refuse(
                "the document expands to more than \(limits.nodes) nodes (aliases repeat what their anchors hold)"
            )
            if var parent = frames.popLast() {
                parent.size = parent.size > limits.nodes - size ? limits.nodes + 1 : parent.size + size
                if parent.isMapping { parent.expectsKey.toggle() }
                frames.append(parent)
                if parent.size > limits.nodes { throw tooMany }
            } else {
                total = total > limits.nodes - size ? limits.nodes + 1 : total + size
                if total > limits.nodes { throw tooMany }
            }
        }

        static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            guard let pointer else { return nil }
            return String(cString: pointer)
        }
    }
}
