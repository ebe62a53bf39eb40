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

    /// Where the query can be answered from its rows a window at a time, a fresh evaluation to hand them to; `nil`
    /// (the default) when it needs all of them at once. A store that reads in windows
    /// (``CostStore/read(_:rowsPerWindow:_:)``) then holds one window's columns in memory rather than every row's.
    func windowedEvaluation() throws -> (any WindowedEvaluation<Result>)?
}

extension CostQuery {
    public var timeRanges: [String: Range<Timestamp>] { [:] }

    public func windowedEvaluation() throws -> (any WindowedEvaluation<Result>)? { nil }
}

/// A query's evaluation over consecutive windows of its rows (``CostQuery/windowedEvaluation()``), which gives the
/// same result as ``CostQuery/evaluate(on:)`` over all of them.
///
/// The windows come in stored order, and every window's text columns share one dictionary (and its Tags one list of
/// sets), so a code means the same in all of them; there is at least one window, with no rows where none are read.
public protocol WindowedEvaluation<Result> {
    /// What the query gives back.
    associatedtype Result

    /// How many rows a window should hold at most (a store may hand over more, a chunk or all its rows at once).
    var rowsPerWindow: Int { get }

    /// Adds the rows of the next window.
    mutating func add(_ window: CostTable) throws

    /// The result over every window added.
    func finish() throws -> Result
}
