import CFinOpsSystem
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bytes to a file through a buffer, keeping a CRC-32 of everything written.
final class BufferedFileWriter {
    let path: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20
    private(set) var crc = CRC32.initial
    private(set) var bytesWritten = 0

    /// Bytes appended but not yet written.
    var pendingCount: Int { buffer.count }

    init(path: String) throws(CostStoreError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw CostStoreError(.io, "cannot create \(path): \(systemError())") }
        buffer.reserveCapacity(flushThreshold * 2)
    }

    deinit {
        close(descriptor)
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws(CostStoreError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Appends the raw bytes of an array; large arrays are written directly, without copying into the buffer.
    func append<T>(array: [T]) throws(CostStoreError) {
        try withBytes(of: array) { (raw) throws(CostStoreError) in
            if raw.count < flushThreshold {
                try append(raw)
            } else {
                try flush()
                try writeDirectly(raw)
            }
        }
    }

    private func writeDirectly(_ raw: UnsafeRawBufferPointer) throws(CostStoreError) {
        crc = CRC32.update(crc, raw)
        var offset = 0
        while offset < raw.count {
            let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw CostStoreError(.io, "cannot write \(path): \(systemError())")
            }
            offset += written
        }
        bytesWritten += raw.count
    }

    func append(_ bytes: [UInt8]) throws(CostStoreError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    func flush() throws(CostStoreError) {
        guard !buffer.isEmpty else { return }
        try withBytes(of: buffer) { (raw) throws(CostStoreError) in try writeDirectly(raw) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Asks the kernel to start writing what was written so far to the disk, without waiting, so the final
    /// ``sync()`` has less left to do (Linux; elsewhere a no-op).
    func startWriteback() {
        _ = finops_start_writeback(descriptor)
    }

    /// Flushes and forces the data to the disk.
    func sync() throws(CostStoreError) {
        try flush()
        guard fsync(descriptor) == 0 else { throw CostStoreError(.io, "cannot sync \(path): \(systemError())") }
    }
}

/// Runs `body` on an array's bytes; `Array.withUnsafeBytes` only rethrows untyped errors.
private func withBytes<T>(
    of array: [T],
    _ body: (UnsafeRawBufferPointer) throws(CostStoreError) -> Void
) throws(CostStoreError) {
    let failure = array.withUnsafeBytes { raw -> CostStoreError? in
        do throws(CostStoreError) {
            try body(raw)
            return nil
        } catch {
            return error
        }
    }
    if let failure { throw failure }
}

/// Appends little-endian values to a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ text: String) {
        append(UInt32(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    mutating func append<T>(contentsOf array: [T]) {
        array.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
}

/// Reads little-endian values from bytes, failing (not trapping) on truncated input.
struct ByteReader {
    struct Truncated: Error {}

    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws(Truncated) -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { throw Truncated() }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    mutating func readString() throws(Truncated) -> String {
        let length = Int(try read(UInt32.self))
        guard offset + length <= bytes.count else { throw Truncated() }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]), as: UTF8.self)
        offset += length
        return text
    }

    mutating func readArray<T>(of _: T.Type, count: Int) throws(Truncated) -> [T] {
        let size = MemoryLayout<T>.stride * count
        guard count >= 0, offset + size <= bytes.count else { throw Truncated() }
        let source = bytes.baseAddress! + offset
        offset += size
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if size > 0 { memcpy(buffer.baseAddress!, source, size) }
            initialized = count
        }
    }

    /// How much room to reserve for `count` items of at least `bytesEach` bytes each: never more than the bytes
    /// left could hold, so a damaged count cannot ask for an allocation the data could never fill.
    func capacity(for count: Int, bytesEach: Int) -> Int {
        max(0, min(count, (bytes.count - offset) / bytesEach))
    }

    mutating func skip(_ count: Int) throws(Truncated) {
        guard offset + count <= bytes.count else { throw Truncated() }
        offset += count
    }
}

// A named wrapper, because `rename` is shadowed by a function of ours.
func posixRename(_ from: String, _ to: String) -> Int32 {
    rename(from, to)
}

// A named wrapper, because period files' `open` shadows `open` in their methods.
func posixOpenForReading(_ path: String) -> Int32 {
    open(path, O_RDONLY)
}

// A named wrapper, because a store's `close()` shadows `close` in its methods.
func posixClose(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// Reads `buffer.count` bytes of a file at `offset` (fewer only at its end), retrying interrupted and short reads.
///
/// - Returns: The bytes read.
func readFully(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Result<Int, Errno> {
    var done = 0
    while done < buffer.count {
        let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
        if count < 0 {
            if errno == EINTR { continue }
            return .failure(Errno(errno))
        }
        if count == 0 { break }
        done += count
    }
    return .success(done)
}

/// An `errno` value, for the platform helpers' results.
struct Errno: Error {
    let code: Int32

    init(_ code: Int32) { self.code = code }

    var description: String { systemError(code) }
}

/// A read-only memory map of a whole file.
final class MappedFile {
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws(CostStoreError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw CostStoreError(.io, "cannot open \(path): \(systemError())") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw CostStoreError(.io, "cannot stat \(path): \(systemError())") }
        let size = Int(info.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw CostStoreError(.io, "cannot map \(path): \(systemError())")
        }
        _ = madvise(address, size, MADV_SEQUENTIAL)
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// Unmaps every page read so far (the page cache keeps them for the next read). The kernel maps a file's pages
    /// in large folios, so releasing only the bytes a read used leaves their neighbours mapped: a read in windows
    /// calls this between windows so that its resident size stays that of one window.
    func releasePages() {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base), bytes.count, MADV_DONTNEED)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

/// The whole content of a small file.
func readFile(_ path: String) throws(CostStoreError) -> [UInt8] {
    let file = try MappedFile(path: path)
    return Array(file.bytes)
}
