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

    /// The data rows of a simple CSV (no quoted fields: these files hold names, dates and numbers) whose header
    /// must be `header`, each with its place and its fields trimmed of spaces.
    ///
    /// - Throws: ``AnalyticsError`` for another header, a row with another number of fields, or no rows.
    static func rows(
        _ text: String,
        path: String,
        header: [String],
        what: String
    ) throws(AnalyticsError)
        -> [(at: AnalyticsError.Location, fields: [String])]
    {
        let names = header.joined(separator: ",")
        var rows: [(at: AnalyticsError.Location, fields: [String])] = []
        var sawHeader = false
        // Bytes, not characters: the files may be large, and are ASCII where it matters.
        var number = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            let fields = line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map { field in
                String(decoding: field, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if fields.count == 1, fields[0].isEmpty { continue }
            let at = AnalyticsError.Location(file: path, line: number)
            guard sawHeader else {
                guard fields == header else {
                    throw AnalyticsError(.invalidFile, "the header must be \(names)", at: at)
                }
                sawHeader = true
                continue
            }
            guard fields.count == header.count else {
                throw AnalyticsError(
                    .invalidFile,
                    "expected \(header.count) fields (\(names)), found \(fields.count)",
                    at: at
                )
            }
            rows.append((at, fields))
        }
        if rows.isEmpty { throw AnalyticsError(.invalidFile, "the \(what) has no rows", at: .init(file: path)) }
        return rows
    }
}
