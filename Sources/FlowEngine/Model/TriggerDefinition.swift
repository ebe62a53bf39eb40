/// A trigger of a flow, read and checked; the engine does not start executions from triggers by itself.
public struct TriggerDefinition: Sendable {
    public enum Kind: Sendable {
        /// `trigger.Schedule`: the cron expression and its time zone.
        case schedule(cron: CronExpression, timeZone: String?)
        /// `trigger.Flow`: starts after other flows' executions (conditions are kept as written).
        case flow
        /// `trigger.Webhook` with its key.
        case webhook(key: String)
    }

    public var id: String
    public var type: String
    public var kind: Kind
    public var disabled: Bool
    public var inputs: DynamicValue?
    public var location: SourceLocation
}
