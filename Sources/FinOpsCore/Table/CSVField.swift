import Foundation

/// Writing RFC 4180 fields.
public enum CSVField {
    /// The text as one CSV field: as is, or in double quotes (inner quotes doubled) when it holds a comma, a quote
    /// or a line break.
    public static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
