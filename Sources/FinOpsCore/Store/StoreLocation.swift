import Foundation

/// Where a store lives: a directory, or a URL such as `postgres://user@host/db` for a store kind a
/// ``CostStoreOpener`` knows.
public struct StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// The location as written.
    public var value: String

    /// The environment variable that names a store when no explicit location is given.
    public static let environmentVariable = "FINOPS_STORE"

    /// A location as written.
    public init(_ value: String) {
        self.value = value
    }

    /// Picks the location: `explicit` if given, else the environment variable, else `.finops` in the current
    /// directory.
    public init(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let explicit, !explicit.isEmpty {
            value = explicit
        } else if let fromEnvironment = environment[Self.environmentVariable], !fromEnvironment.isEmpty {
            value = fromEnvironment
        } else {
            value = EmbeddedCostStore.defaultDirectoryName
        }
    }

    /// The URL scheme, lowercased (`postgres` for `postgres://…`), or `nil` for a directory.
    public var scheme: String? {
        guard let range = value.range(of: "://") else { return nil }
        let scheme = value[..<range.lowerBound]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else {
            return nil
        }
        return scheme.lowercased()
    }

    /// The location as messages show it: a URL's password replaced by `***`.
    public var displayName: String {
        guard scheme != nil, var components = URLComponents(string: value), components.password != nil else {
            return value
        }
        components.password = "***"
        return components.string ?? value
    }

    public var description: String { displayName }
}

/// Opens stores from their locations: directories as ``EmbeddedCostStore``s, URLs by the opener registered for
/// their scheme.
///
/// FinOpsCore knows only the embedded store; other store kinds register themselves, so a program that links them
/// opens any location with one call:
///
/// ```swift
/// var opener = CostStoreOpener()
/// opener.registerPostgres()                                  // PGStore: postgres:// and postgresql://
/// let store = try await opener.open(StoreLocation(explicit: nil))   // $FINOPS_STORE, else ./.finops
/// defer { Task { await store.close() } }
/// ```
public struct CostStoreOpener: Sendable {
    /// Opens the store at a location whose scheme it was registered for.
    public typealias Open = @Sendable (_ location: StoreLocation) async throws -> any CostStore

    private var openers: [String: Open] = [:]

    /// An opener of directory stores only.
    public init() {}

    /// Opens locations with `scheme` (`postgres` for `postgres://…`, matched without regard to case) with `open`.
    public mutating func register(scheme: String, _ open: @escaping Open) {
        openers[scheme.lowercased()] = open
    }

    /// The URL schemes registered, sorted.
    public var schemes: [String] { openers.keys.sorted() }

    /// Opens the store at `location`, creating an empty embedded store in a directory that does not exist.
    ///
    /// - Throws: ``CostStoreError`` (`unknownLocation`) for a URL whose scheme no opener was registered for,
    ///   else the store's own error.
    public func open(_ location: StoreLocation) async throws -> any CostStore {
        guard let scheme = location.scheme else {
            return try EmbeddedCostStore(directory: URL(fileURLWithPath: location.value))
        }
        guard let open = openers[scheme] else {
            let known = schemes.isEmpty ? "none" : schemes.map { "\($0)://" }.joined(separator: ", ")
            throw CostStoreError(
                .unknownLocation,
                "\(location.displayName): no store kind is registered for \(scheme):// (registered: \(known)); "
                    + "give a directory for the embedded store"
            )
        }
        return try await open(location)
    }
}
