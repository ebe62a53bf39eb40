/// A template that does not parse or cannot be evaluated.
///
/// The offset points at the start of the offending token or name so that callers can map it back to a line and
/// column of the file the template was written in.
public struct ExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, e.g. "undefined variable `outputs.nope`" or "unknown filter `uppr`".
    public var message: String
    /// The 1-based character offset in ``source`` where the problem is.
    public var offset: Int
    /// The template source the offset refers to.
    public var source: String

    public init(message: String, offset: Int, source: String) {
        self.message = message
        self.offset = offset
        self.source = source
    }

    /// `<message> at character <offset> of `<source>``.
    public var description: String { "\(message) at character \(offset) of `\(source)`" }
}

/// A failure inside a filter or function, before the evaluator attaches where the call was written.
struct EvaluationFailure: Error {
    var message: String

    init(_ message: String) { self.message = message }
}
