import FinOpsCore
import Foundation
import Synchronization

/// A progress line on stderr, shown only when stderr is a terminal and the work has taken more than a second.
final class ProgressLine: Sendable {
    private struct State {
        var started = Date()
        var lastDrawn: Date?
        var shown = false
    }

    private let state = Mutex(State())
    private let enabled = isatty(STDERR_FILENO) == 1

    func update(_ progress: IngestProgress) {
        guard enabled else { return }
        let now = Date()
        let draw = state.withLock { state -> Bool in
            guard now.timeIntervalSince(state.started) > 1 else { return false }
            if let last = state.lastDrawn, now.timeIntervalSince(last) < 0.2 { return false }
            state.lastDrawn = now
            state.shown = true
            return true
        }
        guard draw else { return }
        let percent = progress.fileSize > 0 ? Int(progress.bytesRead * 100 / progress.fileSize) : 0
        let line = "\r\(progress.path): \(min(percent, 100))%, \(progress.rows) rows\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled, state.withLock({ $0.shown }) else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
