import FinOpsCore
import PivotKit
import Testing

@Suite("Reading a compiled pivot's rows")
struct CompiledPivotResultTests {
    let compiler = PostgresPivotCompiler(table: .test)

    @Test("derived measures, HAVING and sort are applied to the rows as the in-memory executor applies them")
    func derived() throws {
        let compiled = try compiler.compile(
            PivotQuery(
                rows: [.column("ServiceName")],
                measures: [.count, .percentOfTotal(.count)],
                having: .compare(.measure(.percentOfTotal(.count)), .greaterOrEqual, .number(ExactDecimal(20))),
                sort: [.measure(.count, descending: false)]
            )
        )
        // GROUPING SETS ((d0), ()): the grand total is aggregated for the percentage but not shown.
        let result = try compiled.result(rows: [
            ["A", "6", "0"], ["B", "3", "0"], ["C", "1", "0"], [nil, "2", "0"], [nil, "12", "1"],
        ])
        #expect(result.grandTotal == nil)
        #expect(result.cells.map(\.rowValues) == [[.text("B")], [.text("A")]])
        #expect(
            result.cells.map(\.measures) == [
                [.integer(3), .decimal(ExactDecimal(25))], [.integer(6), .decimal(ExactDecimal(50))],
            ]
        )
    }

    @Test("time buckets, exact averages and percentiles, Others and totals are read back")
    func values() throws {
        let compiled = try compiler.compile(
            PivotQuery(
                rows: [.column("ServiceName")],
                columns: [.time("ChargePeriodStart", .month)],
                measures: [.sum("BilledCost"), .avg("BilledCost"), .percentile("BilledCost", 90)],
                totals: .grand,
                timeZone: "Europe/Paris",
                top: TopN(1, by: .sum("BilledCost"))
            )
        )
        #expect(
            compiled.columns == [
                .dimension(0), .dimension(1), .others(0), .measure(0), .averageParts(1), .percentileValues(2),
                .grouping,
            ]
        )
        // 2024-02-01 00:00 in Paris is 2024-01-31 23:00 UTC.
        let february = "1706742000"
        let result = try compiled.result(rows: [
            ["A", february, "f", "10.000000000000000001", "10.000000000000000001", "3", "{1,2,4}", "0"],
            [nil, february, "t", "5", "5", "2", "{2,3}", "0"],
            [nil, nil, nil, "15.000000000000000001", "15.000000000000000001", "5", "{1,2,2,3,4}", "3"],
        ])
        let month = DimensionValue.time(Timestamp(microsecondsSinceEpoch: 1_706_742_000_000_000), label: "2024-02")
        #expect(
            result.cells == [
                PivotResult.Cell(
                    rowValues: [.text("A")],
                    columnValues: [month],
                    measures: [
                        .decimal(try .parse("10.000000000000000001")), .decimal(try .parse("3.333333333333333334")),
                        .decimal(try .parse("3.6")),
                    ]
                ),
                PivotResult.Cell(
                    rowValues: [.others],
                    columnValues: [month],
                    measures: [.decimal(ExactDecimal(5)), .decimal(try .parse("2.5")), .decimal(try .parse("2.9"))]
                ),
                PivotResult.Cell(
                    rowValues: [nil],
                    columnValues: [nil],
                    measures: [
                        .decimal(try .parse("15.000000000000000001")), .decimal(ExactDecimal(3)),
                        .decimal(try .parse("3.6")),
                    ]
                ),
            ]
        )
    }

    @Test("a value that does not read as its column's type names the row and column")
    func badValue() throws {
        let compiled = try compiler.compile(PivotQuery(rows: [.column("ServiceName")], measures: [.count]))
        let error = #expect(throws: PivotError.self) {
            try compiled.result(rows: [["A", "1", "0"], ["B", "x", "0"]])
        }
        #expect(error?.message == "result row 2, column 2: 'x' is not an integer")
        let short = #expect(throws: PivotError.self) { try compiled.result(rows: [["A", "1"]]) }
        #expect(short?.message.contains("result row 1 has 2 columns") == true)
    }
}
