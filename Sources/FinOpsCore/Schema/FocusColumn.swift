/// The type of values a FOCUS column holds.
public enum FocusDataType: String, Sendable, Hashable, Codable {
    /// Text, stored dictionary-encoded.
    case string
    /// An exact decimal (``ExactDecimal``).
    case decimal
    /// A UTC instant, stored as microseconds since the Unix epoch.
    case dateTime
    /// A JSON object kept as its text (SkuPriceDetails).
    case keyValue
    /// The Tags JSON object, parsed into key/value pairs (``TagSet``).
    case tags
}

/// How strongly the specification requires a column to be present.
public enum FocusFeatureLevel: String, Sendable, Hashable, Codable {
    /// The column MUST be present.
    case mandatory
    /// The column MUST be present when the provider supports the feature.
    case conditional
    /// The column SHOULD be present.
    case recommended
}

/// One column of the FOCUS specification.
public struct FocusColumn: Sendable, Hashable {
    /// The column ID, e.g. `BilledCost`.
    public var name: String
    /// The type of its values.
    public var dataType: FocusDataType
    /// Whether the column must be present.
    public var featureLevel: FocusFeatureLevel
    /// Whether the specification allows nulls in it.
    public var isNullable: Bool
    /// The specification version that introduced it.
    public var introducedIn: String
    /// The values the specification allows, when it enumerates them.
    public var allowedValues: [String]?

    /// Creates a column description.
    public init(
        _ name: String,
        _ dataType: FocusDataType,
        _ featureLevel: FocusFeatureLevel,
        nullable: Bool,
        since: String,
        allowedValues: [String]? = nil
    ) {
        self.name = name
        self.dataType = dataType
        self.featureLevel = featureLevel
        self.isNullable = nullable
        self.introducedIn = since
        self.allowedValues = allowedValues
    }
}
