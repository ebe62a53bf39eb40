import ArgumentParser
import FinOpsCore

extension FinOps {
    struct Sample: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a deterministic, realistic FOCUS 1.2 export for demos, tests and benchmarks."
        )

        @Option(help: "The number of data rows.")
        var rows: Int

        @Option(help: "The seed; the same rows and seed give a byte-identical file.")
        var seed: UInt64 = 42

        @Option(help: "The number of monthly billing periods, starting January 2024.")
        var months: Int = 3

        @Option(help: "Keep only the first N days of the last month, as an export taken mid-month.")
        var lastMonthDays: Int?

        @Option(help: "The file to write.")
        var out: String

        func validate() throws {
            guard rows >= 0 else { throw ValidationError("--rows must not be negative.") }
            guard months >= 1 else { throw ValidationError("--months must be at least 1.") }
            if let days = lastMonthDays, !(1...31).contains(days) {
                throw ValidationError("--last-month-days takes 1 to 31.")
            }
        }

        func run() async throws {
            var generator = SampleGenerator(rows: rows, seed: seed, months: months)
            generator.lastMonthDays = lastMonthDays
            try generator.write(to: out)
        }
    }
}
