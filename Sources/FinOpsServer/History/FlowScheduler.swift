import FlowEngine
import Foundation

/// Fires the `Schedule` triggers of the catalog's flows: each tick once, whichever of the processes sharing the
/// execution store gets to it first (the store's claim decides), with the trigger's inputs and `trigger.date`.
///
/// A tick later than the trigger's `lateMaximumDelay` when it can be fired is skipped. Ticks missed while no
/// scheduler ran (since the last one claimed) are fired as `recoverMissedSchedules` says (all, the last, or none);
/// `backfill.start` fires the ticks from that instant on, once. Executions whose process stopped beating (no
/// heartbeat for three intervals) are marked FAILED with the reason, looked for at start and after every interval.
struct FlowScheduler: Sendable {
    let flows: FlowService
    /// How often the flows are looked at (and the directory read again).
    var interval: Duration = .seconds(1)
    /// Ticks further back than this are not recovered (a scheduler down for a year does not fire a year of ticks).
    var recoveryHorizon: TimeInterval = 7 * 24 * 3600

    /// Runs until cancelled.
    func run(now: @Sendable () -> Date = Date.init) async {
        let started = now()
        let beat = Self.seconds(flows.heartbeatInterval)
        let abandonedAfter = 3 * beat
        var swept: Date?
        var checked: [String: Date] = [:]
        while !Task.isCancelled {
            let date = now()
            if swept.map({ date.timeIntervalSince($0) >= beat }) ?? true {
                swept = date
                _ = try? await flows.executions.failAbandoned(
                    heartbeatBefore: date.addingTimeInterval(-abandonedAfter),
                    reason: "the process running it stopped (no heartbeat for \(Int(abandonedAfter)) s); run it again"
                )
            }
            await fire(until: date, checked: &checked, started: started)
            try? await Task.sleep(for: interval)
        }
    }

    /// Fires every due tick up to `date`; `checked` holds, per trigger, the instant up to which ticks were handled.
    func fire(until date: Date, checked: inout [String: Date], started: Date) async {
        for entry in flows.catalog.entries() {
            guard let flow = entry.flow, !flow.disabled else { continue }
            for trigger in flow.triggers where !trigger.disabled {
                guard case .schedule(let cron, let zone) = trigger.kind else { continue }
                let options = trigger.schedule ?? .init()
                let key = "\(flow.namespace)\u{1F}\(flow.id)\u{1F}\(trigger.id)"
                let timeZone = zone.flatMap(TimeZone.init(identifier:)) ?? .gmt
                let from: Date
                if let known = checked[key] {
                    from = known
                } else {
                    from = await firstInstant(flow: flow, trigger: trigger, options: options, started: started)
                }
                checked[key] = max(from, date)
                var due: [Date] = []
                var cursor = from
                while let next = cron.next(after: cursor, in: timeZone), next <= date, due.count < 10_000 {
                    due.append(next)
                    cursor = next
                }
                // Ticks before this process started, and before any backfill start, were missed while no scheduler
                // ran: fired as the trigger's recovery says. Backfilled ticks are fired however late they are.
                let missed = due.filter { tick in tick < started && options.backfillStart.map { tick < $0 } ?? true }
                let backfilled = due.filter { tick in
                    tick < started && options.backfillStart.map { tick >= $0 } ?? false
                }
                let current = due.filter { $0 >= started }
                let recovered: [Date] =
                    switch options.recovery {
                    case .all: missed
                    case .last: missed.last.map { [$0] } ?? []
                    case .none: []
                    }
                for tick in recovered + backfilled {
                    await start(flow: flow, trigger: trigger, tick: tick, at: date)
                }
                for tick in current {
                    if let late = options.lateMaximumDelay, date.timeIntervalSince(tick) > Self.seconds(late) {
                        continue
                    }
                    await start(flow: flow, trigger: trigger, tick: tick, at: date)
                }
            }
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Where a trigger's ticks start: its backfill start, else the last tick claimed before (within the recovery
    /// horizon), else now.
    private func firstInstant(
        flow: Flow,
        trigger: TriggerDefinition,
        options: TriggerDefinition.ScheduleOptions,
        started: Date
    ) async -> Date {
        if let backfill = options.backfillStart { return backfill.addingTimeInterval(-0.001) }
        let last = try? await flows.executions.lastClaimedTick(
            namespace: flow.namespace,
            flowId: flow.id,
            triggerId: trigger.id
        )
        guard let last else { return started }
        return max(last, started.addingTimeInterval(-recoveryHorizon))
    }

    private func start(flow: Flow, trigger: TriggerDefinition, tick: Date, at now: Date) async {
        let id = FlowService.newExecutionId()
        let claim = ScheduleTick(namespace: flow.namespace, flowId: flow.id, triggerId: trigger.id, date: tick)
        guard (try? await flows.executions.claim(claim, executionId: id)) == true else { return }
        let triggerValue: FlowValue = [
            "date": .string(ExecutionRecord.timestamp(tick)),
            "id": .string(trigger.id),
            "type": .string(trigger.type),
        ]
        var inputs: [String: FlowValue] = [:]
        var problems: [String] = []
        do {
            let context = EvaluationContext(variables: ["trigger": triggerValue], now: now)
            if case .map(let given)? = try trigger.inputs?.render(context) {
                for (key, value) in given { inputs[key] = value }
            }
        } catch {
            problems.append("the trigger's inputs do not render: \(error)")
        }
        if !problems.isEmpty {
            var record = ExecutionRecord(
                id: id,
                namespace: flow.namespace,
                flowId: flow.id,
                inputs: [:],
                startedBy: "schedule:\(trigger.id)",
                trigger: triggerValue
            )
            record.fail(problems)
            try? await flows.executions.save(record)
            return
        }
        _ = try? await flows.start(
            flow,
            inputs: inputs,
            startedBy: "schedule:\(trigger.id)",
            trigger: triggerValue,
            id: id
        )
    }
}
