import FlowEngine
import Foundation

/// A custom task type: compares a spend with a budget and reports whether the budget is exceeded.
///
/// ```yaml
/// - id: check
///   type: com.example.finops.BudgetCheck
///   spend: "{{ outputs.total.values.amount }}"
///   budget: 1000
///   failWhenExceeded: true
/// ```
/// Outputs `exceeded` (boolean) and `ratio` (spend ÷ budget, exact). Amounts are decimals given as text or numbers,
/// never binary floating point.
public struct BudgetCheck: TaskType {
    public static let typeNames = ["com.example.finops.BudgetCheck"]
    let spend: DynamicValue
    let budget: DynamicValue
    let failWhenExceeded: Bool

    public init(properties: TaskProperties) throws {
        guard let spend = properties.dynamic("spend", required: true),
            let budget = properties.dynamic("budget", required: true)
        else { throw properties.invalid }
        self.spend = spend
        self.budget = budget
        failWhenExceeded = properties.bool("failWhenExceeded") ?? false
    }

    public func run(_ context: TaskContext) async throws -> TaskOutputs {
        let spend = try Self.amount(context.render(self.spend), name: "spend")
        let budget = try Self.amount(context.render(self.budget), name: "budget")
        guard budget > 0 else { throw TaskFailure("the budget must be positive, not \(budget)") }
        let exceeded = spend > budget
        context.log(exceeded ? .warn : .info, "spend \(spend) of budget \(budget)")
        if exceeded && failWhenExceeded { throw TaskFailure("spend \(spend) exceeds the budget of \(budget)") }
        if exceeded { context.markWarning() }
        return ["exceeded": .bool(exceeded), "ratio": .decimal(spend / budget)]
    }

    static func amount(_ value: FlowValue, name: String) throws -> Decimal {
        switch value {
        case .int(let number): return Decimal(number)
        case .decimal(let number): return number
        case .string(let text):
            if let number = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) { return number }
        default: break
        }
        throw TaskFailure("\(name) must be an amount, not \(value.json)")
    }
}

/// The task types of this program: the core ones and ``BudgetCheck``.
public enum CostAlerts {
    public static var registry: TaskRegistry {
        var registry = TaskRegistry.core
        registry.register(BudgetCheck.self)
        return registry
    }

    /// The flow shipped with the example.
    public static var flowURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("budget_alert.yml")
    }
}
