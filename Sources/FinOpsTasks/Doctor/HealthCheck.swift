/// One finding of ``Doctor``: what was checked, how it stands, and what fixes it.
public struct HealthCheck: Sendable, Hashable, Codable {
    /// How a check stands, worst last.
    public enum Status: String, Sendable, Hashable, Codable, Comparable {
        /// Fine.
        case green
        /// Works, but needs attention soon.
        case yellow
        /// Broken: something a user relies on fails.
        case red

        public static func < (lhs: Status, rhs: Status) -> Bool {
            let order: [Status] = [.green, .yellow, .red]
            return order.firstIndex(of: lhs) ?? 0 < order.firstIndex(of: rhs) ?? 0
        }
    }

    /// What kind of finding, for programs that react to some (the command line adds the commands that fix them).
    public enum Code: String, Sendable, Hashable, Codable {
        case storeUnreachable = "store-unreachable"
        case schemaOutdated = "schema-outdated"
        case storeCorrupt = "store-corrupt"
        case storeVerified = "store-verified"
        case storeEmpty = "store-empty"
        case dataStale = "data-stale"
        case dataFresh = "data-fresh"
        case diskSpace = "disk-space"
        case flowInvalid = "flow-invalid"
        case flowsValid = "flows-valid"
        case schedule = "schedule"
        case scheduleNeverFires = "schedule-never-fires"
    }

    /// The verdict.
    public var status: Status
    /// The kind of finding.
    public var code: Code
    /// What was checked: `store`, `disk`, a flow file, a trigger.
    public var subject: String
    /// What was found.
    public var message: String
    /// What to do, in the library's terms, when the status is not green.
    public var fix: String?

    public init(_ status: Status, _ code: Code, subject: String, message: String, fix: String? = nil) {
        self.status = status
        self.code = code
        self.subject = subject
        self.message = message
        self.fix = fix
    }
}
