// Decimal text parsed, printed, rounded and added: a value or an error, never a trap.
import FinOpsCore
import FuzzSupport

Fuzzer.run { input in
    guard let value = try? input.withMemoryRebound(to: UInt8.self, { try ExactDecimal.parse(utf8: $0) }) else {
        return
    }
    // What prints reads back as the same value.
    guard ExactDecimal(value.description) == value else { fatalError("\(value) does not read back") }
    for places in [0, 2, 18] { _ = value.formatted(places: places) }
    _ = try? value.adding(value)
    _ = try? value.subtracting(ExactDecimal.greatestFiniteMagnitude)
    _ = try? value.multiplied(by: input.count)
}
