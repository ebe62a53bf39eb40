/// A problem found in a flow file, at the line and column where it was written.
public struct FlowDiagnostic: Error, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The kind of problem, for programs that react to some (a command line adds its own hints by code).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A stable identifier.
        public var rawValue: String

        init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        /// The flow is not valid as written (see the message).
        public static let invalidFlow = Code("invalid-flow")
        /// A task runs processes, and the registry was not given the process task types
        /// (``TaskRegistry/registerProcessTasks()``).
        public static let processTasksDisabled = Code("process-tasks-disabled")
    }

    /// Where the problem is.
    public var location: SourceLocation
    /// What is wrong, in words a flow author can act on.
    public var message: String
    /// The file, when the flow was read from one.
    public var file: String?
    /// The kind of problem.
    public var code: Code

    public init(_ location: SourceLocation, _ message: String, file: String? = nil, code: Code = .invalidFlow) {
        self.location = location
        self.message = message
        self.file = file
        self.code = code
    }

    /// `file:line:column: message`.
    public var description: String { "\(file ?? "<flow>"):\(location): \(message)" }

    public static func < (lhs: FlowDiagnostic, rhs: FlowDiagnostic) -> Bool {
        (lhs.file ?? "", lhs.location) < (rhs.file ?? "", rhs.location)
    }
}

/// Every problem found in a flow file (all of them, not only the first), sorted by position.
public struct FlowValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var diagnostics: [FlowDiagnostic]

    public init(_ diagnostics: [FlowDiagnostic]) {
        self.diagnostics = diagnostics.sorted()
    }

    /// The problems of one file, each labelled with its name.
    public init(_ diagnostics: [FlowDiagnostic], file: String?) {
        self.init(
            diagnostics.map { diagnostic in
                var located = diagnostic
                located.file = file
                return located
            }
        )
    }

    /// One `file:line:column: message` line per problem.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
