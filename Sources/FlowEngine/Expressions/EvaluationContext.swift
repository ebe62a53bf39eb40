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
    /// Variable roots worked out only when an expression reads them (the engine's `outputs` and `tasks`, which are
    /// costly to copy for every task run of a large loop), with their names.
    public var deferredVariables: DeferredVariables?
    /// The work a render may do (``RenderLimits/standard`` unless set).
    public var renderLimits = RenderLimits.standard

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

    /// The value of a variable root, deferred ones included.
    func variable(_ name: String) -> FlowValue? {
        if let value = variables[name] { return value }
        guard let deferred = deferredVariables, deferred.names.contains(name) else { return nil }
        return deferred.value(name)
    }

    /// Every variable root with its value, deferred ones included.
    var allVariables: [String: FlowValue] {
        var all = variables
        for name in deferredVariables?.names ?? [] where all[name] == nil {
            if let value = deferredVariables?.value(name) { all[name] = value }
        }
        return all
    }
}

/// Variable roots whose values are computed when read.
public struct DeferredVariables: Sendable {
    /// The roots it provides.
    public var names: Set<String>
    /// The value of a root (nil: undefined).
    public var value: @Sendable (String) -> FlowValue?

    public init(names: Set<String>, value: @escaping @Sendable (String) -> FlowValue?) {
        self.names = names
        self.value = value
    }
}
