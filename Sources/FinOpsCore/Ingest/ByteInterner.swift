#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Assigns dense codes to distinct byte strings without building a `String` for values already seen.
///
/// Open addressing over a power-of-two table; the bytes of each distinct value live in one arena, so a lookup
/// costs a hash and a `memcmp`.
struct ByteInterner {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Per slot, 0 when free; else the code + 1 in the low half and the hash's high half above it, so a probe
    /// rejects most other values without reading them (in a table larger than the cache, each read is a miss).
    private var slots: [UInt64] = Array(repeating: 0, count: 1024)
    private static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000

    /// The number of distinct values.
    var count: Int { hashes.count }

    /// The code of `bytes` and whether the value is new.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> (code: UInt32, isNew: Bool) {
        let hash = hashBytes(bytes)
        let tag = hash & Self.tagMask
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if entry & Self.tagMask == tag {
                let code = Int(truncatingIfNeeded: entry & ~Self.tagMask) - 1
                if equals(code: code, bytes) { return (UInt32(code), false) }
            }
            slot = (slot + 1) & mask
        }
        let code = hashes.count
        hashes.append(hash)
        if let base = bytes.baseAddress {
            arena.append(contentsOf: UnsafeBufferPointer(start: base, count: bytes.count))
        }
        offsets.append(arena.count)
        slots[slot] = tag | UInt64(code + 1)
        if hashes.count * 2 > slots.count { grow() }
        return (UInt32(code), true)
    }

    @inline(__always)
    private func equals(code: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[code]
        let length = offsets[code + 1] - start
        guard length == bytes.count else { return false }
        guard length > 0 else { return true }
        return arena.withUnsafeBufferPointer { arena in
            let lhs = UnsafeRawPointer(arena.baseAddress! + start)
            let rhs = UnsafeRawPointer(bytes.baseAddress!)
            guard length >= 8 else { return memcmp(lhs, rhs, length) == 0 }
            // Word by word, with the last word overlapping: short values are the common case.
            var offset = 0
            while offset + 8 <= length {
                if lhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    != rhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                {
                    return false
                }
                offset += 8
            }
            return offset == length
                || lhs.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
                    == rhs.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
        }
    }

    private mutating func grow() {
        var newSlots = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = newSlots.count - 1
        for (code, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while newSlots[slot] != 0 { slot = (slot + 1) & mask }
            newSlots[slot] = hash & Self.tagMask | UInt64(code + 1)
        }
        slots = newSlots
    }
}

/// A fast 64-bit hash of a byte string, eight bytes at a time (not for security).
func hashBytes(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    guard let base = bytes.baseAddress else { return 0x9E37_79B9_7F4A_7C15 }
    let raw = UnsafeRawPointer(base)
    var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
    var index = 0
    let count = bytes.count
    while index + 8 <= count {
        let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
        hash ^= hash &>> 29
        index += 8
    }
    if index < count {
        var tail: UInt64 = 0
        if count >= 8 {
            // The last eight bytes, overlapping the words already mixed in.
            tail = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else {
            var shift: UInt64 = 0
            while index < count {
                tail |= UInt64(base[index]) &<< shift
                shift += 8
                index += 1
            }
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
    }
    hash ^= hash &>> 32
    hash = hash &* 0xFF51_AFD7_ED55_8CCD
    return hash ^ (hash &>> 29)
}
