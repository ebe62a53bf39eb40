import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

/// Every malformed input gives an error naming the file, row, column and value; none crashes.
@Suite("Malformed inputs")
struct MalformedInputTests {
    private func error(reading text: String) throws -> IngestError {
        let path = Fixtures.file(text)
        do {
            _ = try Fixtures.readAll(path)
        } catch let error as IngestError {
            #expect(error.issue.file == path)
            return error
        }
        Issue.record("reading did not fail")
        throw CancellationError()
    }

    @Test("bad quoting: a quote inside an unquoted field")
    func quoteInUnquotedField() throws {
        let text = Fixtures.csv([[:], ["ChargeDescription": "marker"]])
        let error = try error(reading: text.replacingOccurrences(of: ",marker,", with: ",mark\"er,"))
        #expect(error.code == .badQuoting)
        #expect(error.issue.row == 2)
        #expect(error.issue.line == 3)
        #expect(error.description.contains("a quote inside unquoted field 9"))
    }

    @Test("bad quoting: text after a closing quote, and a quote never closed")
    func unclosedQuote() throws {
        let header = Fixtures.csv([]).dropLast()
        let row = Fixtures.csv([[:]]).split(separator: "\n")[1]
        let afterQuote = try error(
            reading: "\(header)\n\(row.replacingOccurrences(of: ",compute,", with: ",\"compute\"x,"))\n"
        )
        #expect(afterQuote.code == .badQuoting)
        #expect(afterQuote.description.contains("after the closing quote of field 9"))
        #expect(afterQuote.issue.column == "ChargeDescription")
        // The third row starts on line 4; a quoted field with a line end inside comes first, so the quote of Tags that
        // is never closed opens on line 5.
        let lastRow = Fixtures.csv([["Tags": "marker"]]).split(separator: "\n")[1]
        let broken = lastRow.replacingOccurrences(of: ",marker", with: ",\"{marker")
            .replacingOccurrences(of: ",compute,", with: ",\"com\npute\",")
        let unclosed = try error(reading: "\(header)\n\(row)\n\(row)\n\(broken)\n")
        #expect(unclosed.code == .badQuoting)
        #expect(unclosed.issue.column == "Tags")
        #expect(unclosed.issue.line == 4)
        #expect(unclosed.description.contains("the quote that opens field"))
        #expect(unclosed.description.contains("on line 5 is not closed before the end of the file"))
    }

    @Test("an unparseable number names its row, column and value")
    func badNumber() throws {
        let error = try error(reading: Fixtures.csv([[:], [:], ["ListCost": "12,5"]]))
        #expect(error.code == .invalidNumber)
        #expect(error.issue.row == 3)
        #expect(error.issue.line == 4)
        #expect(error.issue.column == "ListCost")
        #expect(error.issue.value == "12,5")
        #expect(error.description.hasSuffix(#": row 3 (line 4), column ListCost, value "12,5": not a decimal number"#))
    }

    @Test("a number with more precision than can be kept exactly is an error, not a rounding")
    func tooPrecise() throws {
        let error = try error(reading: Fixtures.csv([["BilledCost": "0.1234567890123456789"]]))
        #expect(error.code == .invalidNumber)
        #expect(error.description.contains("more than 18 significant fractional digits"))
    }

    @Test("an unparseable timestamp")
    func badTimestamp() throws {
        let error = try error(reading: Fixtures.csv([["ChargePeriodStart": "2024-13-01T00:00:00Z"]]))
        #expect(error.code == .invalidTimestamp)
        #expect(error.issue.column == "ChargePeriodStart")
        #expect(error.issue.value == "2024-13-01T00:00:00Z")
    }

    @Test("a missing mandatory column")
    func missingColumn() throws {
        let text = Fixtures.csv([[:]]).replacingOccurrences(of: "BillingCurrency", with: "x_Currency")
        let error = try error(reading: text)
        #expect(error.code == .missingColumn)
        #expect(error.issue.column == "BillingCurrency")
        #expect(error.issue.line == 1)
    }

    @Test("a duplicate column")
    func duplicateColumn() throws {
        let error = try error(reading: Fixtures.csv([[:]], extraColumns: ["billedcost"]))
        #expect(error.code == .duplicateColumn)
    }

    @Test("a ChargeCategory outside its allowed values")
    func disallowedCategory() throws {
        for value in ["Refund", "usage"] {
            let error = try error(reading: Fixtures.csv([["ChargeCategory": value]]))
            #expect(error.code == .disallowedValue)
            #expect(error.issue.value == value)
            #expect(error.description.contains("must be one of Usage, Purchase, Tax, Credit, Adjustment"))
        }
    }

    @Test("ChargePeriodEnd not after ChargePeriodStart")
    func invalidPeriod() throws {
        let error = try error(reading: Fixtures.csv([["ChargePeriodEnd": "2024-01-01T00:00:00Z"]]))
        #expect(error.code == .invalidPeriod)
        #expect(error.issue.column == "ChargePeriodEnd")
    }

    @Test("no BillingCurrency")
    func missingCurrency() throws {
        let error = try error(reading: Fixtures.csv([[:], ["BillingCurrency": "NULL"]]))
        #expect(error.code == .missingValue)
        #expect(error.issue.row == 2)
        #expect(error.issue.column == "BillingCurrency")
    }

    @Test("a row with the wrong number of fields")
    func wrongFieldCount() throws {
        let error = try error(reading: Fixtures.csv([[:]]) + "1,2,3\n")
        #expect(error.code == .wrongFieldCount)
        #expect(error.issue.row == 2)
    }

    @Test("invalid Tags JSON")
    func invalidTags() throws {
        let error = try error(reading: Fixtures.csv([["Tags": "{\"team\": }"]]))
        #expect(error.code == .invalidTags)
        #expect(error.issue.column == "Tags")
    }

    @Test("a truncated gzip file")
    func truncatedGzip() throws {
        let text = Fixtures.csv((0..<5_000).map { ["ChargeDescription": "row \($0) \(UUID())"] })
        let full = Fixtures.gzipFile(Array(text.utf8))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: full))
        let truncated = Fixtures.file(named: "cut.csv.gz", "")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        do {
            _ = try Fixtures.readAll(truncated)
            Issue.record("reading a truncated file did not fail")
        } catch let error as IngestError {
            #expect(error.code == .corruptCompression)
            #expect(error.issue.file == truncated)
            #expect(error.description.contains("truncated"))
        }
    }

    @Test("a missing file and an empty file")
    func unreadable() throws {
        #expect(throws: IngestError.self) { try FocusCSVReader(path: "/nonexistent/file.csv") }
        let empty = try error(reading: "")
        #expect(empty.code == .emptyFile)
    }

    @Test("with skipInvalidRows, good rows are kept and every bad row is returned with its reason")
    func skipInvalid() throws {
        let text = Fixtures.csv([[:], ["BilledCost": "x"], [:], ["ChargeCategory": "Bogus"], [:]]) + "a,\"b\n"
        let (table, reader) = try Fixtures.readAll(
            Fixtures.file(text),
            options: FocusReadOptions(skipInvalidRows: true)
        )
        #expect(table.rowCount == 3)
        #expect(reader.rejectedRowCount == 3)
        #expect(try table.decimals("BilledCost")?.sum() == ExactDecimal.parse("4.5"))
    }
}
