import OrderedCollections

/// A kind of runnable task: the extension point through which a program adds its own task types to the engine.
///
/// A flow names the type in `type:`; the engine reads the common properties (`id`, `retry`, `timeout`, `runIf`,
/// `allowFailure`, …) itself and hands the rest to ``init(properties:)``, which reads them with their types and
/// reports what is wrong. Properties it does not read are reported as unknown. ``run(_:)`` is one attempt: it renders
/// its templates through the context, may log and sleep, and returns its outputs (available to later tasks as
/// `outputs.<taskId>.<name>`) or throws to fail the attempt.
///
/// ```swift
/// struct Greet: TaskType {
///     static let typeNames = ["com.example.Greet"]
///     let name: Template
///
///     init(properties: TaskProperties) throws {
///         guard let name = properties.template("name", required: true) else { throw properties.invalid }
///         self.name = name
///     }
///
///     func run(_ context: TaskContext) async throws -> TaskOutputs {
///         let greeting = "Hello, \(try context.render(name))!"
///         context.log(.info, greeting)
///         return ["greeting": .string(greeting)]
///     }
/// }
/// ```
public protocol TaskType: Sendable {
    /// The names `type:` may use for this task, the current one first, then older aliases.
    static var typeNames: [String] { get }

    /// Reads the task's own properties; throws (usually ``TaskProperties/invalid``) when it cannot be built.
    init(properties: TaskProperties) throws

    /// Runs one attempt of the task.
    func run(_ context: TaskContext) async throws -> TaskOutputs
}

/// What a task run produced: available to later tasks as `outputs.<taskId>.<name>`.
public typealias TaskOutputs = OrderedDictionary<String, FlowValue>

/// A task that could not be built from its properties; its problems were already reported.
public struct InvalidTaskError: Error, Sendable {}

extension TaskProperties {
    /// The error to throw from ``TaskType/init(properties:)`` after reporting a problem.
    public var invalid: InvalidTaskError { InvalidTaskError() }
}

/// The task types an engine knows, by every name they may be written with.
public struct TaskRegistry: Sendable {
    private var types: [String: any TaskType.Type] = [:]

    /// A registry with no task types (flowable tasks such as Sequential or ForEach are always known).
    public init() {}

    /// The core runnable tasks: Log, Return, Echo, OutputValues, Fail, Labels and Sleep.
    public static var core: TaskRegistry {
        var registry = TaskRegistry()
        for type in coreTaskTypes { registry.register(type) }
        return registry
    }

    /// Adds a task type under each of its names (a later registration of a name wins).
    public mutating func register(_ type: any TaskType.Type) {
        for name in type.typeNames { types[name] = type }
    }

    /// The task type written with this name.
    public func type(named name: String) -> (any TaskType.Type)? { types[name] }

    /// Every name known.
    public var typeNames: [String] { types.keys.sorted() }
}
