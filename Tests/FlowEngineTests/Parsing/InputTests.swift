import FlowEngine
import Foundation
import Testing

@Suite("Flow inputs")
struct InputTests {
    func input(_ type: InputType, _ configure: (inout InputDefinition) -> Void = { _ in }) -> InputDefinition {
        var definition = InputDefinition(id: "x", type: type)
        configure(&definition)
        return definition
    }

    @Test("values are converted to their type")
    func conversions() throws {
        #expect(try input(.int).resolve("42") == 42)
        #expect(try input(.float).resolve("0.1") == .decimal(Decimal(string: "0.1")!))
        #expect(try input(.boolean).resolve("TRUE") == true)
        #expect(try input(.datetime).resolve("2024-01-31T10:00:00+01:00") == "2024-01-31T09:00:00Z")
        #expect(try input(.duration).resolve("PT90M") == "PT1H30M")
        #expect(try input(.json).resolve(#"{"a":[1,2]}"#) == ["a": [1, 2]])
        #expect(try input(.yaml).resolve("a: 1\nb: [x]") == ["a": 1, "b": ["x"]])
        #expect(try input(.array) { $0.itemType = .int }.resolve(#"["1", 2]"#) == [1, 2])
        #expect(try input(.multiselect) { $0.values = ["a", "b"] }.resolve(["b"]) == ["b"])
        #expect(try input(.string) { $0.required = false }.resolve(nil) == .null)
        #expect(try input(.string) { $0.defaults = "d" }.resolve(nil) == "d")
    }

    @Test(
        "bad values name the input and say what was expected",
        arguments: [
            (InputType.int, FlowValue.string("4.5"), "invalid input for `x`, expected an integer, but received `4.5`"),
            (.boolean, "yes", "invalid input for `x`, expected true or false, but received `yes`"),
            (
                .date, "2024-13-01",
                "invalid input for `x`, expected a date such as 2024-01-31, but received `2024-13-01`"
            ),
            (
                .uri, "http:/bla",
                "invalid input for `x`, expected a URI such as https://example.com/path, but received `http:/bla`"
            ),
            (.email, "someone", "invalid input for `x`, expected an email address, but received `someone`"),
            (.string, nil, "invalid input for `x`, missing required input, but received `null`"),
        ]
    )
    func errors(type: InputType, value: FlowValue?, message: String) {
        let error = #expect(throws: InputError.self) { try input(type).resolve(value) }
        #expect(error?.description == message)
    }

    @Test("constraints: validator, min/max, after/before, choices")
    func constraints() {
        #expect(throws: InputError.self) { try input(.string) { $0.validator = "[a-z]+" }.resolve("abc1") }
        #expect(throws: Never.self) { try input(.string) { $0.validator = "[a-z]+" }.resolve("abc") }
        #expect(throws: InputError.self) { try input(.int) { $0.max = 10 }.resolve(11) }
        #expect(throws: InputError.self) { try input(.duration) { $0.min = "PT1M" }.resolve("PT30S") }
        #expect(throws: InputError.self) { try input(.date) { $0.after = "2024-01-01" }.resolve("2024-01-01") }
        #expect(throws: InputError.self) { try input(.select) { $0.values = ["a"] }.resolve("b") }
        #expect(throws: Never.self) {
            try input(.select) {
                $0.values = ["a"]
                $0.allowCustomValue = true
            }.resolve("b")
        }
    }
}
