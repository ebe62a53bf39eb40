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
        // Bytes, not characters: these files are large (a million values) and ASCII where it matters.
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var fields: [String] = []
            for field in line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                var slice = field[...]
                while let first = slice.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                    slice = slice.dropFirst()
                }
                while let last = slice.last,
                    last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") || last == UInt8(ascii: "\r")
                {
                    slice = slice.dropLast()
                }
                fields.append(String(decoding: slice, as: UTF8.self))
            }
            if fields.count == 1, fields[0].isEmpty { continue }
            lines.append((number, fields))
        }
        return lines
    }
}
