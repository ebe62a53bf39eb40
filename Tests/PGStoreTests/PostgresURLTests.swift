import PGStore
import Testing

@Suite("PostgresURL")
struct PostgresURLTests {
    @Test("the option wins, then a postgres:// FINOPS_STORE, then the PG* environment")
    func resolve() throws {
        let url = "postgres://u@h:1/d"
        #expect(try PostgresURL.resolve(option: "host=h", environment: ["FINOPS_STORE": url]) == "host=h")
        #expect(try PostgresURL.resolve(option: nil, environment: ["FINOPS_STORE": url]) == url)
        #expect(
            try PostgresURL.resolve(option: "", environment: ["FINOPS_STORE": "postgresql://x"]) == "postgresql://x"
        )
        #expect(try PostgresURL.resolve(option: nil, environment: ["FINOPS_STORE": ".finops", "PGHOST": "h"]) == "")
        let error = #expect(throws: PostgresError.self) {
            try PostgresURL.resolve(option: nil, environment: ["FINOPS_STORE": ".finops", "PGUSER": "u"])
        }
        #expect(error?.code == .misuse)
        #expect(PostgresURL.isPostgres(url))
        #expect(!PostgresURL.isPostgres("/var/finops"))
    }

    @Test("errors describe what was being done, the server's words, detail and hint")
    func errorDescription() {
        let error = PostgresError(
            .server,
            operation: "running `SELECT 1`",
            message: "boom",
            sqlState: "XX000",
            detail: "d",
            hint: "h"
        )
        #expect(error.description == "running `SELECT 1`: boom (SQLSTATE XX000)\nDETAIL: d\nHINT: h")
        let lost = PostgresError(.connectionLost, operation: "running `SELECT 1`", message: "server closed")
        #expect(lost.description == "running `SELECT 1`: connection lost: server closed")
    }

    @Test("the cost table's column names are FOCUS names in snake_case")
    func columnNames() {
        #expect(CostSchema.columnName("BillingAccountId") == "billing_account_id")
        #expect(CostSchema.columnName("PricingCurrencyContractedUnitPrice") == "pricing_currency_contracted_unit_price")
        #expect(CostSchema.columnName("SkuPriceDetails") == "sku_price_details")
        #expect(CostSchema.quoted("a\"b") == "\"a\"\"b\"")
    }
}
