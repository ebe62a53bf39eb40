import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

@Suite("FOCUS CSV reader")
struct FocusCSVReaderTests {
    @Test("RFC 4180: embedded commas, quotes and newlines, CRLF, BOM, NULL and empty as null")
    func quoting() throws {
        let text =
            "\u{FEFF}"
            + Fixtures.csv(
                [
                    ["ChargeDescription": "a, \"quoted\"\nmulti-line description", "ChargeClass": "NULL"],
                    ["ChargeDescription": "", "BilledCost": "NULL", "Tags": ""],
                    ["BilledCost": "-3e+2", "ChargeClass": "Correction"],
                ],
                lineEnd: "\r\n"
            )
        let (table, reader) = try Fixtures.readAll(Fixtures.file(text))
        #expect(table.rowCount == 3)
        let descriptions = try #require(table.strings("ChargeDescription"))
        #expect(descriptions[0] == "a, \"quoted\"\nmulti-line description")
        #expect(descriptions[1] == nil)
        #expect(table.strings("ChargeClass")?[0] == nil)
        #expect(table.strings("ChargeClass")?[2] == "Correction")
        let billed = try #require(table.decimals("BilledCost"))
        #expect(billed[1] == nil)
        #expect(billed[2] == ExactDecimal(-300))
        #expect(table.tags?[0]?["team"] == .string("core"))
        #expect(table.tags?[1] == nil)
        #expect(table.column(named: "BillingCurrency") != nil)
        #expect(reader.header.first?.name == "BilledCost")
        #expect(reader.acceptedRowCount == 3)
    }

    @Test("a last row without a line end and a blank trailing line are read")
    func lineEnds() throws {
        var text = Fixtures.csv([[:], [:]])
        text.removeLast()
        #expect(try Fixtures.readAll(Fixtures.file(text)).0.rowCount == 2)
        #expect(try Fixtures.readAll(Fixtures.file(Fixtures.csv([[:]]) + "\n\n")).0.rowCount == 1)
    }

    @Test("gzip is read transparently")
    func gzip() throws {
        let text = Fixtures.csv((0..<500).map { ["BilledCost": "\($0).25"] })
        let (table, _) = try Fixtures.readAll(Fixtures.gzipFile(Array(text.utf8)))
        #expect(table.rowCount == 500)
        #expect(try table.decimals("BilledCost")?.sum() == ExactDecimal.parse("124875"))
    }

    @Test("memory is bounded by the batch size: a file arrives as several batches")
    func batches() throws {
        let path = Fixtures.file(
            Fixtures.csv((0..<1_000).map { ["ResourceId": "r\($0)"] }, extraColumns: ["ResourceId"])
        )
        let reader = try FocusCSVReader(path: path, options: FocusReadOptions(batchSize: 64))
        var sizes: [Int] = []
        while let batch = try reader.nextBatch() { sizes.append(batch.table.rowCount) }
        #expect(sizes.count == 16)
        #expect(sizes.allSatisfy { $0 <= 64 })
        #expect(sizes.reduce(0, +) == 1_000)
    }

    @Test("Tags: scalars, escapes, Unicode, Azure without braces, nested values with a warning")
    func tags() throws {
        let rows = [
            ["Tags": #"{"team": "a\"b", "cost center": 42, "on": true, "none": null, "emoji": "\u00e9\ud83d\ude00"}"#],
            ["Tags": #""env": "prod", "team": "x""#],
            ["Tags": #"{"nested": {"a": [1, 2]}}"#],
            ["Tags": "{}"],
        ]
        let (table, reader) = try Fixtures.readAll(Fixtures.file(Fixtures.csv(rows)))
        let tags = try #require(table.tags)
        #expect(tags[0]?["team"] == .string("a\"b"))
        #expect(tags[0]?["cost center"] == .number("42"))
        #expect(tags[0]?["on"] == .bool(true))
        #expect(tags[0]?["none"] == .null)
        #expect(tags[0]?["emoji"] == .string("é😀"))
        #expect(tags[1]?["env"] == .string("prod"))
        #expect(tags[2]?["nested"] == .json(#"{"a": [1, 2]}"#))
        #expect(tags[3]?.tags.isEmpty == true)
        #expect(reader.warnings.entries.map(\.kind) == [.nestedTagValue])
    }

    @Test("renamed 1.0-preview columns are read under their 1.2 names")
    func renamedColumns() throws {
        let text = Fixtures.csv([["AmortizedCost": "7"]], extraColumns: ["AmortizedCost"])
            .replacingOccurrences(of: "EffectiveCost,", with: "x_OldEffective,")
        let (table, reader) = try Fixtures.readAll(Fixtures.file(text))
        #expect(table.decimals("EffectiveCost")?[0] == ExactDecimal(7))
        #expect(reader.warnings.entries.contains { $0.kind == .renamedColumn && $0.column == "EffectiveCost" })
    }

    @Test("the official FOCUS sample ingests under the default, with its spec breaches as warnings")
    func focusSampleWarnings() throws {
        let (table, reader) = try Fixtures.readAll(Fixtures.focusSample)
        #expect(table.rowCount == 1_000)
        let counts = Dictionary(
            uniqueKeysWithValues: reader.warnings.entries.map { ("\($0.kind) \($0.column)", $0.count) }
        )
        #expect(counts["wrong-case-value ChargeFrequency"] == 7)
        #expect(counts["null-in-non-nullable-column ContractedCost"] == 7)
        #expect(counts["empty-string-for-null PricingCategory"] == 7)
        #expect(counts["non-focus-column Id"] == 1)
        let example = try #require(reader.warnings.entries.first { $0.column == "ChargeFrequency" }?.examples.first)
        #expect(example.row == 926)
        #expect(example.line == 927)
        #expect(example.value == "Usage-based")
        #expect(table.strings("Id")?[0] == "11472")
        #expect(table.tags?[1]?["environment"] == .string("dev"))
    }

    @Test("the FOCUS sample's totals equal Python decimal's exact sums")
    func focusSampleTotalsMatchReference() async throws {
        struct Reference: Decodable {
            var billingPeriodStart: String
            var currency: String
            var rows: Int
            var BilledCost: String
            var EffectiveCost: String
            var ListCost: String
            var ContractedCost: String
        }
        let references = try JSONDecoder().decode(
            [Reference].self,
            from: Data(contentsOf: Fixtures.fixture("focus_sample_totals.json"))
        )
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        let report = try await FocusIngest().ingest(files: [Fixtures.focusSample], into: store)
        #expect(report.periods.count == references.count)
        for (summary, reference) in zip(report.periods, references) {
            #expect(summary.period.start == Timestamp(reference.billingPeriodStart))
            let totals = try #require(summary.totals.first)
            #expect(totals.currency == reference.currency)
            #expect(totals.rowCount == reference.rows)
            #expect(totals.billedCost.description == reference.BilledCost)
            #expect(totals.effectiveCost.description == reference.EffectiveCost)
            #expect(totals.listCost.description == reference.ListCost)
            #expect(totals.contractedCost.description == reference.ContractedCost)
        }
    }
}

@Suite("FOCUS CSV reader across buffer and batch boundaries")
struct ReaderBoundaryTests {
    private static let rows: [[String: String]] = (0..<400).map { index in
        [
            "ChargeDescription": index % 7 == 0 ? "line one\nline \"two\", \(index)" : "plain \(index)",
            "BilledCost": "\(index).0\(index % 10)",
            "Tags": index % 5 == 0 ? "" : "{\"k\":\"v\(index % 13)\",\"q\":\"a\\\"b\"}",
        ]
    }

    @Test("tiny buffers and batches give the same table as one big read", arguments: [64, 97, 1_000, 1 << 20])
    func sameResult(_ bufferSize: Int) throws {
        let path = Fixtures.file(Fixtures.csv(Self.rows, lineEnd: "\r\n"))
        let (expected, _) = try Fixtures.readAll(path)
        let (actual, _) = try Fixtures.readAll(path, options: FocusReadOptions(batchSize: 37, bufferSize: bufferSize))
        #expect(actual.rowCount == 400)
        for name in ["ChargeDescription", "BilledCost", "Tags", "ChargePeriodStart"] {
            #expect(
                (0..<400).map { describe(actual, name, $0) } == (0..<400).map { describe(expected, name, $0) },
                "\(name)"
            )
        }
        #expect(actual.strings("ChargeDescription")?[7] == "line one\nline \"two\", 7")
    }

    @Test("readTable shares dictionaries across batches and gives the table that batch after batch gives")
    func readTableSharesDictionaries() throws {
        var rows = Self.rows
        rows[40]["ChargeCategory"] = "Other"
        rows[41]["BilledCost"] = "bad"
        rows[300]["ChargeDescription"] = "only in a rejected row"
        rows[300]["BilledCost"] = "bad"
        let path = Fixtures.file(Fixtures.csv(rows))
        let options = FocusReadOptions(batchSize: 37, skipInvalidRows: true, bufferSize: 512)
        let (expected, _) = try Fixtures.readAll(path, options: options)
        let reader = try FocusCSVReader(path: path, options: options)
        let table = try reader.readTable()
        #expect(table.rowCount == 397)
        #expect(reader.rejectedRowCount == 3)
        for column in expected.columns {
            #expect(
                (0..<397).map { describe(table, column.name, $0) }
                    == (0..<397).map { describe(expected, column.name, $0) },
                "\(column.name)"
            )
        }
        let descriptions = try #require(table.strings("ChargeDescription"))
        #expect(Set(descriptions.dictionary).count == descriptions.dictionary.count)

        // After a batch read on its own, the rest is still read whole.
        let partial = try FocusCSVReader(path: path, options: options)
        let first = try #require(try partial.nextBatch())
        let rest = try partial.readTable()
        #expect(first.table.rowCount + rest.rowCount == 397)
        #expect(describe(rest, "BilledCost", 0) == describe(expected, "BilledCost", first.table.rowCount))
    }

    @Test("warnings of rejected rows are not counted; those of stored rows are", arguments: [false, true])
    func warningsOfRejectedRows(_ wholeTable: Bool) throws {
        var rows = Self.rows
        for index in [10, 20, 390] { rows[index]["ServiceCategory"] = "Gadgets" }
        for index in [10, 390] { rows[index]["BilledCost"] = "bad" }
        rows[391]["ChargePeriodEnd"] = "2023-12-31T00:00:00Z"
        rows[391]["ServiceCategory"] = "Gadgets"
        let path = Fixtures.file(Fixtures.csv(rows))
        let options = FocusReadOptions(batchSize: 64, skipInvalidRows: true, bufferSize: 512)
        let (stored, warnings): (Int, IngestWarnings)
        if wholeTable {
            let reader = try FocusCSVReader(path: path, options: options)
            stored = try reader.readTable().rowCount
            warnings = reader.warnings
        } else {
            let (table, reader) = try Fixtures.readAll(path, options: options)
            (stored, warnings) = (table.rowCount, reader.warnings)
        }
        #expect(stored == 397)
        let categories = try #require(warnings.entries.first { $0.column == "ServiceCategory" })
        #expect(categories.count == 1)
        #expect(categories.examples.map(\.row) == [21])
    }

    @Test("rejected rows keep their true row and line numbers across batches")
    func rejectedRowNumbers() throws {
        var rows = Self.rows
        for index in [5, 150, 151, 399] { rows[index]["BilledCost"] = "bad\(index)" }
        let path = Fixtures.file(Fixtures.csv(rows))
        let reader = try FocusCSVReader(
            path: path,
            options: FocusReadOptions(batchSize: 50, skipInvalidRows: true, bufferSize: 512)
        )
        var rejected: [RejectedRow] = []
        var stored = 0
        while let batch = try reader.nextBatch() {
            rejected += batch.rejected
            stored += batch.table.rowCount
        }
        #expect(stored == 396)
        #expect(rejected.map(\.error.issue.row) == [6, 151, 152, 400])
        #expect(rejected.map(\.error.issue.value) == ["bad5", "bad150", "bad151", "bad399"])
        // Rows 1, 8, 15, … hold a two-line description, so lines run ahead of rows.
        let expectedLines = [5, 150, 151, 399].map { index in 2 + index + (0..<index).filter { $0 % 7 == 0 }.count }
        #expect(rejected.map(\.error.issue.line) == expectedLines)
        #expect(rejected[0].text.contains("bad5"))
    }

    @Test("in strict mode the first error in file order is reported, even in a later batch")
    func strictFirstError() throws {
        var rows = Self.rows
        rows[300]["ChargeCategory"] = "Other"
        rows[301]["BilledCost"] = "x"
        let path = Fixtures.file(Fixtures.csv(rows))
        do {
            _ = try Fixtures.readAll(path, options: FocusReadOptions(batchSize: 64, bufferSize: 700))
            Issue.record("no error")
        } catch let error as IngestError {
            #expect(error.code == .disallowedValue)
            #expect(error.issue.row == 301)
        }
    }

    private func describe(_ table: CostTable, _ name: String, _ row: Int) -> String {
        switch table.column(named: name)?.data {
        case .string(let values)?: values[row] ?? "∅"
        case .decimal(let values)?: values[row]?.description ?? "∅"
        case .timestamp(let values)?: values[row]?.description ?? "∅"
        case .tags(let values)?: values[row]?.json ?? "∅"
        case nil: "missing"
        }
    }
}
