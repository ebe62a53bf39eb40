/// The work one render may do in all, nested `render()` calls included: loop iterations, and the values that
/// operators, filters and functions read and build (a list counts its items, a string one per 16 bytes).
///
/// Loops alone do not bound a template: `{% set r = 0..999999 %}{% for i in r %}{{ r | sort }}{% endfor %}` runs a
/// million loops of a million-item sort. Charging what each step touches keeps any template to a few seconds of
/// work, far above what a flow's templates do (a loop over a few thousand outputs, a few operations each).
final class RenderBudget {
    /// The units one render may spend.
    static let limit = 5_000_000

    private var spent = 0

    /// Spends `units`; `false` once the render has spent more than ``limit``.
    func spend(_ units: Int) -> Bool {
        let (total, overflow) = spent.addingReportingOverflow(units)
        spent = overflow ? .max : total
        return spent <= Self.limit
    }

    /// Spends what reading `values` costs (their weight, ``FlowValue/weight(upTo:)``); `false` past the limit.
    func spend(reading values: FlowValue...) -> Bool {
        for value in values {
            guard spend(value.weight(upTo: Self.limit - spent + 1)) else { return false }
        }
        return true
    }
}

extension FlowValue {
    /// How much there is to read in the value: one for a scalar, one per 16 bytes of a string, a list or map its own
    /// one plus its items' weights. Counting stops past `limit`, so weighing a huge value costs no more than that.
    func weight(upTo limit: Int) -> Int {
        switch self {
        case .null, .bool, .int, .decimal:
            return 1
        case .string(let text):
            return 1 + text.utf8.count / 16
        case .list(let items):
            var total = 1
            for item in items where total <= limit { total += item.weight(upTo: limit - total) }
            return total
        case .map(let map):
            var total = 1
            for value in map.values where total <= limit { total += 1 + value.weight(upTo: limit - total) }
            return total
        }
    }
}
