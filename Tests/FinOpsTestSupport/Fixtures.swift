import CFinOpsSystem
import FinOpsCore
import Foundation

/// Files and builders shared by the test targets.
public enum Fixtures {
    /// The package's root directory.
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The official FOCUS 1,000-row sample bundled in Examples/data.
    public static var focusSample: String { packageRoot.appendingPathComponent("Examples/data/focus_sample.csv").path }

    public static func fixture(_ name: String) -> URL {
        packageRoot.appendingPathComponent("Tests/FinOpsCoreTests/Fixtures").appendingPathComponent(name)
    }

    /// A fresh directory inside this test process's own folder of the system's temporary directory.
    public static func temporaryDirectory() -> URL {
        let url = runDirectory.appendingPathComponent(UUID().uuidString)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `finops-tests-PID` in the temporary directory, removed when the process exits. Folders that runs killed
    /// before their exit left behind (their process is gone) are removed when the first test asks for a folder.
    private static let runDirectory: URL = {
        let temporary = FileManager.default.temporaryDirectory
        let prefix = "finops-tests-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        where name.hasPrefix(prefix) {
            // A folder of a live process (another test run) is kept; so are names this scheme did not make.
            guard let pid = Int32(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
        }
        let url = temporary.appendingPathComponent("\(prefix)\(getpid())")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit {
            try? FileManager.default.removeItem(at: Fixtures.runDirectory)
        }
        return url
    }()

    /// Writes text to a new file in a fresh directory and returns its path.
    public static func file(named name: String = "export.csv", _ text: String) -> String {
        let url = temporaryDirectory().appendingPathComponent(name)
        try! Data(text.utf8).write(to: url)
        return url.path
    }

    /// Writes bytes gzip-compressed with the system zlib.
    public static func gzipFile(named name: String = "export.csv.gz", _ bytes: [UInt8]) -> String {
        let path = temporaryDirectory().appendingPathComponent(name).path
        let handle = gzopen(path, "wb")!
        bytes.withUnsafeBytes { _ = gzwrite(handle, $0.baseAddress, UInt32($0.count)) }
        gzclose(handle)
        return path
    }

    /// The FOCUS 1.2 mandatory columns with plausible values, for building small exports.
    public static let defaultRow: [(String, String)] = [
        ("BilledCost", "1.5"), ("BillingAccountId", "A1"), ("BillingAccountName", "Acme"), ("BillingCurrency", "USD"),
        ("BillingPeriodEnd", "2024-02-01T00:00:00Z"), ("BillingPeriodStart", "2024-01-01T00:00:00Z"),
        ("ChargeCategory", "Usage"), ("ChargeClass", ""), ("ChargeDescription", "compute"),
        ("ChargePeriodEnd", "2024-01-01T01:00:00Z"), ("ChargePeriodStart", "2024-01-01T00:00:00Z"),
        ("ContractedCost", "1.5"), ("EffectiveCost", "1.5"), ("InvoiceIssuerName", "AWS"), ("ListCost", "2"),
        ("PricingQuantity", "1"), ("PricingUnit", "Hours"), ("ProviderName", "AWS"), ("PublisherName", "AWS"),
        ("ServiceCategory", "Compute"), ("ServiceName", "Amazon EC2"), ("Tags", "{\"team\":\"core\"}"),
    ]

    /// A CSV export: the default columns (plus `extraColumns`), one line per row of overrides.
    public static func csv(_ rows: [[String: String]], extraColumns: [String] = [], lineEnd: String = "\n") -> String {
        let columns = defaultRow.map(\.0) + extraColumns
        let defaults = Dictionary(uniqueKeysWithValues: defaultRow)
        var lines = [columns.joined(separator: ",")]
        for row in rows {
            lines.append(columns.map { CSVField.quoted(row[$0] ?? defaults[$0] ?? "") }.joined(separator: ","))
        }
        return lines.joined(separator: lineEnd) + lineEnd
    }

    /// A column's cells as text (`∅` for null), for comparing tables.
    public static func render(_ column: CostTable.Column, rows: Int) -> [String] {
        (0..<rows).map { row in
            switch column.data {
            case .string(let values): values[row] ?? "∅"
            case .decimal(let values): values[row]?.description ?? "∅"
            case .timestamp(let values): values[row]?.description ?? "∅"
            case .tags(let values): values[row]?.json ?? "∅"
            }
        }
    }

    /// Reads a whole export into one table.
    public static func readAll(
        _ path: String,
        options: FocusReadOptions = FocusReadOptions()
    ) throws -> (CostTable, FocusCSVReader) {
        let reader = try FocusCSVReader(path: path, options: options)
        var tables: [CostTable] = []
        while let batch = try reader.nextBatch() { tables.append(batch.table) }
        return (CostTable.concatenating(tables), reader)
    }
}
