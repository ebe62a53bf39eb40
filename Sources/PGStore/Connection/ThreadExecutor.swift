import Foundation

/// A serial executor that runs its jobs on one dedicated thread, so an actor using it can make blocking libpq calls
/// without holding a thread of Swift's cooperative pool.
///
/// libpq allows one `PGconn` to be used by one thread at a time; giving each connection its own thread satisfies
/// that rule by construction. `DispatchSerialQueue` cannot serve as an actor executor on Linux, hence this class.
/// The thread lives as long as the executor: when the executor (and so its actor) is released, the thread finishes
/// the queued jobs and exits.
final class ThreadExecutor: SerialExecutor {
    private let queue = JobQueue()

    /// Starts the thread.
    init(name: String) {
        queue.executor = UnownedSerialExecutor(ordinary: self)
        let queue = self.queue
        let thread = Thread { queue.run() }
        thread.name = name
        thread.start()
    }

    deinit {
        queue.stop()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        queue.append(UnownedJob(job))
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}

/// The jobs waiting for the thread. It does not keep the executor alive: a queued job keeps its actor, and so the
/// executor, alive until it has run.
private final class JobQueue: @unchecked Sendable {
    // @unchecked: `jobs` and `stopping` are only touched with `condition` locked; `executor` is set once, before the
    // thread starts.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false
    var executor: UnownedSerialExecutor?

    func append(_ job: UnownedJob) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: executor!) }
        }
    }
}
