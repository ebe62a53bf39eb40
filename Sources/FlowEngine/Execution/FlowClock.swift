import Foundation
import Synchronization

/// The time an engine runs on: the real clock, or a virtual one under which sleeps, retries, pauses and timeouts
/// take no real time.
public protocol FlowClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Returns at `deadline` (at once if it has passed); throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
    /// Whether time only moves when the engine sleeps: then a timeout cannot interrupt work in real time, and is
    /// enforced when the task sleeps past its deadline.
    var isVirtual: Bool { get }
}

/// The system's clock.
public struct SystemClock: FlowClock {
    public init() {}

    public var now: Date { Date() }

    public func sleep(until deadline: Date) async throws {
        // A day at a time: Task.sleep counts nanoseconds, which a far deadline would overflow.
        while true {
            let interval = deadline.timeIntervalSinceNow
            guard interval > 0 else { return try Task.checkCancellation() }
            try await Task.sleep(for: .seconds(Swift.min(interval, 86_400)))
        }
    }

    public var isVirtual: Bool { false }
}

/// A clock whose time moves only when something sleeps (to the sleeper's deadline) or when it is advanced.
///
/// Sleeps end at once: a flow with hours of retries and pauses runs in microseconds, deterministically. Sleeps that
/// overlap (in parallel branches) each move it to their own deadline when that is later.
public final class VirtualClock: FlowClock {
    private let current: Mutex<Date>

    /// A clock starting at a given time.
    public init(start: Date = Date(timeIntervalSince1970: 1_704_067_200)) {
        current = Mutex(start)
    }

    public var now: Date { current.withLock { $0 } }

    public func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        current.withLock { now in if deadline > now { now = deadline } }
        await Task.yield()
        try Task.checkCancellation()
    }

    /// Moves the time forward.
    public func advance(by duration: Duration) {
        current.withLock { now in now = now.addingTimeInterval(duration.timeInterval) }
    }

    public var isVirtual: Bool { true }
}

extension Duration {
    /// The duration in seconds.
    package var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

extension Date {
    func adding(_ duration: Duration) -> Date { addingTimeInterval(duration.timeInterval) }
}
