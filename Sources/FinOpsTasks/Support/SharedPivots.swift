import FinOpsCore
import PivotKit
import Synchronization

/// Pivot results that the tasks of one execution share while the store holds the same data.
///
/// A review flow asks some questions more than once: the Report and Metrics tasks each build the month's review from
/// the same pivots, and budgets and allocation ask some of them again. A result is reused only within the execution
/// that computed it, and only while the store's periods (sources, checksums and load times) are still the ones seen
/// before it was computed: a load in between, by the flow or by any other writer, is never answered from before it.
final class SharedPivots: Sendable {
    /// At most this many cells are kept over all results; the oldest results are dropped first.
    static let cellBudget = 500_000

    private struct State {
        var execution = ""
        var periods: [PeriodSummary] = []
        var results: [PivotQuery: PivotResult] = [:]
        /// The queries in the order their results were kept.
        var order: [PivotQuery] = []
        var cells = 0
    }

    private let state = Mutex(State())

    /// The result of `query` over `store`: kept from an earlier task of the execution, or computed (pushed down where
    /// the store can) and kept.
    func pivot(_ query: PivotQuery, store: any CostStore, execution: String) async throws -> PivotResult {
        let periods = try await store.periods()
        let kept = state.withLock { state -> PivotResult? in
            if state.execution != execution || state.periods != periods {
                state = State(execution: execution, periods: periods)
            }
            return state.results[query]
        }
        if let kept { return kept }
        let result = try await store.pivot(query)
        state.withLock { state in
            // Another task may have seen newer data meanwhile: then this result is not kept.
            guard state.execution == execution, state.periods == periods, state.results[query] == nil,
                result.cells.count <= Self.cellBudget
            else { return }
            while state.cells + result.cells.count > Self.cellBudget, !state.order.isEmpty {
                let oldest = state.order.removeFirst()
                state.cells -= state.results.removeValue(forKey: oldest)?.cells.count ?? 0
            }
            state.results[query] = result
            state.order.append(query)
            state.cells += result.cells.count
        }
        return result
    }
}
