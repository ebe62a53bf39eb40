import Foundation

/// Reads flow inputs and triggers.
struct InputReader {
    let sink: DiagnosticSink

    func input(_ node: YAMLNode) -> InputDefinition? {
        guard node.pairs != nil else {
            sink.report("an input is a map with id and type, not \(node.kindName)", at: node.location)
            return nil
        }
        let properties = TaskProperties(node, sink: sink)
        let id = properties.string("id") ?? properties.string("name")
        if id == nil { properties.report("missing required property 'id'") }
        if let id, !Identifiers.isInputID(id) {
            properties.report(
                "input id '\(id)' must start with a letter or digit and use only letters, digits, '.', '_' and '-'",
                at: "id"
            )
        }
        let type = properties.string("type", required: true).flatMap { name -> InputType? in
            guard let type = InputType(rawValue: name) else {
                properties.report(
                    "unknown input type '\(name)'; use one of \(InputType.allCases.map(\.rawValue).joined(separator: ", "))",
                    at: "type"
                )
                return nil
            }
            return type
        }
        var input = InputDefinition(id: id ?? "", type: type ?? .string)
        input.location = node.location
        input.description = properties.string("description")
        input.displayName = properties.string("displayName")
        input.required = properties.bool("required") ?? true
        input.defaults = properties.value("defaults")
        input.validator = properties.string("validator")
        input.min = properties.value("min")
        input.max = properties.value("max")
        input.after = properties.value("after")
        input.before = properties.value("before")
        input.allowCustomValue = properties.bool("allowCustomValue") ?? false
        if let values = properties.node("values") ?? properties.node("options") {
            if let items = values.items {
                input.values = items.map(\.value.rendered)
            } else {
                sink.report("values are a list of choices", at: values.location)
            }
        }
        if let itemType = properties.string("itemType") {
            if let parsed = InputType(rawValue: itemType), parsed != .array {
                input.itemType = parsed
            } else {
                properties.report("itemType '\(itemType)' is not an input type usable in a list", at: "itemType")
            }
        }
        if properties.contains("dependsOn") {
            _ = properties.node("dependsOn")
            properties.report("input dependsOn is not supported: inputs are resolved without the UI", at: "dependsOn")
        }
        _ = properties.node("expression")
        _ = properties.bool("isRadio")
        _ = properties.string("extension")
        properties.reportUnknown(in: "input '\(input.id)'")

        guard id != nil, let type else { return nil }
        switch type {
        case .file:
            properties.report("FILE inputs are not supported: they need Kestra's internal storage", at: "type")
        case .array where input.itemType == nil:
            properties.report("an ARRAY input needs an itemType", at: "type")
        case .select, .enum:
            if input.values == nil && !properties.contains("expression") {
                properties.report("a \(type.rawValue) input needs values", at: "type")
            }
        default:
            break
        }
        if let validator = input.validator {
            do {
                // Compiled as the check at run time compiles it, anchored.
                _ = try RegularExpression.compile("^(?:\(validator))$")
            } catch {
                let reason =
                    validator.utf16.count + 7 > RegularExpression.maximumLength
                    ? "is longer than \(RegularExpression.maximumLength - 7) characters"
                    : "is not a valid regular expression"
                properties.report("validator '\(validator)' \(reason)", at: "validator")
            }
        }
        if let defaults = input.defaults, defaults != .null {
            do {
                var check = input
                check.required = false
                _ = try check.resolve(defaults)
            } catch {
                properties.report("the default does not fit the input: \(error.reason)", at: "defaults")
            }
        }
        return input
    }
}

struct TriggerReader {
    let sink: DiagnosticSink

    func trigger(_ node: YAMLNode) -> TriggerDefinition? {
        guard node.pairs != nil else {
            sink.report("a trigger is a map with id and type, not \(node.kindName)", at: node.location)
            return nil
        }
        let properties = TaskProperties(node, sink: sink)
        let id = properties.string("id", required: true)
        let type = properties.string("type", required: true)
        let disabled = properties.bool("disabled") ?? false
        let inputs = properties.dynamic("inputs")
        _ = properties.string("description")
        _ = properties.node("conditions")
        _ = properties.node("labels")
        _ = properties.node("stopAfter")
        var kind: TriggerDefinition.Kind?
        var schedule: TriggerDefinition.ScheduleOptions?
        switch type?.split(separator: ".").last {
        case "Schedule":
            let withSeconds = properties.bool("withSeconds") ?? false
            let zone = properties.string("timezone")
            if let zone, TimeZone(identifier: zone) == nil {
                properties.report("unknown time zone '\(zone)'; use an IANA name such as Europe/Paris", at: "timezone")
            }
            var options = TriggerDefinition.ScheduleOptions(lateMaximumDelay: properties.duration("lateMaximumDelay"))
            if let recover = properties.string("recoverMissedSchedules") {
                if let recovery = TriggerDefinition.ScheduleOptions.Recovery(rawValue: recover) {
                    options.recovery = recovery
                } else {
                    properties.report("recoverMissedSchedules is ALL, LAST or NONE", at: "recoverMissedSchedules")
                }
            }
            if let backfill = properties.node("backfill") {
                let backfillProperties = TaskProperties(backfill, sink: sink)
                if let start = backfillProperties.string("start", required: true) {
                    if let date = InputDates.dateTime(start) {
                        options.backfillStart = date
                    } else {
                        backfillProperties.report(
                            "backfill start '\(start)' is not an ISO 8601 date and time, e.g. 2024-01-01T00:00:00Z",
                            at: "start"
                        )
                    }
                }
                _ = backfillProperties.node("end")
                _ = backfillProperties.node("inputs")
                _ = backfillProperties.node("labels")
                backfillProperties.reportUnknown(in: "backfill")
            }
            schedule = options
            if let cron = properties.string("cron", required: true) {
                do {
                    kind = .schedule(cron: try CronExpression(cron, withSeconds: withSeconds), timeZone: zone)
                } catch {
                    properties.report("invalid cron '\(cron)': \(error.message)", at: "cron")
                }
            }
        case "Flow":
            _ = properties.node("preconditions")
            _ = properties.node("states")
            kind = .flow
        case "Webhook":
            if let key = properties.string("key", required: true) { kind = .webhook(key: key) }
        case let other?:
            properties.report(
                "unknown trigger type '\(type ?? String(other))'; Schedule, Flow and Webhook are known",
                at: "type"
            )
        case nil:
            break
        }
        properties.reportUnknown(in: "trigger '\(id ?? "?")'")
        guard let id, let type, let kind else { return nil }
        return TriggerDefinition(
            id: id,
            type: type,
            kind: kind,
            schedule: schedule,
            disabled: disabled,
            inputs: inputs,
            location: node.location
        )
    }
}
