import FinOpsCore

extension CostStore {
    /// Answers a pivot over the periods `filter` selects, the store's way (``FinOpsCore/CostStore/evaluate(_:over:)``):
    /// in memory over only the columns the query reads (``PivotQuery/columnsRead``), or on the store's side where it
    /// can (PGStore compiles it to SQL). Both give the same cells.
    ///
    /// - Throws: ``PivotError`` for a query that cannot run, or the store's error.
    public func pivot(_ query: PivotQuery, over filter: CostFilter = .all) async throws -> PivotResult {
        try await evaluate(query, over: filter)
    }
}

extension CostTable {
    /// Answers a pivot over the table as a store answers it over the same rows: FOCUS columns the table lacks
    /// (optional columns an export left out) read as nulls; other unknown columns are still an error.
    ///
    /// - Throws: ``PivotError`` for a query that cannot run.
    public func pivot(_ query: PivotQuery) throws(PivotError) -> PivotResult {
        try query.run(on: withMissingColumns(query.columnsRead ?? []))
    }
}
