import FlowEngine
import FlowTesting
import Foundation

/// The flows of a directory, read again on each listing so an edited file shows at once: every valid flow, and
/// every invalid file with its problems at their lines. Test suites beside the flows are skipped.
struct FlowCatalog: Sendable {
    /// One flow file.
    struct Entry: Sendable {
        var file: URL
        var source: String
        var flow: Flow?
        var diagnostics: [FlowDiagnostic]

        var namespace: String { flow?.namespace ?? "" }
        var id: String { flow?.id ?? file.deletingPathExtension().lastPathComponent }
    }

    var directory: URL?
    var parser: FlowParser

    /// Every flow file, sorted by namespace and id (invalid files by name, after the valid ones).
    func entries() -> [Entry] {
        guard let directory else { return [] }
        var entries: [Entry] = []
        for file in FlowRepository.yamlFiles(under: directory) {
            guard let source = try? String(contentsOf: file, encoding: .utf8) else { continue }
            if let root = try? YAMLNode.parse(source, file: file.path), TestSuite.isTestSuite(root) { continue }
            entries.append(validate(source, file: file))
        }
        return entries.sorted { lhs, rhs in
            (lhs.flow == nil ? 1 : 0, lhs.namespace, lhs.id) < (rhs.flow == nil ? 1 : 0, rhs.namespace, rhs.id)
        }
    }

    /// A flow's text checked as `finops flow validate` checks it.
    func validate(_ source: String, file: URL?) -> Entry {
        do {
            let flow = try parser.parse(source, file: file?.path)
            return Entry(file: file ?? URL(fileURLWithPath: "flow.yml"), source: source, flow: flow, diagnostics: [])
        } catch {
            return Entry(
                file: file ?? URL(fileURLWithPath: "flow.yml"),
                source: source,
                flow: nil,
                diagnostics: error.diagnostics
            )
        }
    }

    /// The valid flow with this namespace and id.
    func flow(namespace: String, id: String) -> Entry? {
        entries().first { $0.flow != nil && $0.namespace == namespace && $0.id == id }
    }

    /// The valid flows, for Subflow tasks.
    func repository() -> FlowRepository {
        FlowRepository(entries().compactMap(\.flow))
    }
}
