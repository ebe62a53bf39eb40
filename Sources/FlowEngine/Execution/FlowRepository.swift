import Foundation

/// The flows `Subflow` tasks can call, by namespace and id.
public struct FlowRepository: Sendable {
    private var flows: [String: Flow] = [:]

    /// An empty repository.
    public init() {}

    /// The given flows.
    public init(_ flows: [Flow]) {
        for flow in flows { add(flow) }
    }

    /// Reads every `.yml`/`.yaml` file under the directories (recursively).
    ///
    /// - Throws: ``FlowValidationError`` with the problems of every invalid file.
    public init(directories: [URL], parser: FlowParser = FlowParser()) throws(FlowValidationError) {
        var diagnostics: [FlowDiagnostic] = []
        for file in directories.flatMap(Self.yamlFiles(under:)) {
            do {
                let root = try YAMLNode.parse(contentsOf: file)
                // Test suites live beside flows; they are documents with testCases, not flows.
                if root.isTestSuite { continue }
                add(try parser.parse(root, file: file.path))
            } catch {
                diagnostics += error.diagnostics
            }
        }
        guard diagnostics.isEmpty else { throw FlowValidationError(diagnostics) }
    }

    /// The `.yml` and `.yaml` files under a directory (recursively), sorted by path.
    public static func yamlFiles(under directory: URL) -> [URL] {
        let found = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }
            .filter { ["yml", "yaml"].contains($0.pathExtension) }
        return (found ?? []).sorted { $0.path < $1.path }
    }

    /// Adds a flow, replacing one with the same namespace and id.
    public mutating func add(_ flow: Flow) {
        flows[Self.key(flow.namespace, flow.id)] = flow
    }

    /// The flow with this namespace and id.
    public func flow(namespace: String, id: String) -> Flow? {
        flows[Self.key(namespace, id)]
    }

    /// Every flow, by namespace then id.
    public var all: [Flow] { flows.values.sorted { ($0.namespace, $0.id) < ($1.namespace, $1.id) } }

    private static func key(_ namespace: String, _ id: String) -> String { namespace + "\u{0}" + id }
}
