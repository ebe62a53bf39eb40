// A FOCUS export, plain or gzip (the first byte chooses), read to its end: rows or an error naming its place, never
// a trap or a hang.
import FinOpsCore
import Foundation
import FuzzSupport

private let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
private let plain = "\(folder)/finops-fuzz-\(getpid()).csv"
private let gzip = "\(folder)/finops-fuzz-\(getpid()).csv.gz"

Fuzzer.run { input in
    let bytes = Data(input)
    let path = bytes.first.map { $0 & 1 == 1 } == true ? gzip : plain
    guard FileManager.default.createFile(atPath: path, contents: bytes.dropFirst()) else { return }
    for skip in [false, true] {
        var options = FocusReadOptions(skipInvalidRows: skip)
        options.batchSize = 7
        // Small buffers: a record longer than one grows it (a path worth fuzzing), and each input does not pay for
        // poisoning two 16 MiB buffers.
        options.bufferSize = 256
        do {
            let reader = try FocusCSVReader(path: path, options: options)
            while let batch = try reader.nextBatch() { _ = batch.table.rowCount }
        } catch {
            _ = "\(error)"
        }
    }
}
