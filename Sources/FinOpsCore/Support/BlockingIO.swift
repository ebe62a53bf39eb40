import Dispatch

/// Blocking file work run outside Swift's cooperative pool, whose few threads must not wait on disks.
package enum BlockingIO {
    /// Runs `work` on a dispatch thread and returns its result.
    package static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}
