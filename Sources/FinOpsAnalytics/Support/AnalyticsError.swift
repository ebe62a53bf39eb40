/// Why an analysis cannot run: a bad rules, budgets, weights or series file, data that cannot be computed exactly,
/// or a question the data cannot answer.
///
/// Errors about a file name it and, where one is known, the line and column (1-based) of the problem.
public struct AnalyticsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure, for programs that react to some.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A stable identifier.
        public var rawValue: String

        init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        /// A file cannot be read, or its text is not what its kind of file must hold.
        public static let invalidFile = Code("invalid-file")
        /// A value leaves the exact decimal range.
        public static let overflow = Code("overflow")
        /// The data is too short or too sparse for the analysis.
        public static let insufficientData = Code("insufficient-data")
        /// A parameter of the analysis is out of its range.
        public static let invalidParameter = Code("invalid-parameter")
        /// The pivot the analysis needs failed; the message is the pivot's.
        public static let query = Code("query")
    }

    /// A place in a text file.
    public struct Location: Sendable, Hashable, CustomStringConvertible {
        /// The file's path as given.
        public var file: String
        /// The 1-based line, if known.
        public var line: Int?
        /// The 1-based column, if known.
        public var column: Int?

        /// Creates a location.
        public init(file: String, line: Int? = nil, column: Int? = nil) {
            self.file = file
            self.line = line
            self.column = column
        }

        /// `file:line:column`, leaving out what is unknown.
        public var description: String {
            var text = file
            if let line { text += ":\(line)" }
            if let line, line > 0, let column { text += ":\(column)" }
            return text
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong and what to do, in the library's terms.
    public var message: String
    /// Where, for errors about a file.
    public var location: Location?

    /// Creates an error.
    public init(_ code: Code, _ message: String, at location: Location? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    /// `file:line:column: message`, or the message alone.
    public var description: String {
        guard let location else { return message }
        return "\(location): \(message)"
    }
}
