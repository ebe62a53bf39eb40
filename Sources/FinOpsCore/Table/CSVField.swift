import Foundation

/// Writing RFC 4180 fields.
public enum CSVField {
    /// The text as one CSV field: as is, or in double quotes (inner quotes doubled) when it holds a comma, a quote
    /// or a line break.
    public static func quoted(_ text: String) -> String {
        // Bytes, not characters: each of the four is one ASCII byte that no other character's UTF-8 contains.
        guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
