import FinOpsCore
import Foundation

/// A pivot in its textual form: the words `finops pivot` takes as flags, the server's JSON API as fields and the
/// pivot explorer keeps in its address.
///
/// ```swift
/// let definition = PivotDefinition(rows: "ServiceName", measures: "sum(EffectiveCost)", top: "10")
/// let result = try await store.pivot(try definition.query())
/// ```
public struct PivotDefinition: Sendable, Hashable, Codable {
    /// Row dimensions, e.g. `BillingCurrency, tag(team), month(ChargePeriodStart)`.
    public var rows: String
    /// Column dimensions, like ``rows``; empty for none.
    public var columns: String
    /// Measures, e.g. `sum(EffectiveCost), count(), pct_of_total(sum(EffectiveCost))`.
    public var measures: String
    /// The row filter (`where`), e.g. `ChargeCategory = 'Usage' and ServiceName ~ '^Amazon'`; empty for none.
    public var filter: String
    /// The group filter (`having`), e.g. `sum(EffectiveCost) > 100`; empty for none.
    public var having: String
    /// `N` (ranked by the first measure) or `N:MEASURE`; empty for none.
    public var top: String
    /// Sort keys, descending with `desc` or a leading `-`, e.g. `sum(EffectiveCost) desc, ServiceName`.
    public var sort: String
    /// At most this many groups.
    public var limit: Int?
    /// `none`, `grand` or `all`.
    public var totals: PivotTotals
    /// The IANA time zone of time buckets.
    public var timeZone: String

    /// Creates a definition; empty strings stand for the parts left out.
    public init(
        rows: String,
        columns: String = "",
        measures: String = "count()",
        filter: String = "",
        having: String = "",
        top: String = "",
        sort: String = "",
        limit: Int? = nil,
        totals: PivotTotals = .none,
        timeZone: String = "UTC"
    ) {
        self.rows = rows
        self.columns = columns
        self.measures = measures
        self.filter = filter
        self.having = having
        self.top = top
        self.sort = sort
        self.limit = limit
        self.totals = totals
        self.timeZone = timeZone
    }

    private enum CodingKeys: String, CodingKey {
        case rows, columns, measures, filter, having, top, sort, limit, totals, timeZone
    }

    /// Decodes the JSON form; every field but `rows` may be left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            rows: try container.decode(String.self, forKey: .rows),
            columns: try container.decodeIfPresent(String.self, forKey: .columns) ?? "",
            measures: try container.decodeIfPresent(String.self, forKey: .measures) ?? "count()",
            filter: try container.decodeIfPresent(String.self, forKey: .filter) ?? "",
            having: try container.decodeIfPresent(String.self, forKey: .having) ?? "",
            top: try container.decodeIfPresent(String.self, forKey: .top) ?? "",
            sort: try container.decodeIfPresent(String.self, forKey: .sort) ?? "",
            limit: try container.decodeIfPresent(Int.self, forKey: .limit),
            totals: try container.decodeIfPresent(PivotTotals.self, forKey: .totals) ?? .none,
            timeZone: try container.decodeIfPresent(String.self, forKey: .timeZone) ?? "UTC"
        )
    }

    /// Which part of the definition a syntax error is in: the field names of the JSON form.
    public enum Part: String, Sendable, Hashable, CaseIterable {
        case rows, columns, measures, filter, having, top, sort, limit, totals, timeZone
    }

    /// A part of the definition that does not parse.
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The part it is in.
        public var part: Part
        /// What is wrong, with the column when the syntax parser gave one.
        public var message: String

        /// Creates an error.
        public init(part: Part, message: String) {
            self.part = part
            self.message = message
        }

        /// `measures: column 5: …`.
        public var description: String { "\(part.rawValue): \(message)" }
    }

    /// The query, every part parsed.
    public func query() throws(SyntaxError) -> PivotQuery {
        let measures = try Self.parse(.measures, self.measures, PivotSyntax.measures) ?? [.count]
        if let limit, limit < 0 { throw SyntaxError(part: .limit, message: "a limit is 0 or more, not \(limit)") }
        return PivotQuery(
            rows: try Self.parse(.rows, rows, PivotSyntax.dimensions) ?? [],
            columns: try Self.parse(.columns, columns, PivotSyntax.dimensions) ?? [],
            measures: measures,
            filter: try Self.parse(.filter, filter, PivotSyntax.filter),
            totals: totals,
            timeZone: timeZone,
            having: try Self.parse(.having, having, PivotSyntax.having),
            top: try Self.topN(top, measures: measures),
            sort: try Self.parse(.sort, sort, PivotSyntax.sortKeys) ?? [],
            limit: limit
        )
    }

    /// The part parsed; nil when it is blank.
    private static func parse<Value>(
        _ part: Part,
        _ text: String,
        _ parser: (String) throws(PivotSyntaxError) -> Value
    ) throws(SyntaxError) -> Value? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        do {
            return try parser(trimmed)
        } catch {
            throw SyntaxError(part: part, message: error.description)
        }
    }

    /// `10` (ranked by the first measure) or `10:sum(EffectiveCost)`; nil when blank.
    private static func topN(_ text: String, measures: [Measure]) throws(SyntaxError) -> TopN? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        let parts = trimmed.split(separator: ":", maxSplits: 1)
        guard let first = parts.first, let count = Int(first.trimmingCharacters(in: .whitespaces)), count > 0 else {
            throw SyntaxError(part: .top, message: "top takes N or N:MEASURE with N > 0, e.g. 10:sum(EffectiveCost)")
        }
        let ranking = parts.count > 1 ? try parse(.top, String(parts[1]), PivotSyntax.measures) : measures
        guard let measure = ranking?.first else { throw SyntaxError(part: .top, message: "top needs a measure") }
        return TopN(count, by: measure)
    }
}
