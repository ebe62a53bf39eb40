/// A question about stored cost rows that a ``CostStore`` answers with ``CostStore/evaluate(_:over:)``.
///
/// Every query can be evaluated in memory over the columns it reads; a store may answer the kinds of query it
/// knows on its side instead (PGStore pushes PivotKit's pivots down to SQL), giving the same result.
public protocol CostQuery: Sendable {
    /// What the query gives back.
    associatedtype Result: Sendable

    /// The stored columns the query reads (matched without regard to case), or `nil` for all of them.
    var columnsRead: Set<String>? { get }

    /// Evaluates the query over rows in memory.
    func evaluate(on table: CostTable) throws -> Result
}
