// Allocation rules and budgets files (the first byte chooses): read or refused naming the file, never a trap or a
// hang.
import FinOpsAnalytics
import FuzzSupport

Fuzzer.run { input in
    let text = String(decoding: input.dropFirst(), as: UTF8.self)
    do {
        if input.first.map({ $0 & 1 == 1 }) == true {
            _ = try AllocationRules(yaml: text, path: "rules.yml")
        } else {
            _ = try Budget.load(yaml: text, path: "budgets.yml")
        }
    } catch {
        _ = "\(error)"
    }
}
