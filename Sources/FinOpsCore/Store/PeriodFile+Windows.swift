extension PeriodFile {
    /// The selected columns of period files, read a window of whole chunks at a time: a query that aggregates as
    /// the windows come holds one window's columns in memory, not every row's, and checks and decodes each block
    /// once. Every window's text columns share one dictionary, and its Tags one list of sets, so a code means the
    /// same in all of them.
    struct Windows {
        /// Whole chunks of one file (format 3), or a whole format 2 file, whose columns are split differently.
        private struct Unit {
            var file: Int
            /// The chunk's index among the file's parts; `nil` for all of them.
            var chunk: Int?
            var rows: Int
        }

        private let files: [ParsedFile]
        private let paths: [String]
        private let names: [String]
        private let kinds: [String: Kind]
        private let strings: [String: MergedStrings]
        private let tagSets: [String: MergedTagSets]
        private let units: [Unit]
        private let rowsPerWindow: Int
        private var nextUnit = 0
        private var delivered = false

        /// Prepares the windows: the columns' dictionaries are loaded (and checked) now, the rows as ``next()`` reads
        /// them.
        ///
        /// - Parameter rowsPerWindow: The most rows a window holds, unless one chunk alone holds more.
        init(
            _ files: [ParsedFile],
            columns: CostFilter,
            paths: [String],
            rowsPerWindow: Int
        ) throws(CostStoreError) {
            var names: [String] = []
            var kinds: [String: Kind] = [:]
            for file in files {
                for name in file.names where kinds[name] == nil && columns.includes(column: name) {
                    names.append(name)
                    kinds[name] = file.kinds[name]
                }
            }
            var units: [Unit] = []
            for (index, file) in files.enumerated() where file.rows > 0 {
                guard let chunkRows = file.chunkRows else {
                    units.append(Unit(file: index, chunk: nil, rows: file.rows))
                    continue
                }
                try Self.checkChunks(file, chunkRows, names: names, path: paths[index])
                for (chunk, rows) in chunkRows.enumerated() where rows > 0 {
                    units.append(Unit(file: index, chunk: chunk, rows: rows))
                }
            }
            var strings: [String: MergedStrings] = [:]
            var tagSets: [String: MergedTagSets] = [:]
            for name in names {
                switch kinds[name] {
                case .string?:
                    strings[name] = MergedStrings(
                        try loadDictionaries(files.count) { (index) throws(CostStoreError) in
                            try files[index].strings(name, path: paths[index])
                        }
                    )
                case .tags?:
                    tagSets[name] = MergedTagSets(
                        try loadDictionaries(files.count) { (index) throws(CostStoreError) in
                            try files[index].tagSets(name, path: paths[index])
                        }
                    )
                default:
                    break
                }
            }
            self.files = files
            self.paths = paths
            self.names = names
            self.kinds = kinds
            self.strings = strings
            self.tagSets = tagSets
            self.units = units
            self.rowsPerWindow = Swift.max(1, rowsPerWindow)
        }

        /// Every column a window reads must split into the file's chunks: a directory that says otherwise is corrupt,
        /// and reading it by chunk would go past its parts.
        private static func checkChunks(
            _ file: ParsedFile,
            _ chunkRows: [Int],
            names: [String],
            path: String
        ) throws(CostStoreError) {
            for name in names {
                guard let parts = file.parts[name] else { continue }
                guard parts.count == chunkRows.count, zip(parts, chunkRows).allSatisfy({ $0.rows == $1 }) else {
                    throw CostStoreError(.corrupt, "\(path): column \(name) does not split into the file's chunks")
                }
            }
        }

        /// The next window's rows, in stored order; `nil` after the last. There is always at least one window (with
        /// no rows where the files hold none), so a query meets the columns even then.
        mutating func next() throws(CostStoreError) -> CostTable? {
            guard nextUnit < units.count || !delivered else { return nil }
            delivered = true
            var end = nextUnit
            var rows = 0
            while end < units.count, end == nextUnit || units[end].rows <= rowsPerWindow - rows {
                rows += units[end].rows
                end += 1
            }
            let window = units[nextUnit..<end]
            nextUnit = end
            var built: [CostTable.Column] = []
            for name in names {
                let column = ColumnParts(parts: window.flatMap { parts(of: name, in: $0) }, total: rows, paths: paths)
                let data: CostTable.ColumnData
                switch kinds[name] {
                case .string?:
                    data = .string(try column.strings(strings[name] ?? MergedStrings([]), name: name))
                case .tags?:
                    data = .tags(try column.tags(tagSets[name] ?? MergedTagSets([]), name: name))
                case .decimal?:
                    data = .decimal(DecimalColumn(values: try column.decimals(), nulls: column.nulls()))
                case .timestamp?, nil:
                    data = .timestamp(TimestampColumn(values: try column.timestamps(), nulls: column.nulls()))
                }
                built.append(CostTable.Column(name: name, data: data))
            }
            return CostTable(rowCount: rows, columns: built)
        }

        /// A column's parts over a unit's rows: one null part where the file lacks the column.
        private func parts(of name: String, in unit: Unit) -> [Part] {
            guard let own = files[unit.file].parts[name] else {
                return [Part(rows: unit.rows, values: nil, nulls: nil, file: unit.file)]
            }
            let selected = unit.chunk.map { [own[$0]] } ?? own
            return selected.map { part in
                var part = part
                part.file = unit.file
                return part
            }
        }
    }

    /// A text column's dictionary over all the files read, and how each file's codes map into it.
    struct MergedStrings {
        var dictionary: [String] = []
        /// Per file, its codes' merged codes; empty when there is one file, whose dictionary is the merged one.
        var remaps: [[UInt32]] = []
        /// Per file, how many entries its own dictionary has.
        var counts: [Int]

        init(_ dictionaries: [[String]]) {
            counts = dictionaries.map(\.count)
            if dictionaries.count == 1 {
                dictionary = dictionaries[0]
                return
            }
            var interner = ByteInterner()
            for values in dictionaries {
                remaps.append(
                    values.map { value in
                        var utf8 = value
                        let (code, isNew) = utf8.withUTF8 { interner.intern($0) }
                        if isNew { dictionary.append(value) }
                        return code
                    }
                )
            }
        }
    }

    /// A Tags column's sets over all the files read: each file's after the ones before.
    struct MergedTagSets {
        var all: [TagSet] = []
        /// Per file, the merged code of its first set.
        var starts: [UInt32] = []
        /// Per file, how many sets it has.
        var counts: [Int]

        init(_ sets: [[TagSet]]) {
            counts = sets.map(\.count)
            for fileSets in sets {
                starts.append(UInt32(truncatingIfNeeded: all.count))
                all += fileSets
            }
        }
    }
}
