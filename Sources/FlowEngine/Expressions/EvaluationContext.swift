import Foundation

/// The variables and services an expression sees.
public struct EvaluationContext: Sendable {
    /// The variable roots: `inputs`, `outputs`, `vars`, `flow`, `execution`, `task`, `taskrun`, `parents`, …
    public var variables: [String: FlowValue]
    /// What `now()` returns.
    public var now: Date
    /// The zone dates are shown in when a template does not name one.
    public var timeZone: TimeZone
    /// The values of the enclosing loops, outermost first, used by `currentEachOutput`.
    public var loopValues: [String]
    /// What `errorLogs()` returns: maps with `taskId`, `message`, `level`, …
    public var errorLogs: [FlowValue]

    public init(
        variables: [String: FlowValue] = [:],
        now: Date = Date(timeIntervalSince1970: 0),
        timeZone: TimeZone = .gmt,
        loopValues: [String] = [],
        errorLogs: [FlowValue] = []
    ) {
        self.variables = variables
        self.now = now
        self.timeZone = timeZone
        self.loopValues = loopValues
        self.errorLogs = errorLogs
    }
}
