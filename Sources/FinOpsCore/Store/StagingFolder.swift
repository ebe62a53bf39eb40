import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A folder under a store's `staging/` where one writer (a load, an upgrade) prepares period files. It holds an
/// exclusive lock on its `owner.lock` while it lives, so opening the store removes only the folders of writers that
/// died; ``remove()`` deletes it when the work is published or abandoned.
final class StagingFolder {
    let url: URL
    private let ownerLock: Int32

    init(in store: EmbeddedCostStore) throws(CostStoreError) {
        url = store.directory.appendingPathComponent("staging").appendingPathComponent(UUID().uuidString)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw CostStoreError(.io, "cannot create \(url.path): \(error.localizedDescription)")
        }
        let lockPath = url.appendingPathComponent("owner.lock").path
        let descriptor = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            let failure = CostStoreError(.io, "cannot create \(lockPath): \(systemError())")
            try? FileManager.default.removeItem(at: url)
            throw failure
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure = CostStoreError(.io, "cannot lock \(lockPath): \(systemError())")
            close(descriptor)
            try? FileManager.default.removeItem(at: url)
            throw failure
        }
        ownerLock = descriptor
    }

    deinit {
        close(ownerLock)
    }

    /// The path of a file in the folder.
    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
