import Foundation
import Testing

@testable import FinOpsCore

@Suite("Period file checksums")
struct ChecksumTests {
    @Test("a file's CRC-32 read in pieces on several cores equals the one computed in one pass")
    func fileEqualsSerial() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("finops-crc-\(getpid()).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
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
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let expected = bytes.withUnsafeBytes { CRC32.update(CRC32.initial, $0) }
            #expect(try Self.fileCRC(path, count: size) == expected, "\(size) bytes")
            // The check still catches one changed byte far from the first piece.
            guard size > 30 << 20 else { continue }
            bytes[(29 << 20) + 5] ^= 1
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(try Self.fileCRC(path, count: size) != expected)
        }
        // A file shorter than the size asked for is an error, not a checksum.
        #expect(throws: Errno.self) { try Self.fileCRC(path, count: (40 << 20) + 12_346) }
    }

    private static func fileCRC(_ path: String, count: Int) throws -> UInt {
        let descriptor = posixOpenForReading(path)
        defer { posixClose(descriptor) }
        return try CRC32.ofFile(descriptor, count: count).get()
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
