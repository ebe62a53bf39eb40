import FlowEngine
import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `io.finops.cost.Notify`: POSTs a JSON payload to a webhook (Slack, Teams, an incident tool, your own service),
/// retrying what may pass on a second try.
///
/// ```yaml
/// - id: alert
///   type: io.finops.cost.Notify
///   runIf: "{{ outputs.budgets.breached > 0 }}"
///   url: "{{ secret('SLACK_WEBHOOK') }}"
///   payload:
///     text: "{{ outputs.budgets.alerts | join('\n') }}"
/// ```
/// Properties: `url` (http or https), `payload` (any value, sent as JSON; expressions rendered), `headers`,
/// `requestTimeout` (per attempt, default PT10S; the common `timeout` bounds the whole task), `attempts` (default 3) and `retryInterval` (the first wait, doubled after
/// each attempt; default PT1S). Connection failures, timeouts, 429 and 5xx answers are retried; other answers fail
/// the task at once. Outputs: `status`, `attempts` and `body` (the answer's first 4 KiB).
struct NotifyTask: TaskType {
    static let typeNames = ["io.finops.cost.Notify"]
    let url: Template
    let payload: DynamicValue?
    let headers: DynamicValue?
    let requestTimeout: TaskSetting<Duration>?
    let attempts: TaskSetting<Int>?
    let retryInterval: TaskSetting<Duration>?

    init(properties: TaskProperties) throws {
        let url = properties.template("url", required: true)
        payload = properties.dynamic("payload")
        headers = properties.dynamic("headers")
        if let headers, case .map = headers {
        } else if headers != nil {
            properties.report("'headers' is a map of header names to values", at: "headers")
        }
        requestTimeout = properties.durationSetting("requestTimeout", in: .milliseconds(1)...Duration.seconds(3_600))
        attempts = properties.integerSetting("attempts", in: 1...20)
        retryInterval = properties.durationSetting("retryInterval", in: .zero...Duration.seconds(3_600))
        guard let url else { throw properties.invalid }
        self.url = url
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let timeout = try requestTimeout?.value(in: context) ?? .seconds(10)
        let attempts = try self.attempts?.value(in: context) ?? 3
        let address = try context.render(url)
        guard let target = URL(string: address), ["http", "https"].contains(target.scheme?.lowercased() ?? ""),
            target.host != nil
        else { throw TaskFailure("url must be an http or https address, not '\(address)'") }
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        // URLSession's own timeout is between bytes; the task's (in post) covers the whole answer and comes first.
        request.timeoutInterval = timeout.timeInterval * 2 + 1
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let headers, case .map(let map) = try context.render(headers) {
            for (name, value) in map { request.setValue(value.rendered, forHTTPHeaderField: name) }
        }
        request.httpBody = Data((try payload.map { try context.render($0) } ?? .map([:])).json.utf8)

        var wait = try retryInterval?.value(in: context) ?? .seconds(1)
        var lastProblem = ""
        for attempt in 1...attempts {
            if attempt > 1 {
                context.log(.warn, "\(lastProblem); retrying in \(wait)")
                try await context.sleep(for: wait)
                wait *= 2
            }
            do {
                let (body, status) = try await Self.post(request, timeout: timeout)
                let text = String(decoding: body.prefix(4096), as: UTF8.self)
                if (200..<300).contains(status) {
                    context.log(.info, "\(target.host ?? address) answered \(status)")
                    return ["status": .int(status), "attempts": .int(attempt), "body": .string(text)]
                }
                lastProblem = "\(target.host ?? address) answered \(status)"
                guard status == 429 || status >= 500 else {
                    throw TaskFailure("\(lastProblem): \(text.prefix(200))")
                }
            } catch let failure as TaskFailure {
                throw failure
            } catch is CancellationError {
                throw CancellationError()
            } catch is PostTimeout {
                lastProblem = "\(target.host ?? address) did not answer within \(timeout)"
            } catch {
                lastProblem = "cannot reach \(target.host ?? address): \(error.localizedDescription)"
            }
        }
        throw TaskFailure("\(lastProblem), after \(attempts) attempts")
    }

    private struct PostTimeout: Error {}

    /// Sends a request, giving up after `timeout` whatever the connection is doing (URLSession's own timeout is
    /// between bytes, not for the whole answer); a cancelled task cancels the request.
    private static func post(_ request: URLRequest, timeout: Duration) async throws -> (Data, Int) {
        // The first outcome wins (the answer, the timeout, a cancellation), whether it comes before or after the
        // continuation is there to take it.
        struct Waiting {
            var continuation: CheckedContinuation<(Data, Int), any Error>?
            var outcome: Result<(Data, Int), any Error>?
        }
        let waiting = Mutex(Waiting())
        let finish: @Sendable (Result<(Data, Int), any Error>) -> Void = { result in
            waiting.withLock { state in
                guard state.outcome == nil else { return }
                state.outcome = result
                state.continuation?.resume(with: result)
                state.continuation = nil
            }
        }
        let task = URLSession.shared.dataTask(with: request) { body, response, error in
            if let error {
                finish(.failure(error))
            } else {
                finish(.success((body ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0)))
            }
        }
        // A dispatch timer, not a sleeping task: a busy cooperative pool must not delay the timeout.
        let timer = DispatchWorkItem {
            finish(.failure(PostTimeout()))
            task.cancel()
        }
        DispatchQueue.global().asyncAfter(
            deadline: .now() + min(timeout, .seconds(86_400)).timeInterval,
            execute: timer
        )
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let early = waiting.withLock { state -> Result<(Data, Int), any Error>? in
                    if state.outcome == nil { state.continuation = continuation }
                    return state.outcome
                }
                if let early {
                    continuation.resume(with: early)
                } else {
                    task.resume()
                }
            }
        } onCancel: {
            finish(.failure(CancellationError()))
            task.cancel()
        }
    }
}
