import ArgumentParser
import FinOpsAnalytics
import FinOpsCore
import FinOpsTasks
import Foundation
import PivotKit

/// What a cost review covers: the options `report` and `metrics` share.
struct ReviewOptions: ParsableArguments {
    @Option(help: "The month reviewed, YYYY-MM (default: the data's last).")
    var month: String?

    @Option(help: "The billing currency (default: the one with the most cost).")
    var currency: String?

    @Option(help: "A budgets file: adds the budget section.")
    var budgets: String?

    @Option(help: "An allocation rules file: adds the showback.")
    var rules: String?

    @Option(name: .customLong("tag"), help: "Tag keys whose coverage is shown, e.g. team,env.")
    var tags: String?

    @Option(name: .customLong("where"), help: "Only rows that pass this filter.")
    var filter: String?

    func options() throws -> CostReport.Options {
        var options = CostReport.Options()
        options.month = month
        options.currency = currency
        do {
            options.filter = try filter.map { try PivotSyntax.filter($0) }
        } catch {
            throw ValidationError("--where: \(error)")
        }
        if let budgets { options.budgets = try Budget.load(contentsOf: budgets) }
        if let rules { options.rules = try AllocationRules(contentsOf: rules) }
        options.tagKeys = (tags ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return options
    }
}

extension FinOps {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the cost review of a month as one self-contained HTML page.",
            discussion: """
                Headline numbers, daily cost with the forecast to the month's end and anomalies, cost by service \
                and account, top movers, and (with their options) budgets, tag coverage, commitments and the \
                showback. The page needs no network: styles and SVG charts are inline.
                Examples:
                  finops report --out review.html
                  finops report --month 2024-03 --budgets Examples/budgets/budgets.yml --tag team --out march.html
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup var review: ReviewOptions

        @Option(help: "The page's title.")
        var title = "Cost review"

        @Option(help: "The HTML file written.")
        var out = "finops-report.html"

        func run() async throws {
            var options = try review.options()
            options.title = title
            options.generated = ISO8601DateFormatter().string(from: Date())
            let report = try await storeOptions.withStore { try await CostReport.build(options: options, store: $0) }
            try write(report.html(), to: out)
            print("Wrote the \(report.currency) review of \(report.month) to \(out)")
        }
    }

    struct Metrics: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the month's cost figures as Prometheus metrics (text exposition format).",
            discussion: """
                For node_exporter's textfile collector or a Pushgateway; Examples/grafana has a dashboard for them. \
                Samples are floating point (Prometheus' own type): reports and task outputs keep every digit.
                Example:
                  finops metrics --budgets Examples/budgets/budgets.yml --out /var/lib/node_exporter/finops.prom
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup var review: ReviewOptions

        @Option(help: "The file written (- for standard output).")
        var out = "-"

        func run() async throws {
            let options = try review.options()
            let text = try await storeOptions.withStore { store in
                CostMetrics.exposition(
                    of: try await CostReport.build(options: options, store: store),
                    periods: try await store.periods(),
                    generatedAt: Date().timeIntervalSince1970
                )
            }
            if out == "-" {
                print(text, terminator: "")
            } else {
                try write(text, to: out)
            }
        }
    }

    /// `finops run FLOW`: `finops flow run FLOW`, shorter.
    struct RunFlow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a flow to its end (the same as `finops flow run`)."
        )

        @OptionGroup var flow: FlowCommand.Run

        func run() async throws {
            try await flow.run()
        }
    }
}

/// Writes a file whole (a temporary file renamed over it).
func write(_ text: String, to path: String) throws {
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw DataError(message: "cannot write \(path): \(error.localizedDescription)")
    }
}
