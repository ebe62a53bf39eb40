/// The work one render may do in all, nested `render()` calls included: loop iterations, and the values that
/// operators, filters and functions read and build (a list counts its items, a string one per 16 bytes).
///
/// Loops alone do not bound a template: `{% set r = 0..999999 %}{% for i in r %}{{ r | sort }}{% endfor %}` runs a
/// million loops of a million-item sort. Charging what each step touches keeps any template to a few seconds of
/// work, far above what a flow's templates do (a loop over a few thousand outputs, a few operations each).
final class RenderBudget {
    /// The units this render may spend (``RenderLimits/work``).
    let limit: Int

    private var spent = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Spends `units`; `false` once the render has spent more than ``limit``.
    func spend(_ units: Int) -> Bool {
        let (total, overflow) = spent.addingReportingOverflow(units)
        spent = overflow ? .max : total
        return spent <= limit
    }

    /// Spends what reading `values` costs (their weight, ``FlowValue/weight(upTo:)``); `false` past the limit.
    func spend(reading values: FlowValue...) -> Bool {
        for value in values {
            guard spent <= limit, spend(value.weight(upTo: limit - spent + 1)) else { return false }
        }
        return true
    }
}

/// Bounds on the work one render of a template may do, so that no template, mistaken or hostile, runs for long.
///
/// The standard limits keep a render to a few seconds at worst, far above what a flow's templates do. A caller that
/// renders untrusted text on a tight schedule (a fuzzer, a preview endpoint) can set lower ones, as SQLite's
/// `sqlite3_limit` allows.
public struct RenderLimits: Sendable, Hashable {
    /// Loop iterations in all, nested loops included (two nested ranges of 3,000 already make 9 million).
    public var iterations: Int
    /// Units of work, nested `render()` calls included: a loop iteration and the literal text its body writes, and
    /// every value that an operator, filter, function or print reads or builds (a list counts its items, a string
    /// one per 16 bytes).
    public var work: Int

    /// A million iterations and five million units of work.
    public static let standard = RenderLimits(iterations: 1_000_000, work: 5_000_000)

    public init(iterations: Int, work: Int) {
        self.iterations = iterations
        self.work = work
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
