// A flow file parsed and validated: a flow or diagnostics with lines and columns, never a trap or a hang.
import FlowEngine
import FuzzSupport

private let parser = FlowParser()

Fuzzer.run { input in
    let text = String(decoding: input, as: UTF8.self)
    do {
        _ = try parser.parse(text, file: "fuzz.yml")
    } catch {
        _ = "\(error)"
    }
}
