import Testing

@testable import FinOpsCore

@Suite("Period file checksums")
struct ChecksumTests {
    @Test("a CRC-32 computed in pieces on several cores equals the one computed in one pass")
    func parallelEqualsSerial() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for size in [0, 1, 1_000, 24 << 20, (40 << 20) + 12_345] {
            var bytes = [UInt8](repeating: 0, count: size)
            bytes.withUnsafeMutableBytes { raw in
                // xorshift, a word at a time: random enough for a checksum and fast in a debug build.
                for offset in stride(from: 0, to: size - size % 8, by: 8) {
                    state ^= state << 13
                    state ^= state >> 7
                    state ^= state << 17
                    raw.storeBytes(of: state, toByteOffset: offset, as: UInt64.self)
                }
            }
            bytes.withUnsafeBytes { raw in
                #expect(CRC32.parallel(raw) == CRC32.update(CRC32.initial, raw), "\(size) bytes")
            }
        }
        // The check still catches one changed byte far from the first piece.
        var bytes = [UInt8](repeating: 7, count: 30 << 20)
        let before = bytes.withUnsafeBytes { CRC32.parallel($0) }
        bytes[(29 << 20) + 5] ^= 1
        #expect(bytes.withUnsafeBytes { CRC32.parallel($0) } != before)
    }
}
