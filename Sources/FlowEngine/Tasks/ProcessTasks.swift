import Foundation
import OrderedCollections
import Synchronization

/// `scripts.shell.Commands` and `scripts.shell.Script`: run shell commands on this machine.
///
/// Not in ``TaskRegistry/core``: a program enables them with ``TaskRegistry/registerProcessTasks()`` (the CLI with
/// `--allow-processes`), since a flow file should not run programs unless whoever runs it agreed to. Each command
/// line's output is logged; a line `::{"outputs":{…}}::` sets outputs, as in Kestra. A non-zero exit fails the task.
struct ShellCommandsTask: TaskType {
    static let typeNames = ["io.kestra.plugin.scripts.shell.Commands", "io.kestra.core.tasks.scripts.Bash"]
    let commands: [Template]
    let environment: DynamicValue?
    let interpreter: [String]

    init(properties: TaskProperties) throws {
        guard let commands = properties.templates("commands", required: true) else { throw properties.invalid }
        self.commands = commands
        environment = properties.dynamic("env")
        interpreter = try Self.readRunner(properties)
    }

    static func readRunner(_ properties: TaskProperties) throws -> [String] {
        if let runner = properties.node("taskRunner") {
            let type = runner["type"]?.scalar ?? ""
            if !type.hasSuffix(".Process") {
                properties.report(
                    "taskRunner '\(type)' is not supported: commands run as local processes",
                    at: "taskRunner"
                )
                throw properties.invalid
            }
        }
        _ = properties.string("containerImage")
        var interpreter = ["/bin/sh", "-c"]
        if let node = properties.node("interpreter") {
            guard let items = node.items?.compactMap(\.scalar), !items.isEmpty else {
                properties.report("interpreter is a list such as [\"/bin/bash\", \"-c\"]", at: "interpreter")
                throw properties.invalid
            }
            interpreter = items
        }
        return interpreter
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        var lines: [String] = []
        for command in commands { lines.append(try context.render(command)) }
        return try await ShellProcess.run(
            script: lines.joined(separator: "\n"),
            interpreter: interpreter,
            environment: try environment.map { try context.render($0) },
            context: context
        )
    }
}

/// `scripts.shell.Script`: runs a script text.
struct ShellScriptTask: TaskType {
    static let typeNames = ["io.kestra.plugin.scripts.shell.Script"]
    let script: Template
    let environment: DynamicValue?
    let interpreter: [String]

    init(properties: TaskProperties) throws {
        guard let script = properties.template("script", required: true) else { throw properties.invalid }
        self.script = script
        environment = properties.dynamic("env")
        interpreter = try ShellCommandsTask.readRunner(properties)
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        try await ShellProcess.run(
            script: try context.render(script),
            interpreter: interpreter,
            environment: try environment.map { try context.render($0) },
            context: context
        )
    }
}

extension TaskRegistry {
    /// Adds the task types that run processes on this machine (shell Commands and Script).
    public mutating func registerProcessTasks() {
        register(ShellCommandsTask.self)
        register(ShellScriptTask.self)
    }
}

enum ShellProcess {
    static func run(
        script: String,
        interpreter: [String],
        environment: FlowValue?,
        context: TaskContext
    ) async throws -> TaskOutputs {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter[0])
        process.arguments = Array(interpreter.dropFirst()) + [script]
        var variables = ProcessInfo.processInfo.environment
        if case .map(let map)? = environment {
            for (key, value) in map { variables[key] = value.rendered }
        }
        process.environment = variables
        if let folder = context.workingDirectory { process.currentDirectoryURL = folder }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let collector = OutputCollector(context: context)
        // The output is read to its end on a thread of its own (blocking reads must stay off the cooperative pool),
        // and the exit status is taken after that, so no line can arrive after the outputs are collected.
        let finished = ExitFlag()
        let (status, signalled): (Int32, Bool) = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                do {
                    try process.run()
                } catch {
                    continuation.resume(
                        throwing: TaskFailure("cannot start \(interpreter[0]): \(error.localizedDescription)")
                    )
                    return
                }
                try? output.fileHandleForWriting.close()
                DispatchQueue.global().async {
                    let handle = output.fileHandleForReading
                    while case let data = handle.availableData, !data.isEmpty { collector.receive(data) }
                    collector.receive(Data())
                    process.waitUntilExit()
                    finished.set()
                    continuation.resume(
                        returning: (process.terminationStatus, process.terminationReason == .uncaughtSignal)
                    )
                }
            }
        } onCancel: {
            stop(process, unless: finished)
        }
        try Task.checkCancellation()
        if signalled {
            throw TaskFailure("the commands were killed by signal \(status) (\(signalName(status)))")
        }
        var outputs = collector.outputs.withLock { $0 }
        outputs["exitCode"] = .int(Int(status))
        guard status == 0 else { throw TaskFailure("the commands exited with status \(status)") }
        return outputs
    }

    /// Stops the commands and everything they started, on a timeout or a kill: SIGTERM to the process group (the
    /// interpreter leads one of its own), then SIGKILL to whatever is left two seconds later, so a command that
    /// ignores SIGTERM or a child holding the output open cannot keep the task running.
    private static func stop(_ process: Process, unless finished: ExitFlag) {
        let group = process.processIdentifier
        guard group > 0 else { return }
        guard kill(-group, SIGTERM) == 0 else {
            process.terminate()
            return
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
            // Once the output has ended and the interpreter is reaped, the group may be gone and its number reused.
            if !finished.isSet { kill(-group, SIGKILL) }
        }
    }

    private static func signalName(_ number: Int32) -> String {
        strsignal(number).map { String(cString: $0) } ?? "unknown signal"
    }
}

/// Set once the interpreter has exited and its output has ended.
private final class ExitFlag: Sendable {
    private let state = Mutex(false)

    var isSet: Bool { state.withLock { $0 } }

    func set() { state.withLock { $0 = true } }
}

/// Splits a process's output into lines: logged, or read as outputs when written `::{"outputs":{…}}::`.
private final class OutputCollector: Sendable {
    let outputs = Mutex(TaskOutputs())
    private let pending = Mutex(Data())
    private let context: TaskContext

    init(context: TaskContext) { self.context = context }

    /// Takes more output; empty data means the end, which flushes a last line without a newline.
    func receive(_ data: Data) {
        let lines = pending.withLock { pending -> [String] in
            pending.append(data)
            var lines: [String] = []
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
            if data.isEmpty && !pending.isEmpty {
                lines.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll()
            }
            return lines
        }
        for line in lines { handle(line) }
    }

    private func handle(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("::{"), trimmed.hasSuffix("}::"),
            let value = try? FlowValue(parsingJSON: String(trimmed.dropFirst(2).dropLast(2))),
            case .map(let produced)? = value["outputs"]
        {
            outputs.withLock { current in
                for (key, item) in produced { current[key] = item }
            }
            return
        }
        context.log(.info, line)
    }
}
