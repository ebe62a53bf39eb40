import CFinOpsSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file's bytes, decompressing gzip transparently (plain files pass through unchanged).
final class FileInput {
    let path: String
    private var handle: gzFile?
    /// The size of the file on disk, for progress.
    let fileSize: Int64

    init(path: String) throws(IngestError) {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw IngestError(.unreadableFile, IngestIssue(file: path, message: "cannot open: \(systemError())"))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw IngestError(.unreadableFile, IngestIssue(file: path, message: "not a regular file"))
        }
        fileSize = Int64(info.st_size)
        guard let handle = gzopen(path, "rb") else {
            throw IngestError(.unreadableFile, IngestIssue(file: path, message: "cannot open: \(systemError())"))
        }
        // zlib's buffers (twice this size when decompressing) need not outgrow a small file.
        gzbuffer(handle, UInt32(min(1 << 20, max(1 << 16, fileSize))))
        self.handle = handle
    }

    deinit {
        if let handle { gzclose_r(handle) }
    }

    /// Reads up to `count` bytes; returns 0 at the end of the data.
    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws(IngestError) -> Int {
        guard let handle else { return 0 }
        let read = gzread(handle, buffer, UInt32(min(count, Int(Int32.max))))
        if read < 0 || (read == 0 && zlibError() != Z_OK) {
            var code: Int32 = 0
            let message = gzerror(handle, &code).map { String(cString: $0) } ?? "read error"
            let detail = code == Z_BUF_ERROR ? "compressed data ends early (truncated file): \(message)" : message
            throw IngestError(
                code == Z_ERRNO ? .unreadableFile : .corruptCompression,
                IngestIssue(file: path, message: code == Z_ERRNO ? "read failed: \(systemError())" : detail)
            )
        }
        return Int(read)
    }

    /// How far into the file on disk reading has got.
    var bytesConsumed: Int64 {
        guard let handle else { return fileSize }
        return Int64(gzoffset(handle))
    }

    private func zlibError() -> Int32 {
        guard let handle else { return Z_OK }
        var code: Int32 = 0
        _ = gzerror(handle, &code)
        return code
    }
}

func systemError(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
