import Foundation

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

    /// What a `Schedule` trigger says about ticks it could not fire on time.
    public struct ScheduleOptions: Sendable, Hashable {
        /// Which missed ticks a scheduler that was down fires when it comes back.
        public enum Recovery: String, Sendable, Hashable {
            /// Every missed tick.
            case all = "ALL"
            /// Only the last missed tick.
            case last = "LAST"
            /// None.
            case none = "NONE"
        }

        /// A tick later than this by the time it can be fired is skipped (`lateMaximumDelay`).
        public var lateMaximumDelay: Duration?
        /// Ticks from this instant on are fired, even those before the scheduler first ran (`backfill.start`).
        public var backfillStart: Date?
        /// `recoverMissedSchedules` (Kestra's default: ALL).
        public var recovery: Recovery = .all

        public init(lateMaximumDelay: Duration? = nil, backfillStart: Date? = nil, recovery: Recovery = .all) {
            self.lateMaximumDelay = lateMaximumDelay
            self.backfillStart = backfillStart
            self.recovery = recovery
        }
    }

    public var id: String
    public var type: String
    public var kind: Kind
    /// A `Schedule` trigger's late-tick options; nil for other triggers.
    public var schedule: ScheduleOptions?
    public var disabled: Bool
    public var inputs: DynamicValue?
    public var location: SourceLocation
}
