import FinOpsCore
import Foundation

/// Evaluates a ``FilterExpression`` over a table with SQL's three-valued logic: a comparison with a null is
/// unknown, and only rows whose condition is true are selected (as WHERE does).
struct FilterEvaluator {
    private static let no: UInt8 = 0
    private static let yes: UInt8 = 1
    private static let unknown: UInt8 = 2

    let table: CostTable
    var tuning = ExecutionTuning()

    /// The rows for which the condition is true, in order.
    ///
    /// The operands of AND narrow the rows one after the other, so later conditions only look at the rows the
    /// earlier ones kept.
    func selectedRows(_ expression: FilterExpression) throws(PivotError) -> [Int32] {
        try select(expression, from: nil)
    }

    private func select(_ expression: FilterExpression, from candidates: [Int32]?) throws(PivotError) -> [Int32] {
        if candidates == nil, let rows = try selectInParts(expression) { return rows }
        if case .and(let lhs, let rhs) = expression {
            return try select(rhs, from: try select(lhs, from: candidates))
        }
        if let rows = try fastSelect(expression, in: candidates.map(Scope.rows) ?? .table, parallel: true) {
            return rows
        }
        let truth = try evaluate(expression)
        var rows: [Int32] = []
        if let candidates {
            for row in candidates where truth[Int(row)] == Self.yes { rows.append(row) }
        } else {
            rows.reserveCapacity(table.rowCount / 2)
            for row in 0..<truth.count where truth[row] == Self.yes { rows.append(Int32(row)) }
        }
        return rows
    }

    /// The rows a leaf is tested on: every row, a range of rows, or the rows earlier conditions kept.
    private enum Scope {
        case table
        case range(Range<Int>)
        case rows([Int32])
    }

    /// An AND of conditions that all have tight loops, over a large table: each part of the rows goes through the
    /// whole chain on a core of its own, and the parts' rows are joined once at the end (in parallel), rather than
    /// after each condition.
    private func selectInParts(_ expression: FilterExpression) throws(PivotError) -> [Int32]? {
        var leaves: [FilterExpression] = []
        func flatten(_ expression: FilterExpression) {
            if case .and(let lhs, let rhs) = expression {
                flatten(lhs)
                flatten(rhs)
            } else {
                leaves.append(expression)
            }
        }
        flatten(expression)
        guard leaves.count > 1, table.rowCount >= tuning.parallelThreshold else { return nil }
        // A leaf without a tight loop answers nil before reading any row.
        for leaf in leaves where try fastSelect(leaf, in: .rows([]), parallel: false) == nil { return nil }
        let evaluator = self
        let chain = leaves
        let parts = Parts.map(table.rowCount, into: ExecutionTuning.cores) { range -> Result<[Int32], PivotError> in
            var scope = Scope.range(range)
            do throws(PivotError) {
                for leaf in chain {
                    guard let rows = try evaluator.fastSelect(leaf, in: scope, parallel: false) else {
                        throw PivotError("internal: \(leaf) lost its tight loop")
                    }
                    scope = .rows(rows)
                }
            } catch {
                return .failure(error)
            }
            guard case .rows(let rows) = scope else { return .success([]) }
            return .success(rows)
        }
        var pieces: [[Int32]] = []
        for part in parts {
            switch part {
            case .success(let rows): pieces.append(rows)
            case .failure(let error): throw error
            }
        }
        return Self.join(pieces)
    }

    /// The parts' rows one after the other, copied in parallel.
    private static func join(_ pieces: [[Int32]]) -> [Int32] {
        var offsets = [0]
        for piece in pieces { offsets.append(offsets[offsets.count - 1] + piece.count) }
        let total = offsets[offsets.count - 1]
        let starts = offsets
        return [Int32](unsafeUninitializedCapacity: total) { buffer, initialized in
            if let base = buffer.baseAddress {
                let target = JoinTarget(base: base)
                DispatchQueue.concurrentPerform(iterations: pieces.count) { index in
                    pieces[index].withUnsafeBufferPointer { piece in
                        if let source = piece.baseAddress {
                            (target.base + starts[index]).initialize(from: source, count: piece.count)
                        }
                    }
                }
            }
            initialized = total
        }
    }

    /// Each part writes its own stretch of the joined rows.
    private struct JoinTarget: @unchecked Sendable {
        let base: UnsafeMutablePointer<Int32>
    }

    /// Tight loops for the common leaves: a text field against values, a number or time column against a bound.
    private func fastSelect(
        _ expression: FilterExpression,
        in scope: Scope,
        parallel: Bool
    ) throws(PivotError)
        -> [Int32]?
    {
        let field: FilterExpression.Field
        switch expression {
        case .compare(let f, _, _), .isIn(let f, _): field = f
        default: return nil
        }
        guard case .column(let name) = field, let column = table.column(named: name) else { return nil }
        switch column.data {
        case .string(let strings):
            // One test per distinct value, then a lookup per row.
            var perCode = [Bool](repeating: false, count: strings.dictionary.count + 1)
            for (code, value) in strings.dictionary.enumerated() {
                switch expression {
                case .compare(_, let comparison, let literal):
                    perCode[code] = compare(.text(value), comparison, textOperand(literal))
                case .isIn(_, let literals):
                    perCode[code] = literals.contains { compare(.text(value), .equal, textOperand($0)) }
                default: return nil
                }
            }
            let nullSlot = strings.dictionary.count
            return strings.codes.withUnsafeBufferPointer { codes in
                perCode.withUnsafeBufferPointer { perCode in
                    filterRows(scope, parallel: parallel, CodeMatch(codes: codes, matches: perCode, nullSlot: nullSlot))
                }
            }
        case .timestamp(let times):
            guard case .compare(_, let comparison, .text(let text)) = expression, let bound = Timestamp(text) else {
                return nil
            }
            return times.values.withUnsafeBufferPointer { values in
                filterRows(
                    scope,
                    parallel: parallel,
                    BoundMatch(values: values, nulls: times.nulls, bound: bound.microsecondsSinceEpoch, comparison)
                )
            }
        case .decimal(let decimals):
            guard case .compare(_, let comparison, .number(let bound)) = expression else { return nil }
            return decimals.values.withUnsafeBufferPointer { values in
                filterRows(
                    scope,
                    parallel: parallel,
                    BoundMatch(values: values, nulls: decimals.nulls, bound: bound, comparison)
                )
            }
        case .tags:
            return nil
        }
    }

    private func textOperand(_ literal: FilterExpression.Literal) -> Operand {
        switch literal {
        case .text(let value): .text(value)
        case .number(let value): .text(value.description)
        }
    }

    /// The rows of `scope` that `keep` accepts, in order; with `parallel`, large scopes are scanned in parts on all
    /// cores and the parts joined in row order.
    private func filterRows<Test: RowTest>(_ scope: Scope, parallel: Bool, _ keep: Test) -> [Int32] {
        let candidates: [Int32]?
        let positions: Range<Int>
        switch scope {
        case .table: (candidates, positions) = (nil, 0..<table.rowCount)
        case .range(let range): (candidates, positions) = (nil, range)
        case .rows(let rows): (candidates, positions) = (rows, 0..<rows.count)
        }
        let parts = parallel && positions.count >= tuning.parallelThreshold ? ExecutionTuning.cores : 1
        return (candidates ?? []).withUnsafeBufferPointer { candidateRows in
            let scanner = RowScanner(keep: keep, candidates: candidates == nil ? nil : candidateRows)
            guard parts > 1 else { return scanner.scan(positions) }
            let first = positions.lowerBound
            return Self.join(
                Parts.map(positions.count, into: parts) { scanner.scan($0.lowerBound + first..<$0.upperBound + first) }
            )
        }
    }

    private func evaluate(_ expression: FilterExpression) throws(PivotError) -> [UInt8] {
        switch expression {
        case .and(let lhs, let rhs):
            var left = try evaluate(lhs)
            let right = try evaluate(rhs)
            for row in left.indices {
                let (a, b) = (left[row], right[row])
                left[row] =
                    a == Self.no || b == Self.no
                    ? Self.no : (a == Self.unknown || b == Self.unknown ? Self.unknown : Self.yes)
            }
            return left
        case .or(let lhs, let rhs):
            var left = try evaluate(lhs)
            let right = try evaluate(rhs)
            for row in left.indices {
                let (a, b) = (left[row], right[row])
                left[row] =
                    a == Self.yes || b == Self.yes
                    ? Self.yes : (a == Self.unknown || b == Self.unknown ? Self.unknown : Self.no)
            }
            return left
        case .not(let inner):
            var values = try evaluate(inner)
            for row in values.indices where values[row] != Self.unknown { values[row] ^= 1 }
            return values
        case .isNull(let field):
            return try evaluateField(
                field,
                nullResult: Self.yes,
                text: { _ in Self.no },
                decimal: { _ in Self.no },
                time: { _ in Self.no }
            )
        case .compare(let field, let comparison, let literal):
            return try evaluate(field, description: "\(field) \(comparison.rawValue) \(literal)", literals: [literal]) {
                compare($0, comparison, $1[0])
            }
        case .isIn(let field, let literals):
            return try evaluate(field, description: "\(field) IN (…)", literals: literals) { value, operands in
                operands.contains { compare(value, .equal, $0) }
            }
        case .between(let field, let lower, let upper):
            return try evaluate(field, description: "\(field) BETWEEN", literals: [lower, upper]) { value, operands in
                compare(value, .greaterOrEqual, operands[0]) && compare(value, .lessOrEqual, operands[1])
            }
        case .matches(let field, let pattern):
            return try evaluateText(field, operation: "a regular expression match", RegexPattern(pattern).matches)
        case .like(let field, let pattern):
            return try evaluateText(field, operation: "LIKE", LikePattern(pattern).matches)
        }
    }

    /// A value of a row, typed by its column.
    private enum Operand {
        case text(String)
        case decimal(ExactDecimal)
        case time(Timestamp)
    }

    private func compare(_ value: Operand, _ comparison: FilterExpression.Comparison, _ literal: Operand) -> Bool {
        let order: Int
        switch (value, literal) {
        case (.text(let a), .text(let b)): order = a == b ? 0 : (a < b ? -1 : 1)
        case (.decimal(let a), .decimal(let b)): order = a == b ? 0 : (a < b ? -1 : 1)
        case (.time(let a), .time(let b)): order = a == b ? 0 : (a < b ? -1 : 1)
        default: return false
        }
        switch comparison {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        }
    }

    /// Evaluates a predicate on a field against literals converted to the field's type.
    private func evaluate(
        _ field: FilterExpression.Field,
        description: String,
        literals: [FilterExpression.Literal],
        _ predicate: @escaping (Operand, [Operand]) -> Bool
    ) throws(PivotError) -> [UInt8] {
        let kind = try kind(of: field)
        var operands: [Operand] = []
        for literal in literals {
            switch (kind, literal) {
            case ("text", .text(let value)): operands.append(.text(value))
            case ("text", .number(let value)): operands.append(.text(value.description))
            case ("decimal", .number(let value)): operands.append(.decimal(value))
            case ("decimal", .text(let value)):
                guard let number = try? ExactDecimal.parse(value) else {
                    throw PivotError("\(field) is a decimal column: in \(description), '\(value)' is not a number")
                }
                operands.append(.decimal(number))
            case ("timestamp", .text(let value)):
                guard let time = Timestamp(value) else {
                    throw PivotError(
                        "\(field) is a timestamp column: in \(description), '\(value)' is not an ISO 8601 date"
                    )
                }
                operands.append(.time(time))
            default:
                throw PivotError(
                    "\(field) is a timestamp column: in \(description), compare it with a 'YYYY-MM-DD' date"
                )
            }
        }
        let yes = Self.yes
        let no = Self.no
        return try evaluateField(
            field,
            nullResult: Self.unknown,
            text: { predicate(.text($0), operands) ? yes : no },
            decimal: { predicate(.decimal($0), operands) ? yes : no },
            time: { predicate(.time($0), operands) ? yes : no }
        )
    }

    private func kind(of field: FilterExpression.Field) throws(PivotError) -> String {
        if case .measure(let measure) = field {
            throw PivotError(
                .measureInFilter,
                "\(measure) is a measure: filter groups by it with HAVING, not in the row filter",
                subjects: ["\(measure)"]
            )
        }
        guard case .column(let name) = field else { return "text" }
        guard let column = table.column(named: name) else { throw unknownColumn(name, table: table) }
        switch column.data {
        case .string: return "text"
        case .decimal: return "decimal"
        case .timestamp: return "timestamp"
        case .tags: throw PivotError("filter on a tag with tag(key), not on the Tags column")
        }
    }

    /// Applies per-type tests to every row of a field; text tests run once per distinct value.
    /// A test of text values (null is unknown); refused on number and time columns.
    private func evaluateText(
        _ field: FilterExpression.Field,
        operation: String,
        _ test: (String) -> Bool
    ) throws(PivotError) -> [UInt8] {
        try evaluateField(
            field,
            nullResult: Self.unknown,
            text: { test($0) ? Self.yes : Self.no },
            decimal: nil,
            time: nil,
            operation: operation
        )
    }

    private func evaluateField(
        _ field: FilterExpression.Field,
        nullResult: UInt8,
        text: (String) -> UInt8,
        decimal: ((ExactDecimal) -> UInt8)?,
        time: ((Timestamp) -> UInt8)?,
        operation: String = "this comparison"
    ) throws(PivotError) -> [UInt8] {
        switch field {
        case .measure(let measure):
            throw PivotError(
                .measureInFilter,
                "\(measure) is a measure: filter groups by it with HAVING, not in the row filter",
                subjects: ["\(measure)"]
            )
        case .tag(let key):
            let keys = try KeyColumn.make(.tag(key), table: table, calendar: .current)
            let perCode = keys.values.map { value -> UInt8 in
                if case .text(let string) = value { return text(string) }
                return nullResult
            }
            return (0..<keys.codes.count).map { perCode[Int(keys.code($0))] }
        case .column(let name):
            guard let column = table.column(named: name) else { throw unknownColumn(name, table: table) }
            switch column.data {
            case .string(let strings):
                let perCode = strings.dictionary.map(text)
                return strings.codes.map { $0 == StringColumn.nullCode ? nullResult : perCode[Int($0)] }
            case .decimal(let values):
                guard let decimal else { throw PivotError("\(operation) needs a text column; \(name) holds decimals") }
                return (0..<table.rowCount).map { row in
                    if let nulls = values.nulls, nulls[row] { return nullResult }
                    return decimal(values.values[row])
                }
            case .timestamp(let values):
                guard let time else { throw PivotError("\(operation) needs a text column; \(name) holds timestamps") }
                return (0..<table.rowCount).map { row in
                    if let nulls = values.nulls, nulls[row] { return nullResult }
                    return time(Timestamp(microsecondsSinceEpoch: values.values[row]))
                }
            case .tags:
                throw PivotError("filter on a tag with tag(key), not on the Tags column")
            }
        }
    }
}

/// A regular expression that matches when it is found anywhere in the text.
struct RegexPattern {
    private let expression: NSRegularExpression

    /// The longest pattern, in UTF-16 units: Foundation on Linux leaks memory each time it compiles a longer one.
    static let maximumLength = 256

    init(_ pattern: String) throws(PivotError) {
        guard pattern.utf16.count <= Self.maximumLength else {
            throw PivotError(
                "a regular expression of \(pattern.utf16.count) characters is too long (at most \(Self.maximumLength))"
            )
        }
        do {
            expression = try NSRegularExpression(pattern: pattern)
        } catch {
            throw PivotError("'\(pattern)' is not a valid regular expression")
        }
    }

    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

/// A SQL LIKE pattern: `%` matches any run of characters, `_` exactly one; everything else itself.
struct LikePattern {
    private let pattern: [Character]

    init(_ pattern: String) {
        self.pattern = Array(pattern)
    }

    func matches(_ text: String) -> Bool {
        let characters = Array(text)
        var p = 0
        var t = 0
        var star = -1
        var mark = 0
        while t < characters.count {
            if p < pattern.count, pattern[p] == "_" || (pattern[p] != "%" && pattern[p] == characters[t]) {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "%" {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "%" { p += 1 }
        return p == pattern.count
    }
}

/// A test of one row, as a value so that each scan is specialized for it.
private protocol RowTest: SendableMetatype {
    func accepts(_ row: Int) -> Bool
}

/// A text column's row passes when its dictionary code does.
private struct CodeMatch: RowTest {
    let codes: UnsafeBufferPointer<UInt32>
    /// Per code, whether it passes; the last entry is for null.
    let matches: UnsafeBufferPointer<Bool>
    let nullSlot: Int

    @inline(__always)
    func accepts(_ row: Int) -> Bool {
        let code = codes[row]
        return matches[code == StringColumn.nullCode ? nullSlot : Int(code)]
    }
}

/// A number or time column's row passes when its value compares with a bound as asked (null never does).
private struct BoundMatch<Value: Comparable>: RowTest {
    let values: UnsafeBufferPointer<Value>
    let nulls: NullMask?
    let bound: Value
    let comparison: FilterExpression.Comparison

    init(
        values: UnsafeBufferPointer<Value>,
        nulls: NullMask?,
        bound: Value,
        _ comparison: FilterExpression.Comparison
    ) {
        self.values = values
        self.nulls = nulls
        self.bound = bound
        self.comparison = comparison
    }

    @inline(__always)
    func accepts(_ row: Int) -> Bool {
        if let nulls, nulls[row] { return false }
        let value = values[row]
        switch comparison {
        case .equal: return value == bound
        case .notEqual: return value != bound
        case .less: return value < bound
        case .lessOrEqual: return value <= bound
        case .greater: return value > bound
        case .greaterOrEqual: return value >= bound
        }
    }
}

/// One pass of a row test over a range of rows or of candidate positions.
///
/// Unchecked: the test only reads column buffers that nothing writes while a query runs.
private struct RowScanner<Test: RowTest>: @unchecked Sendable {
    let keep: Test
    /// The candidate rows, or `nil` when every row is a candidate.
    let candidates: UnsafeBufferPointer<Int32>?

    func scan(_ positions: Range<Int>) -> [Int32] {
        var rows: [Int32] = []
        guard let candidates else {
            rows.reserveCapacity(positions.count / 4)
            for row in positions where keep.accepts(row) { rows.append(Int32(row)) }
            return rows
        }
        rows.reserveCapacity(positions.count)
        for position in positions where keep.accepts(Int(candidates[position])) { rows.append(candidates[position]) }
        return rows
    }
}
