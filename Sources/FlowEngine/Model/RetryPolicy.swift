/// When and how often a failed task is attempted again.
public struct RetryPolicy: Sendable, Hashable {
    /// How the wait between attempts grows.
    public enum Backoff: Sendable, Hashable {
        /// The same interval every time.
        case constant(Duration)
        /// `interval × factor^(n − 1)` before attempt n + 1, at most `maxInterval`.
        case exponential(interval: Duration, maxInterval: Duration, factor: Double)
        /// A random wait between the two bounds.
        case random(min: Duration, max: Duration)
    }

    public var backoff: Backoff
    /// Every attempt counts, the first included.
    public var maxAttempts: Int?
    /// No attempt starts this long or longer after the first one started.
    public var maxDuration: Duration?
    /// A task that succeeds only after a retry ends WARNING.
    public var warningOnRetry: Bool

    public init(backoff: Backoff, maxAttempts: Int?, maxDuration: Duration?, warningOnRetry: Bool = false) {
        self.backoff = backoff
        self.maxAttempts = maxAttempts
        self.maxDuration = maxDuration
        self.warningOnRetry = warningOnRetry
    }

    /// The wait after the given failed attempt (1-based), or `nil` when no attempt follows.
    ///
    /// - Parameters:
    ///   - attempt: the attempt that failed.
    ///   - elapsed: the time since the first attempt started.
    ///   - random: a number in `0..<1`, for the random backoff.
    public func delay(after attempt: Int, elapsed: Duration, random: Double) -> Duration? {
        if let maxAttempts, attempt >= maxAttempts { return nil }
        let wait: Duration
        switch backoff {
        case .constant(let interval):
            wait = interval
        case .exponential(let interval, let maxInterval, let factor):
            // In seconds as a Double, so a large factor or interval saturates at maxInterval instead of overflowing.
            var seconds = interval.timeInterval
            let cap = maxInterval.timeInterval
            for _ in 1..<max(attempt, 1) {
                seconds *= factor
                if !(seconds < cap) { break }
            }
            wait = seconds < cap ? .seconds(seconds) : maxInterval
        case .random(let low, let high):
            wait = .seconds(low.timeInterval + (high.timeInterval - low.timeInterval) * random)
        }
        // As in Kestra, an attempt due exactly at maxDuration does not start (PT2S apart within PT6S: 3 attempts).
        if let maxDuration, elapsed.timeInterval + wait.timeInterval >= maxDuration.timeInterval { return nil }
        return wait
    }
}
