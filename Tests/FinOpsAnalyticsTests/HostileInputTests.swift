import FinOpsAnalytics
import FinOpsCore
import FinOpsTestSupport
import Testing

/// Mutated rules, budgets, rates and series files: every one is read or refused with an error, never a trap.
@Suite("Hostile analysis inputs")
struct HostileInputTests {
    static let rules = """
        target: team
        precision: 2
        rules:
          - name: support
            where: ServiceName = 'Support' and tag(team) is null
            assign: platform
          - name: shared
            from: platform
            split: {weights: {web: 1, data: 2}}
          - name: rest
            split: {proportional_to: sum(ConsumedQuantity), among: [web, data]}
        """
    static let budgets = """
        budgets:
          - name: all
            period: {from: 2024-01-01, to: 2024-03-31}
            amount: 1000.50
            thresholds: [{actual: 80%}, {forecast: 1200}]
          - name: child
            parent: all
            scope: "tag(team) = 'web'"
            amount: 10
        """
    static let series =
        "series,timestamp,value\na,2024-01-01,1.5\na,2024-01-02,2\nb,2024-01-01T00:00:00Z,3\nb,2024-01-01T01:00:00Z,4\n"
    static let rates = "date,from,to,rate\n2024-01-01,USD,EUR,0.9\n"

    /// `text` with a few random edits: characters replaced, deleted, duplicated, or swapped for YAML and CSV syntax.
    static func mutated(_ text: String, _ random: inout SeededRandom) -> String {
        var characters = Array(text)
        let pieces: [String] = [
            ":", "-", "{", "}", "[", "]", "'", "\"", ",", "\n", " ", "#", "&a", "*a", "%", "99999999999999999999999",
            "-1", "1e400", "0.0000000000000000001", "\u{0}", "é", "tag(", ")", "null", "~", "? ", "|", ">",
        ]
        for _ in 0..<(1 + random.next(4)) {
            guard !characters.isEmpty else { break }
            let index = random.next(characters.count)
            switch random.next(4) {
            case 0: characters.remove(at: index)
            case 1: characters.insert(contentsOf: pieces[random.next(pieces.count)], at: index)
            case 2: characters[index] = Array(pieces[random.next(pieces.count)]).first ?? " "
            default:
                characters.insert(contentsOf: characters[index..<Swift.min(characters.count, index + 8)], at: index)
            }
        }
        return String(characters)
    }

    @Test("2,000 mutations of each file kind are read or refused with an error naming the file")
    func mutations() {
        var random = SeededRandom(seed: 99)
        for _ in 0..<2_000 {
            let path = "input"
            do { _ = try AllocationRules(yaml: Self.mutated(Self.rules, &random), path: path) } catch {
                #expect(error.description.hasPrefix(path), "\(error)")
            }
            do { _ = try Budget.load(yaml: Self.mutated(Self.budgets, &random), path: path) } catch {
                #expect(error.description.hasPrefix(path), "\(error)")
            }
            do {
                for one in try SeriesFile.parse(Self.mutated(Self.series, &random), path: path) {
                    _ = try? AnomalyDetector.detect(one)
                    _ = try? Forecaster.forecast(one, options: ForecastOptions(horizon: 3))
                }
            } catch {
                #expect(error.description.hasPrefix(path), "\(error)")
            }
            do { _ = try CurrencyRates(csv: Self.mutated(Self.rates, &random), path: path) } catch {
                #expect(error.description.hasPrefix(path), "\(error)")
            }
        }
    }

    @Test("series at the decimal range's and the calendar's edges forecast and detect without trapping")
    func extremeSeries() {
        let wide = "timestamp,value\n0001-01-01,1\n2001-01-01,2\n4001-01-01,3\n"
        let series = try? SeriesFile.parse(wide, path: "wide.csv").first
        #expect(series != nil)
        if let series {
            #expect(throws: AnalyticsError.self) {
                try Forecaster.forecast(series, options: ForecastOptions(horizon: 500))
            }
            #expect(throws: Never.self) {
                try Forecaster.forecast(series, options: ForecastOptions(horizon: 2, season: 0))
            }
            _ = try? AnomalyDetector.detect(series)
        }
        let edges: [ExactDecimal] = [.greatestFiniteMagnitude, .leastFiniteMagnitude, .zero, ExactDecimal(units: 1)]
        for edge in edges {
            let values = (0..<120).map { $0 % 17 == 0 ? edge : ExactDecimal($0 % 7) }
            let series = TimeSeries(name: "edge", first: CalendarDay(year: 2024, month: 1, day: 1)!, daily: values)
            _ = try? AnomalyDetector.detect(series)
            _ = try? Forecaster.forecast(series, options: ForecastOptions(horizon: 30))
            _ = try? Forecaster.periodTotal(series, from: CalendarDay("2024-04-01")!, until: CalendarDay("2024-06-01")!)
            _ = try? Backtest.run(series, options: ForecastOptions(horizon: 7))
        }
    }
}

@Suite("Hostile YAML in analysis files")
struct HostileYAMLFileTests {
    @Test("a rules file of nested aliases is refused at once, naming the file, line and column")
    func laughs() throws {
        var text = "target: team\nrules:\n  - name: a\n    assign: x\nx0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        for level in 1...7 {
            text +=
                "x\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        let started = ContinuousClock.now
        do {
            _ = try AllocationRules(yaml: text, path: "rules.yml")
            Issue.record("a billion-laughs rules file was read")
        } catch {
            #expect(error.description.hasPrefix("rules.yml:"))
            #expect(error.description.contains("expands to more than 1000000 nodes"))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(throws: AnalyticsError.self) {
            try Budget.load(yaml: "budgets:\n  - ? [a]\n    : 1\n", path: "budgets.yml")
        }
    }

    @Test("a leading byte order mark does not hide a complex key from the check (found by FuzzAnalysisFiles)")
    func byteOrderMark() {
        // Yams reads the mark as a character in column 1, so ` ? [x]` is a second key of the top mapping; a check
        // that skipped the mark saw a syntax error at line 3 instead, and let Yams compose the key.
        do {
            _ = try Budget.load(yaml: "\u{FEFF}k:\n - a\n ? [x]\n : y\n", path: "budgets.yml")
            Issue.record("a complex key after a byte order mark was read")
        } catch {
            #expect(error.description.hasPrefix("budgets.yml:3:4: a mapping key must be a scalar, not a sequence"))
        }
    }
}
