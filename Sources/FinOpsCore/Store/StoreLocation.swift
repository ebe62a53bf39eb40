import Foundation

/// Where a store lives, as given by `--store`, `FINOPS_STORE` or the default `.finops` directory.
public struct StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// The location as written.
    public var value: String

    /// The environment variable that names a store when no option does.
    public static let environmentVariable = "FINOPS_STORE"

    /// Picks the location: the option if given, else the environment variable, else `.finops` in the current
    /// directory.
    public init(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let option, !option.isEmpty {
            value = option
        } else if let fromEnvironment = environment[Self.environmentVariable], !fromEnvironment.isEmpty {
            value = fromEnvironment
        } else {
            value = EmbeddedCostStore.defaultDirectoryName
        }
    }

    public var description: String { value }

    /// Opens the embedded store at this location.
    ///
    /// - Throws: ``CostStoreError`` if the location is a server URL this build cannot open, or the store is
    ///   corrupt.
    public func openEmbedded(check: EmbeddedCostStore.OpenCheck = .sizes) throws(CostStoreError) -> EmbeddedCostStore {
        if value.contains("://") {
            throw CostStoreError(.io, "\(value) is a server URL; only directory stores are supported by this build")
        }
        return try EmbeddedCostStore(directory: URL(fileURLWithPath: value), check: check)
    }
}
