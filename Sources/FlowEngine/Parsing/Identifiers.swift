/// Kestra's identifier rules, checked without regular expressions (they run for every task of every flow read).
enum Identifiers {
    /// A first character that is a letter or digit, then letters, digits and the given punctuation.
    static func isValid(_ text: String, punctuation: Set<Character>, lowercaseOnly: Bool = false) -> Bool {
        guard let first = text.first, isAlphanumeric(first, lowercaseOnly: lowercaseOnly) else { return false }
        return text.dropFirst().allSatisfy {
            isAlphanumeric($0, lowercaseOnly: lowercaseOnly) || punctuation.contains($0)
        }
    }

    private static func isAlphanumeric(_ character: Character, lowercaseOnly: Bool) -> Bool {
        guard character.isASCII else { return false }
        if character.isNumber { return true }
        return lowercaseOnly ? character.isLowercase : character.isLetter
    }

    static func isFlowID(_ text: String) -> Bool { text.count <= 100 && isValid(text, punctuation: [".", "_", "-"]) }
    static func isNamespace(_ text: String) -> Bool {
        text.count <= 150 && isValid(text, punctuation: [".", "_", "-"], lowercaseOnly: true)
    }
    static func isTaskID(_ text: String) -> Bool { isValid(text, punctuation: ["_", "-"]) }
    static func isInputID(_ text: String) -> Bool { isValid(text, punctuation: [".", "_", "-"]) }
}
