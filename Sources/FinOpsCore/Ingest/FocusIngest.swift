import Foundation

/// The outcome of ingesting one or more exports.
public struct IngestReport: Sendable, Codable {
    /// What was read from one file.
    public struct FileReport: Sendable, Codable {
        /// The file path as given.
        public var path: String
        /// The source its rows were stored under.
        public var source: String
        /// Rows stored.
        public var rowsStored: Int
        /// Rows set aside because of errors (only when skipping invalid rows).
        public var rowsRejected: Int
        /// The warnings of this file.
        public var warnings: IngestWarnings
    }

    /// One entry per input file, in the order given.
    public var files: [FileReport]
    /// What is now stored for every period the files touched.
    public var periods: [PeriodSummary]
    /// Where rejected rows were written, if any were.
    public var rejectsPath: String?

    /// The warnings of all files together.
    public var warnings: IngestWarnings {
        var all = IngestWarnings()
        for file in files { all.merge(file.warnings) }
        return all
    }
}

/// How far an ingest has got, for progress displays.
public struct IngestProgress: Sendable {
    /// The file being read.
    public var path: String
    /// Bytes of the file read so far (compressed bytes for `.gz`).
    public var bytesRead: Int64
    /// The size of the file.
    public var fileSize: Int64
    /// Rows accepted so far from this file.
    public var rows: Int
}

/// Reads FOCUS exports into a ``CostStore``.
public struct FocusIngest: Sendable {
    /// Reading options (batch size, skipping invalid rows, required columns).
    public var options: FocusReadOptions
    /// Where rejected rows go when ``FocusReadOptions/skipInvalidRows`` is on.
    public var rejectsPath: String?

    /// Creates an ingest with options.
    public init(options: FocusReadOptions = FocusReadOptions(), rejectsPath: String? = nil) {
        self.options = options
        self.rejectsPath = rejectsPath
    }

    /// The source name used for a file when none is given: its name without `.csv`/`.gz` extensions.
    public static func defaultSource(for path: String) -> String {
        var name = URL(fileURLWithPath: path).lastPathComponent
        for suffix in [".gz", ".csv"] where name.lowercased().hasSuffix(suffix) { name.removeLast(suffix.count) }
        return name
    }

    /// Ingests files: with a `source`, all files form one load of that source; without, each file is its own
    /// source named by ``defaultSource(for:)``.
    ///
    /// When rows with errors stop the read (the default), an error in any file leaves the store unchanged.
    /// - Throws: ``IngestError`` for data errors, ``CostStoreError`` for store failures.
    public func ingest(
        files: [String],
        source: String? = nil,
        into store: some CostStore,
        progress: (@Sendable (IngestProgress) -> Void)? = nil
    ) async throws -> IngestReport {
        let groups: [(String, [String])] =
            if let source { [(source, files)] } else { files.map { (Self.defaultSource(for: $0), [$0]) } }
        let rejects = options.skipInvalidRows ? RejectsFile(path: rejectsPath ?? defaultRejectsPath(files)) : nil
        var reports: [IngestReport.FileReport] = []
        var periods: [PeriodSummary] = []
        // Loads nest so that all of them commit only after every file was read: a data error anywhere changes
        // nothing.
        try await loadGroups(
            groups[...],
            store: store,
            rejects: rejects,
            progress: progress,
            reports: &reports,
            periods: &periods
        )
        try rejects?.close()
        let order = Dictionary(files.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        reports.sort { (order[$0.path] ?? 0) < (order[$1.path] ?? 0) }
        periods.sort { ($0.period, $0.source) < ($1.period, $1.source) }
        return IngestReport(
            files: reports,
            periods: periods,
            rejectsPath: (rejects?.count ?? 0) > 0 ? rejects?.path : nil
        )
    }

    private func loadGroups(
        _ groups: ArraySlice<(String, [String])>,
        store: some CostStore,
        rejects: RejectsFile?,
        progress: (@Sendable (IngestProgress) -> Void)?,
        reports: inout [IngestReport.FileReport],
        periods: inout [PeriodSummary]
    ) async throws {
        guard let (source, files) = groups.first else { return }
        var inner: [IngestReport.FileReport] = []
        var innerPeriods: [PeriodSummary] = []
        var own: [IngestReport.FileReport] = []
        let summaries = try await store.replace(source: source) { writer in
            for path in files {
                own.append(try await read(path, source: source, into: writer, rejects: rejects, progress: progress))
            }
            try await loadGroups(
                groups.dropFirst(),
                store: store,
                rejects: rejects,
                progress: progress,
                reports: &inner,
                periods: &innerPeriods
            )
        }
        reports += own + inner
        periods += summaries + innerPeriods
    }

    private func read(
        _ path: String,
        source: String,
        into writer: any CostBatchWriter,
        rejects: RejectsFile?,
        progress: (@Sendable (IngestProgress) -> Void)?
    ) async throws -> IngestReport.FileReport {
        let reader = try FocusCSVReader(path: path, options: options)
        while let batch = try reader.nextBatch() {
            try await writer.write(batch.table)
            for row in batch.rejected { try rejects?.write(row) }
            if let progress {
                let (read, size) = reader.progress
                progress(IngestProgress(path: path, bytesRead: read, fileSize: size, rows: reader.acceptedRowCount))
            }
        }
        return IngestReport.FileReport(
            path: path,
            source: source,
            rowsStored: reader.acceptedRowCount,
            rowsRejected: reader.rejectedRowCount,
            warnings: reader.warnings
        )
    }

    private func defaultRejectsPath(_ files: [String]) -> String {
        (files.first.map { Self.defaultSource(for: $0) } ?? "ingest") + ".rejects.csv"
    }
}

/// A CSV file of rejected rows: where each was, why it was rejected, and the row as written.
final class RejectsFile {
    let path: String
    private var writer: BufferedFileWriter?
    private(set) var count = 0

    init(path: String) {
        self.path = path
    }

    func write(_ row: RejectedRow) throws(CostStoreError) {
        if writer == nil {
            let created = try BufferedFileWriter(path: path)
            try created.append(Array("file,row,line,column,value,error,message,record\n".utf8))
            writer = created
        }
        let issue = row.error.issue
        let fields = [
            issue.file, issue.row.map(String.init) ?? "", issue.line.map(String.init) ?? "", issue.column ?? "",
            issue.value ?? "", row.error.code.rawValue, issue.message, row.text,
        ]
        try writer?.append(Array((fields.map(CSVField.quoted).joined(separator: ",") + "\n").utf8))
        count += 1
    }

    func close() throws(CostStoreError) {
        try writer?.sync()
    }
}
