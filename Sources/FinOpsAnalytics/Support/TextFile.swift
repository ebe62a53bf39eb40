import Foundation

/// Small text inputs of analyses (weights, series, rates): read whole, split into numbered lines of fields.
enum TextFile {
    /// The file's text, or an error naming it.
    static func read(_ path: String, _ what: String) throws(AnalyticsError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AnalyticsError(
                .invalidFile,
                "cannot read the \(what): \(error.localizedDescription)",
                at: .init(file: path)
            )
        }
    }

    /// The non-empty lines of a simple CSV (no quoted fields: these files hold names, dates and numbers), each with
    /// its 1-based number and its fields trimmed of spaces.
    static func csvLines(_ text: String) -> [(number: Int, fields: [String])] {
        var lines: [(number: Int, fields: [String])] = []
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line[...]
            if trimmed.isEmpty { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            lines.append((number, fields))
        }
        return lines
    }
}
