import FinOpsCore
import Foundation
import PivotKit
import Yams

extension AllocationRules {
    /// Reads rules from a YAML file (see ``AllocationRules``); weight files it names are read relative to it.
    ///
    /// - Throws: ``AnalyticsError`` naming the file, line and column of the first problem.
    public init(contentsOf path: String) throws(AnalyticsError) {
        try self.init(file: try YAMLFile(contentsOf: path))
    }

    /// Reads rules from YAML text; `path` names it in errors and anchors relative weight files.
    public init(yaml: String, path: String) throws(AnalyticsError) {
        try self.init(file: try YAMLFile(text: yaml, path: path))
    }

    private init(file: YAMLFile) throws(AnalyticsError) {
        let keys: Set<String> = ["target", "cost", "period", "precision", "fallback", "rules"]
        let pairs = try file.mapping(file.root, "the rules file", allowed: keys)
        self.init(rules: [])
        if let node = file.value("target", in: pairs) { target = try file.string(node, "target") }
        if let node = file.value("cost", in: pairs) {
            cost = try file.string(node, "cost")
            let allowed = ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"]
            guard allowed.contains(cost) else {
                throw file.error(node, "cost must be one of \(allowed.joined(separator: ", ")), got '\(cost)'")
            }
        }
        if let node = file.value("period", in: pairs) {
            let text = try file.string(node, "period")
            guard let bucket = TimeBucket(rawValue: text), bucket != .hour else {
                throw file.error(node, "period must be day, week, month, quarter or year, got '\(text)'")
            }
            period = bucket
        }
        if let node = file.value("precision", in: pairs) {
            precision = try file.integer(node, "precision", in: 0...ExactDecimal.fractionDigits)
        }
        if let node = file.value("fallback", in: pairs) { fallback = try file.string(node, "fallback") }
        let list = try file.required("rules", in: pairs, of: file.root, "the rules file")
        var names: Set<String> = []
        for item in try file.list(list, "rules") {
            let rule = try Self.rule(item, in: file)
            guard names.insert(rule.name).inserted else { throw file.error(item, "a second rule named '\(rule.name)'") }
            rules.append(rule)
        }
        if rules.isEmpty { throw file.error(list, "rules is empty: give at least one rule") }
    }

    private static func rule(_ node: Node, in file: YAMLFile) throws(AnalyticsError) -> AllocationRule {
        let keys: Set<String> = ["name", "where", "from", "assign", "assign_by", "split"]
        let pairs = try file.mapping(node, "a rule", allowed: keys)
        let name = try file.string(try file.required("name", in: pairs, of: node, "a rule"), "name")
        var condition: FilterExpression?
        if let whereNode = file.value("where", in: pairs) {
            let text = try file.string(whereNode, "where")
            do {
                condition = try PivotSyntax.filter(text)
            } catch {
                var location = file.location(of: whereNode)
                // Point at the character the filter's parser stopped at when the text is on the key's line.
                if let column = location.column,
                    !(whereNode.scalar?.style == .literal || whereNode.scalar?.style == .folded)
                {
                    let quoted = whereNode.scalar?.style == .singleQuoted || whereNode.scalar?.style == .doubleQuoted
                    location.column = column + (quoted ? 1 : 0) + error.column - 1
                }
                throw AnalyticsError(.invalidFile, "rule '\(name)': where: \(error.message)", at: location)
            }
            for field in condition?.fields ?? [] {
                if case .measure = field {
                    throw file.error(whereNode, "rule '\(name)': where tests columns and tags, not measures")
                }
            }
        }
        var source = AllocationRule.Source.unclaimed
        if let fromNode = file.value("from", in: pairs) {
            let text = try file.string(fromNode, "from")
            source = text == "any" ? .any : text == "unclaimed" ? .unclaimed : .target(text)
        }
        let actions = ["assign", "assign_by", "split"].filter { file.value($0, in: pairs) != nil }
        guard actions.count == 1 else {
            throw file.error(node, "rule '\(name)' needs exactly one of assign, assign_by or split")
        }
        let action: AllocationRule.Action
        if let assignNode = file.value("assign", in: pairs) {
            action = .assign(try file.string(assignNode, "assign"))
        } else if let byNode = file.value("assign_by", in: pairs) {
            let text = try file.string(byNode, "assign_by")
            guard let dimensions = try? PivotSyntax.dimensions(text), dimensions.count == 1,
                let dimension = dimensions.first
            else {
                throw file.error(byNode, "rule '\(name)': assign_by takes one column or tag(key), got '\(text)'")
            }
            if case .time = dimension {
                throw file.error(byNode, "rule '\(name)': assign_by takes a text column or tag(key), not a time bucket")
            }
            action = .assignBy(dimension)
        } else if let splitNode = file.value("split", in: pairs) {
            action = .split(try split(splitNode, rule: name, in: file))
        } else {
            throw file.error(node, "rule '\(name)' needs assign, assign_by or split")
        }
        if case .target(let holder) = source, case .assign(let target) = action, holder == target {
            throw file.error(node, "rule '\(name)' would give '\(holder)' what it already holds")
        }
        return AllocationRule(name: name, condition: condition, source: source, action: action)
    }

    private static func split(
        _ node: Node,
        rule: String,
        in file: YAMLFile
    ) throws(AnalyticsError)
        -> AllocationRule.Split
    {
        let keys: Set<String> = ["evenly", "weights", "weights_file", "proportional_to", "among"]
        let pairs = try file.mapping(node, "split", allowed: keys)
        let kinds = ["evenly", "weights", "weights_file", "proportional_to"].filter { file.value($0, in: pairs) != nil }
        guard kinds.count == 1 else {
            throw file.error(
                node,
                "rule '\(rule)': split needs exactly one of evenly, weights, weights_file or proportional_to"
            )
        }
        let among = try file.value("among", in: pairs).map { (n: Node) throws(AnalyticsError) in
            try uniqueTargets(n, "among", rule: rule, in: file)
        }
        if among != nil, kinds[0] != "proportional_to" {
            throw file.error(node, "rule '\(rule)': among goes with proportional_to")
        }
        // Exactly one kind is present, so its value is.
        let kindNode = file.value(kinds[0], in: pairs) ?? node
        switch kinds[0] {
        case "evenly":
            return .evenly(try uniqueTargets(kindNode, "evenly", rule: rule, in: file))
        case "weights":
            let weightsNode = kindNode
            guard case .mapping(let mapping) = weightsNode, !mapping.isEmpty else {
                throw file.error(weightsNode, "rule '\(rule)': weights must be a map of target: weight")
            }
            var weights: [AllocationRule.Weight] = []
            for (key, value) in mapping {
                let target = try file.string(key, "a weight's target")
                let weight = try file.decimal(value, "the weight of '\(target)'")
                if weight.isNegative {
                    throw file.error(value, "rule '\(rule)': the weight of '\(target)' is negative")
                }
                weights.append(.init(target, weight))
            }
            guard weights.contains(where: { !$0.weight.isZero }) else {
                throw file.error(weightsNode, "rule '\(rule)': every weight is zero")
            }
            return .weights(weights)
        case "weights_file":
            let pathNode = kindNode
            let relative = try file.string(pathNode, "weights_file")
            let base = URL(fileURLWithPath: file.path).deletingLastPathComponent()
            let path = relative.hasPrefix("/") ? relative : base.appendingPathComponent(relative).path
            return .periodWeights(try WeightsFile.read(path: path), file: path)
        default:
            let basisNode = kindNode
            let text = try file.string(basisNode, "proportional_to")
            if text == "direct" { return .proportional(nil, among: among) }
            guard let measures = try? PivotSyntax.measures(text), measures.count == 1,
                case .sum(let column) = measures[0]
            else {
                throw file.error(
                    basisNode,
                    "rule '\(rule)': proportional_to takes direct or sum(COLUMN), got '\(text)'"
                )
            }
            return .proportional(.sum(column), among: among)
        }
    }

    private static func uniqueTargets(
        _ node: Node,
        _ what: String,
        rule: String,
        in file: YAMLFile
    )
        throws(AnalyticsError) -> [String]
    {
        let targets = try file.strings(node, what)
        guard !targets.isEmpty else { throw file.error(node, "rule '\(rule)': \(what) is empty") }
        guard Set(targets).count == targets.count else {
            throw file.error(node, "rule '\(rule)': \(what) repeats a target")
        }
        return targets
    }
}

/// A CSV of weights per period: `period,target,weight` (an empty period applies to every period).
enum WeightsFile {
    static func read(path: String) throws(AnalyticsError) -> [String: [AllocationRule.Weight]] {
        let text = try TextFile.read(path, "weights file")
        var weights: [String: [AllocationRule.Weight]] = [:]
        for (at, fields) in try TextFile.rows(
            text,
            path: path,
            header: ["period", "target", "weight"],
            what: "weights file"
        ) {
            guard !fields[1].isEmpty else { throw AnalyticsError(.invalidFile, "field target is empty", at: at) }
            guard let weight = ExactDecimal(fields[2]), !weight.isNegative else {
                throw AnalyticsError(
                    .invalidFile,
                    "field weight must be a decimal not below 0, got '\(fields[2])'",
                    at: at
                )
            }
            if weights[fields[0], default: []].contains(where: { $0.target == fields[1] }) {
                throw AnalyticsError(.invalidFile, "a second weight for \(fields[1]) in period '\(fields[0])'", at: at)
            }
            weights[fields[0], default: []].append(.init(fields[1], weight))
        }
        return weights
    }
}
