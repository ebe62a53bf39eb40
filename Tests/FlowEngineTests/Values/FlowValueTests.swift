import FlowEngine
import Foundation
import Testing

@Suite("Flow values")
struct FlowValueTests {
    @Test("JSON keeps key order and exact numbers both ways")
    func jsonRoundTrip() throws {
        let text = #"{"b":1,"a":[true,null,"x\"y\n"],"c":0.1000000000000000055511151231257827,"d":{}}"#
        let value = try FlowValue(parsingJSON: text)
        #expect(value.json == text)
        #expect(value["b"] == .int(1))
        #expect(value["c"] == .decimal(Decimal(string: "0.1000000000000000055511151231257827")!))
    }

    @Test("JSON errors give the character offset", arguments: [("[1,", 4), ("{\"a\" 1}", 6), ("tru", 4), ("[1] x", 5)])
    func jsonErrors(text: String, offset: Int) {
        let error = #expect(throws: JSONParseError.self) { try FlowValue(parsingJSON: text) }
        #expect(error?.offset == offset)
    }

    @Test("surrogate pairs decode; a high surrogate followed by anything but a low one is an error, not a trap")
    func surrogates() throws {
        #expect(try FlowValue(parsingJSON: #""\uD83D\uDE00""#) == .string("😀"))
        for text in [#""\uD800\u0041""#, #""\uD800\uE000""#, #""\uDBFF\uD800""#] {
            #expect(throws: JSONParseError.self, "\(text)") { try FlowValue(parsingJSON: text) }
        }
    }

    @Test("truthiness follows Kestra: false, 0, -0 and nothing are false")
    func truthiness() {
        #expect(!FlowValue.string("false").isTruthy)
        #expect(!FlowValue.string("-0").isTruthy)
        #expect(!FlowValue.string("").isTruthy)
        #expect(!FlowValue.null.isTruthy)
        #expect(FlowValue.string("no").isTruthy)
        #expect(FlowValue.int(2).isTruthy)
        #expect(!FlowValue.int(0).isTruthy)
    }
}
