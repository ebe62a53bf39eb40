/// What the program running a flow hands to its tasks (a database, a directory for files, an HTTP client), found by
/// type.
///
/// The engine knows nothing of the services it carries: a program adds its own task types and puts what they need
/// here, so that tasks never reach for globals and tests hand in their own.
///
/// ```swift
/// var runner = FlowRunner()
/// runner.services[Warehouse.self] = Warehouse(url: url)
/// // in a task's run(_:)
/// guard let warehouse = context.services[Warehouse.self] else { throw TaskFailure("no warehouse was given") }
/// ```
public struct TaskServices: Sendable {
    private var values: [ObjectIdentifier: any Sendable] = [:]

    /// No services.
    public init() {}

    /// The service of a type, or `nil` when none was given.
    public subscript<Service: Sendable>(_ type: Service.Type) -> Service? {
        get { values[ObjectIdentifier(type)] as? Service }
        set { values[ObjectIdentifier(type)] = newValue }
    }
}
