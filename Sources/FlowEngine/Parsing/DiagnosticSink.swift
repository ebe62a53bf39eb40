/// Collects the problems of one file while it is read, so that all of them are reported at once.
final class DiagnosticSink {
    private(set) var diagnostics: [FlowDiagnostic] = []
    /// Task ids seen so far anywhere in the flow; they must be unique even among invalid tasks.
    private var taskIDs: [String: SourceLocation] = [:]

    /// Records a task id, reporting it when an earlier task has it.
    func claimTaskID(_ id: String, at location: SourceLocation) {
        if let first = taskIDs[id] {
            report("duplicate task id '\(id)' (first at \(first))", at: location)
        } else {
            taskIDs[id] = location
        }
    }

    func report(_ message: String, at location: SourceLocation, code: FlowDiagnostic.Code = .invalidFlow) {
        diagnostics.append(FlowDiagnostic(location, message, code: code))
    }

    /// A template error, placed at the character of the scalar it points to.
    func report(_ error: ExpressionError, in node: YAMLNode, property: String) {
        report("\(property): \(error.message)", at: node.location(ofCharacter: error.offset))
    }
}

extension YAMLNode {
    /// The line and column of a character (1-based offset) of a scalar's text.
    ///
    /// Exact for plain and quoted scalars on one line and for literal blocks; for folded blocks and quoted scalars
    /// with escapes it is the best place the text allows.
    func location(ofCharacter offset: Int) -> SourceLocation {
        guard case .scalar(let text, let style) = content else { return location }
        let prefix = text.prefix(max(offset - 1, 0))
        let newlines = prefix.reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
        let column =
            prefix.count
            - (prefix.lastIndex(of: "\n").map { prefix.distance(from: prefix.startIndex, to: $0) + 1 } ?? 0)
        switch style {
        case .plain:
            return newlines == 0
                ? SourceLocation(line: location.line, column: location.column + column)
                : SourceLocation(line: location.line + newlines, column: column + 1)
        case .singleQuoted, .doubleQuoted:
            return newlines == 0
                ? SourceLocation(line: location.line, column: location.column + 1 + column)
                : SourceLocation(line: location.line + newlines, column: column + 1)
        case .literal, .folded:
            // Block content starts on the line after the indicator; its indentation is not known here, so the
            // column is that of the text within the block line plus the indicator's column.
            return SourceLocation(line: location.line + 1 + newlines, column: location.column + column)
        }
    }
}
