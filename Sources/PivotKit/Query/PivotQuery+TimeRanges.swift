import FinOpsCore

extension PivotQuery {
    /// The ranges of FOCUS timestamp columns the filter keeps rows in, from the comparisons (`<`, `<=`, `>`, `>=`, `=`,
    /// `BETWEEN`) joined by AND at its top: a row outside a range, or null there, fails the filter, so a store may
    /// skip it (``FinOpsCore/CostFilter/timeRanges``). Other conditions narrow nothing.
    public var timeRanges: [String: Range<Timestamp>] {
        var ranges: [String: Range<Timestamp>] = [:]
        func narrow(_ name: String, lower: Timestamp?, upper: Timestamp?) {
            let all = Timestamp(microsecondsSinceEpoch: .min)..<Timestamp(microsecondsSinceEpoch: .max)
            let range = (lower ?? all.lowerBound)..<(upper ?? all.upperBound)
            ranges[name] = (ranges[name] ?? all).clamped(to: range)
        }
        /// The instant just after `time` (an inclusive bound as an exclusive one), `nil` past the largest.
        func after(_ time: Timestamp) -> Timestamp? {
            let (next, overflow) = time.microsecondsSinceEpoch.addingReportingOverflow(1)
            return overflow ? nil : Timestamp(microsecondsSinceEpoch: next)
        }
        func instant(_ name: String, _ literal: FilterExpression.Literal) -> Timestamp? {
            guard FocusSchema.column(named: name)?.dataType == .dateTime, case .text(let text) = literal else {
                return nil
            }
            return Timestamp(text)
        }
        func visit(_ expression: FilterExpression) {
            switch expression {
            case .and(let lhs, let rhs):
                visit(lhs)
                visit(rhs)
            case .compare(.column(let name), let comparison, let literal):
                guard let time = instant(name, literal) else { return }
                switch comparison {
                case .greaterOrEqual: narrow(name, lower: time, upper: nil)
                case .greater: if let next = after(time) { narrow(name, lower: next, upper: nil) }
                case .less: narrow(name, lower: nil, upper: time)
                case .lessOrEqual: narrow(name, lower: nil, upper: after(time))
                case .equal: narrow(name, lower: time, upper: after(time))
                case .notEqual: break
                }
            case .between(.column(let name), let low, let high):
                guard let low = instant(name, low), let high = instant(name, high) else { return }
                narrow(name, lower: low, upper: after(high))
            default:
                break
            }
        }
        if let filter { visit(filter) }
        return ranges
    }
}
