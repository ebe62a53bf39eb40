import OrderedCollections

/// A flow as written in YAML, read and validated: what the engine runs.
public struct Flow: Sendable {
    public var id: String
    public var namespace: String
    public var revision: Int?
    public var description: String?
    /// Copied to every execution of the flow.
    public var labels: OrderedDictionary<String, String>
    public var inputs: [InputDefinition]
    /// Exposed as `vars`, not rendered (use `render(vars.x)`, as in Kestra).
    public var variables: OrderedDictionary<String, FlowValue>
    /// Run in order, like a Sequential.
    public var tasks: [TaskDefinition]
    /// Run when a task of `tasks` failed; the execution still ends FAILED.
    public var errors: [TaskDefinition]
    /// Always run after `tasks` (and `errors`).
    public var finally: [TaskDefinition]
    public var outputs: [OutputDefinition]
    /// The retry of tasks that have none of their own nor from an enclosing flowable.
    public var retry: RetryPolicy?
    public var disabled: Bool
    public var triggers: [TriggerDefinition]
    /// The file the flow was read from, for messages.
    public var file: String?

    /// Every task of the flow, nested ones included, in the order written.
    public var allTasks: [TaskDefinition] {
        (tasks + errors + finally).flatMap { [$0] + $0.descendants }
    }
}

/// A flow output: an expression rendered when the execution ends, converted to a type.
public struct OutputDefinition: Sendable {
    public var id: String
    public var type: InputType
    public var value: DynamicValue
    public var description: String?
    public var location: SourceLocation
}
