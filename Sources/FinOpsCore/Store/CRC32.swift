import CFinOpsSystem
import Dispatch
import Foundation

/// CRC-32 (zlib's polynomial), the checksum of stored data in both stores; one copy for every module of the package.
package enum CRC32 {
    /// The CRC of no bytes.
    package static let initial: UInt = crc32(0, nil, 0)

    /// The CRC-32 of `bytes`, continuing from `crc`.
    package static func update(_ crc: UInt, _ bytes: UnsafeRawBufferPointer) -> UInt {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return finops_crc32(crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// The CRC-32 of `bytes`, continuing from `crc`.
    package static func update(_ crc: UInt, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt {
        update(crc, UnsafeRawBufferPointer(bytes))
    }

    /// The CRC-32 of `first` followed by `length` bytes whose own CRC-32 is `second`.
    package static func combine(_ first: UInt, _ second: UInt, length: Int) -> UInt {
        crc32_combine(first, second, off_t(length))
    }

    /// The CRC-32 of the first `count` bytes of an open file, read with `pread` in pieces on all cores and combined.
    ///
    /// Reading copies from the page cache into a few reused buffers; mapping the file instead would cost a page-table
    /// entry per page, mapped and then unmapped, several times the copy for a file read once.
    static func ofFile(_ descriptor: Int32, count: Int) -> Result<UInt, Errno> {
        let buffer = 4 << 20
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count / (2 * buffer)))
        // Contiguous ranges, one per worker, in whole buffers.
        let share = (count / workers + buffer - 1) / buffer * buffer
        let results = UncheckedSendable(UnsafeMutableBufferPointer<Result<UInt, Errno>>.allocate(capacity: workers))
        results.value.initialize(repeating: .success(initial))
        defer { results.value.deallocate() }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let lower = min(worker * share, count)
            let upper = min(lower + share, count)
            let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer, alignment: 4096)
            defer { piece.deallocate() }
            var crc = initial
            var offset = lower
            while offset < upper {
                let wanted = UnsafeMutableRawBufferPointer(rebasing: piece[0..<min(buffer, upper - offset)])
                switch readFully(descriptor, into: wanted, at: offset) {
                case .success(let read) where read == wanted.count:
                    crc = update(crc, UnsafeRawBufferPointer(wanted))
                    offset += read
                case .success:
                    results.value[worker] = .failure(Errno(EIO))
                    return
                case .failure(let error):
                    results.value[worker] = .failure(error)
                    return
                }
            }
            results.value[worker] = .success(crc)
        }
        var crc = initial
        for worker in 0..<workers {
            let lower = min(worker * share, count)
            switch results.value[worker] {
            case .success(let part): crc = combine(crc, part, length: min(lower + share, count) - lower)
            case .failure(let error): return .failure(error)
            }
        }
        return .success(crc)
    }

    /// Eight lowercase hex digits, as manifests record checksums.
    package static func hex(_ crc: UInt) -> String {
        let text = String(crc, radix: 16)
        return String(repeating: "0", count: max(0, 8 - text.count)) + text
    }
}

/// CRC-32C (Castagnoli), the checksum of each block of a period file: with the processor's instruction it checks
/// several GB a second, so a read verifies every byte it uses.
package enum CRC32C {
    /// The CRC-32C of `bytes`, continuing from `crc` (0 to start).
    package static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return finops_crc32c(crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }
}
