/// A question about stored cost rows that a ``CostStore`` answers with ``CostStore/evaluate(_:over:)``.
///
/// Every query can be evaluated in memory over the columns it reads; a store may answer the kinds of query it
/// knows on its side instead (PGStore pushes PivotKit's pivots down to SQL), giving the same result.
public protocol CostQuery: Sendable {
    /// What the query gives back.
    associatedtype Result: Sendable

    /// The stored columns the query reads (matched without regard to case), or `nil` for all of them.
    var columnsRead: Set<String>? { get }

    /// Ranges of timestamp columns outside which (or where null) no row can change the result, so a store may skip
    /// such rows (see ``CostFilter/timeRanges``); empty by default.
    var timeRanges: [String: Range<Timestamp>] { get }

    /// Evaluates the query over rows in memory.
    func evaluate(on table: CostTable) throws -> Result
}

extension CostQuery {
    public var timeRanges: [String: Range<Timestamp>] { [:] }
}
