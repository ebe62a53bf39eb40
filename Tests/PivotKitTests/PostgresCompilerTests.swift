import FinOpsCore
import PivotKit
import Testing

@Suite("PostgreSQL compiler")
struct PostgresCompilerTests {
    let compiler = PostgresPivotCompiler(table: .test)

    @Test("dimensions, measures and totals become one GROUPING SETS statement with bound parameters")
    func rollup() throws {
        let query = PivotQuery(
            rows: [.column("ProviderName"), .tag("team")],
            columns: [.time("ChargePeriodStart", .month)],
            measures: [.sum("EffectiveCost"), .count, .avg("ListCost"), .countDistinct("x_Owner")],
            totals: .grand,
            timeZone: "Europe/Paris"
        )
        let compiled = try compiler.compile(query)
        #expect(
            compiled.sql == """
                SELECT d0, d1, d2, coalesce(sum(v0), 0) AS m0, count(*) AS m1, coalesce(sum(v2), 0) AS m2_sum, \
                count(v2) AS m2_count, count(DISTINCT v3) AS m3, GROUPING(d0, d1, d2) AS g
                FROM (SELECT "provider_name" AS d0, ("tags" ->> $1) AS d1, \
                extract(epoch FROM date_trunc('month', "charge_period_start" AT TIME ZONE $2) AT TIME ZONE $2)::bigint \
                AS d2, "effective_cost" AS v0, \
                "list_cost" AS v2, ("extra" ->> $3) AS v3 FROM finops.cost_rows) AS cost_rows
                GROUP BY GROUPING SETS ((d0, d1, d2), (), (d0, d1), (d2))
                ORDER BY d0, d1, d2
                """
        )
        #expect(compiled.parameters == [.text("team"), .text("Europe/Paris"), .text("x_Owner")])
        #expect(
            compiled.columns == [
                .dimension(0), .dimension(1), .dimension(2), .measure(0), .measure(1), .averageParts(2), .measure(3),
                .grouping,
            ]
        )
    }

    @Test("filters bind every literal with the type of its column; nothing is spliced into the text")
    func filters() throws {
        let filter = try PivotSyntax.filter(
            "ChargeCategory = 'Usage' and RegionId in ('us-east-1', 'x''; DROP TABLE t; --') "
                + "and ChargePeriodStart >= '2024-02-01' and BilledCost between 0 and 1.5 "
                + "and not tag(team) like 'pay%' or ResourceId is null or ServiceName ~ '^S3'"
        )
        let compiled = try compiler.compile(PivotQuery(rows: [.column("ServiceName")], filter: filter))
        #expect(
            compiled.sql.contains(
                """
                WHERE ((((((("charge_category" = $1) AND ("region_id" IN ($2, $3))) \
                AND ("charge_period_start" >= $4::timestamptz)) AND ("billed_cost" BETWEEN $5::numeric AND $6::numeric)) \
                AND (NOT (("tags" ->> $7) LIKE $8))) OR ("resource_id" IS NULL)) OR ("service_name" ~ $9))
                """
            ),
            "\(compiled.sql)"
        )
        #expect(!compiled.sql.contains("DROP"))
        #expect(
            compiled.parameters == [
                .text("Usage"), .text("us-east-1"), .text("x'; DROP TABLE t; --"),
                .timestamp(try #require(Timestamp("2024-02-01"))), .decimal(.zero), .decimal(try .parse("1.5")),
                .text("team"), .text("pay%"), .text("^S3"),
            ]
        )
    }

    @Test("HAVING keeps totals and refers to the measures' aggregates")
    func having() throws {
        let query = PivotQuery(
            rows: [.column("ServiceName")],
            measures: [.sum("BilledCost"), .count],
            totals: .grand,
            having: try PivotSyntax.having("sum(BilledCost) > 10 and count() >= 3")
        )
        let compiled = try compiler.compile(query)
        #expect(
            compiled.sql.hasSuffix(
                """
                GROUP BY GROUPING SETS ((d0), ())
                HAVING GROUPING(d0) <> 0 OR ((coalesce(sum(v0), 0) > $1::numeric) AND (count(*) >= $2::numeric))
                ORDER BY d0
                """
            ),
            "\(compiled.sql)"
        )
        #expect(compiled.parameters == [.decimal(ExactDecimal(10)), .decimal(ExactDecimal(3))])
    }

    @Test("percentiles return the ordered values, interpolated exactly by the reader")
    func percentiles() throws {
        let compiled = try compiler.compile(
            PivotQuery(rows: [.column("ServiceName")], measures: [.percentile("BilledCost", 99)])
        )
        #expect(
            compiled.sql.hasPrefix(
                "SELECT d0, array_agg(v0 ORDER BY v0) FILTER (WHERE v0 IS NOT NULL) AS m0_values, GROUPING(d0) AS g\n"
            )
        )
        #expect(compiled.columns == [.dimension(0), .percentileValues(0), .grouping])
    }

    @Test("a top-N ranks members per parent with a window function and groups the rest as Others")
    func topN() throws {
        let query = PivotQuery(
            rows: [.column("ProviderName"), .column("ServiceName")],
            measures: [.sum("ListCost"), .count],
            totals: .all,
            top: TopN(3, by: .sum("ListCost"))
        )
        let compiled = try compiler.compile(query)
        #expect(
            compiled.sql.hasPrefix(
                "WITH filtered AS (SELECT \"provider_name\" AS d0, \"service_name\" AS d1, \"list_cost\" AS v0 FROM finops.cost_rows),\n"
            )
        )
        #expect(
            compiled.sql.contains(
                "row_number() OVER (PARTITION BY d0 ORDER BY coalesce(sum(v0), 0) DESC, d1 COLLATE \"C\") AS rank"
            )
        )
        // Sums and counts combine from one partial row per group, so the ranks join groups, not rows.
        #expect(
            compiled.sql.contains(
                "groups AS (SELECT d0, d1, coalesce(sum(v0), 0) AS v0, count(*) AS v1 FROM filtered GROUP BY d0, d1)"
            )
        )
        #expect(
            compiled.sql.contains(
                "CASE WHEN ranking.rank <= $1 THEN groups.d1 END AS d1, (ranking.rank > $1) AS others"
            )
        )
        #expect(compiled.sql.contains("coalesce(sum(v0), 0) AS m0, coalesce(sum(v1), 0) AS m1"))
        #expect(compiled.sql.contains("GROUP BY GROUPING SETS ((), (d0), (d0, d1, others))"))
        // A distinct count does not combine from partials: the ranks join every row.
        let distinct = try compiler.compile(
            PivotQuery(
                rows: [.column("ServiceName")],
                measures: [.sum("ListCost"), .countDistinct("ResourceId")],
                top: TopN(3, by: .sum("ListCost"))
            )
        )
        #expect(!distinct.sql.contains("groups AS"))
        #expect(distinct.sql.contains("CASE WHEN ranking.rank <= $1 THEN filtered.d0 END AS d0"))
        #expect(distinct.sql.contains("count(DISTINCT v1) AS m1"))
        #expect(compiled.parameters == [.integer(3)])
        #expect(compiled.columns.contains(.others(1)))
        #expect(throws: PivotError.self) {
            try compiler.compile(
                PivotQuery(
                    rows: [.column("ServiceName")],
                    measures: [.percentile("BilledCost", 50)],
                    top: TopN(3, by: .percentile("BilledCost", 50))
                )
            )
        }
    }

    @Test("what cannot be compiled safely is refused with a reason")
    func refusals() {
        #expect(throws: PivotError.self) {
            try compiler.compile(
                PivotQuery(rows: [], filter: .compare(.column("ChargePeriodStart"), .greater, .text("yesterday")))
            )
        }
        #expect(throws: PivotError.self) {
            try compiler.compile(PivotQuery(rows: [], filter: .compare(.measure(.count), .greater, .number(.zero))))
        }
    }

    @Test("a store filter's periods and sources become bound conditions beside the query's filter")
    func scope() throws {
        let from = Timestamp(year: 2024, month: 2, day: 1)!
        let until = Timestamp(year: 2024, month: 4, day: 1)!
        let compiled = try compiler.compile(
            PivotQuery(
                rows: [.column("ServiceName")],
                filter: .compare(.column("RegionId"), .equal, .text("eu-west-1"))
            ),
            over: CostFilter(from: from, until: until, sources: ["b", "a"], columns: ["Ignored"])
        )
        #expect(
            compiled.sql.contains(
                "WHERE (\"billing_period_start\" >= $1::timestamptz) AND (\"billing_period_start\" < $2::timestamptz) "
                    + "AND (\"source\" IN ($3, $4)) AND (\"region_id\" = $5)"
            ),
            "\(compiled.sql)"
        )
        #expect(
            compiled.parameters == [.timestamp(from), .timestamp(until), .text("a"), .text("b"), .text("eu-west-1")]
        )
        let none = try compiler.compile(PivotQuery(rows: [.column("ServiceName")]), over: CostFilter(sources: []))
        #expect(none.sql.contains("WHERE FALSE"))
    }
}
