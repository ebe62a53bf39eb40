import Dispatch

/// Work split into consecutive ranges of rows (or series) run on all cores at once; shared with FinOpsAnalytics.
package enum Parts {
    /// The results of `body` for `count` consecutive parts of `0..<total`, in part order (so merging them does not
    /// depend on thread timing).
    package static func map<Result>(_ total: Int, into count: Int, _ body: @Sendable (Range<Int>) -> Result) -> [Result]
    {
        let slots = Slots<Result>(.allocate(capacity: count))
        slots.buffer.initialize(repeating: nil)
        defer {
            // Results can hold large arrays: release them with the buffer.
            slots.buffer.deinitialize()
            slots.buffer.deallocate()
        }
        DispatchQueue.concurrentPerform(iterations: count) { part in
            slots.buffer[part] = body((total * part / count)..<(total * (part + 1) / count))
        }
        return slots.buffer.map { $0! }
    }

    /// Each worker writes only its own slot.
    private struct Slots<Result>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Result?>

        init(_ buffer: UnsafeMutableBufferPointer<Result?>) {
            self.buffer = buffer
        }
    }
}
