import Foundation

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The input handler: set once, before libFuzzer starts calling it from its one thread.
nonisolated(unsafe) private var handler: (UnsafeRawBufferPointer) -> Void = { _ in }

/// Runs libFuzzer (its command-line options as given) on a handler of each input, the program's entry point.
public enum Fuzzer {
    public static func run(_ body: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
        handler = body
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(
            runDriver(&argc, &argv) { data, size in
                handler(UnsafeRawBufferPointer(start: data, count: size))
                return 0
            }
        )
    }
}

/// libFuzzer's entry for one input, should its own `main` be the one that runs: the handler ``Fuzzer/run(_:)`` set.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    handler(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
