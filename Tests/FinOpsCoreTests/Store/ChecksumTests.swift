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

    @Test(
        "CRC-32 by carry-less multiplication equals the bitwise definition: every length to 300, any alignment, resumed"
    )
    func foldingEqualsDefinition() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let bytes = (0..<4_096).map { _ -> UInt8 in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        bytes.withUnsafeBytes { raw in
            for length in 0...300 {
                for offset in [0, 1, 7, 15] {
                    let piece = UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length])
                    #expect(CRC32.update(CRC32.initial, piece) == Self.bitwise(0, piece), "\(length) at \(offset)")
                }
            }
            // A long buffer, and the same bytes resumed from a CRC at an odd split.
            let whole = UnsafeRawBufferPointer(rebasing: raw[3..<4_000])
            #expect(CRC32.update(CRC32.initial, whole) == Self.bitwise(0, whole))
            let first = CRC32.update(CRC32.initial, UnsafeRawBufferPointer(rebasing: raw[3..<1_234]))
            #expect(CRC32.update(first, UnsafeRawBufferPointer(rebasing: raw[1_234..<4_000])) == Self.bitwise(0, whole))
        }
        // The standard check value: CRC-32 of "123456789".
        Array("123456789".utf8).withUnsafeBytes { #expect(CRC32.update(CRC32.initial, $0) == 0xCBF4_3926) }
        let zeros = [UInt8](repeating: 0, count: 1_000)
        zeros.withUnsafeBytes { #expect(CRC32.update(CRC32.initial, $0) == Self.bitwise(0, $0)) }
    }

    /// CRC-32 bit by bit (reflected polynomial 0xEDB88320, inverted in and out), as zlib defines it.
    private static func bitwise(_ crc: UInt, _ bytes: UnsafeRawBufferPointer) -> UInt {
        var value = ~UInt32(truncatingIfNeeded: crc)
        for byte in bytes {
            value ^= UInt32(byte)
            for _ in 0..<8 { value = (value >> 1) ^ (0xEDB8_8320 & (0 &- (value & 1))) }
        }
        return UInt(~value)
    }
}
