import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Building table columns from the parts of period files: each column in turn, its parts checked, decoded and
/// copied on all cores (a part is one chunk of one file, so a large column splits evenly however few columns a
/// query reads).
extension PeriodFile {
    /// From how many rows a column's parts are spread over the cores.
    static let parallelRows = 65_536

    /// The files' selected columns as one table.
    static func assemble(
        _ files: [ParsedFile],
        columns: CostFilter,
        paths: [String]
    ) throws(CostStoreError) -> CostTable {
        var windows = try Windows(files, columns: columns, paths: paths, rowsPerWindow: .max)
        // The one window holds every row (an empty table with the columns where there are none).
        return try windows.next() ?? CostTable()
    }

    /// Each file's dictionary of a column, loaded (checked and parsed) on all cores.
    static func loadDictionaries<T>(
        _ count: Int,
        _ load: (Int) throws(CostStoreError) -> [T]
    ) throws(CostStoreError) -> [[T]] {
        if count == 1 { return [try load(0)] }
        let results = UncheckedSendable(
            UnsafeMutableBufferPointer<Result<[T], CostStoreError>?>.allocate(capacity: count)
        )
        results.value.initialize(repeating: nil)
        defer { results.value.deinitialize().deallocate() }
        withoutActuallyEscaping(load) { load in
            let work = UncheckedSendable { (index: Int) in
                results.value[index] = Result { () throws(CostStoreError) in try load(index) }
            }
            DispatchQueue.concurrentPerform(iterations: count) { work.value($0) }
        }
        var dictionaries: [[T]] = []
        for result in results.value { dictionaries.append(try result!.get()) }
        return dictionaries
    }

    /// One column's parts with where each starts in the assembled column.
    struct ColumnParts {
        var parts: [Part]
        var offsets: [Int]
        var total: Int
        var paths: [String]

        init(parts: [Part], total: Int, paths: [String]) {
            self.parts = parts
            self.total = total
            self.paths = paths
            var offsets: [Int] = []
            var offset = 0
            for part in parts {
                offsets.append(offset)
                offset += part.rows
            }
            self.offsets = offsets
        }

        /// An array of every part's rows: each part checked against its checksums, then written by `write` at its
        /// place, then its mapped pages released; on all cores for a large column.
        func fill<T>(
            _ write: (Part, UnsafeMutablePointer<T>) -> CostStoreError?
        ) throws(CostStoreError) -> [T] {
            let failures = UncheckedSendable(
                UnsafeMutableBufferPointer<CostStoreError?>.allocate(capacity: parts.count)
            )
            failures.value.initialize(repeating: nil)
            defer { failures.value.deinitialize().deallocate() }
            let values = [T](unsafeUninitializedCapacity: total) { buffer, initialized in
                PeriodFile.prefaultForWriting(UnsafeMutableRawBufferPointer(buffer))
                let base = UncheckedSendable(buffer.baseAddress)
                withoutActuallyEscaping(write) { write in
                    fillParts(base: base, failures: failures, write)
                }
                initialized = total
            }
            if let failure = failures.value.lazy.compactMap({ $0 }).first { throw failure }
            return values
        }

        private func fillParts<T>(
            base: UncheckedSendable<UnsafeMutablePointer<T>?>,
            failures: UncheckedSendable<UnsafeMutableBufferPointer<CostStoreError?>>,
            _ write: @escaping (Part, UnsafeMutablePointer<T>) -> CostStoreError?
        ) {
            let one = UncheckedSendable { (index: Int) in
                let part = parts[index]
                guard let target = base.value.map({ $0 + offsets[index] }) else { return }
                do throws(CostStoreError) {
                    for check in part.checks {
                        PeriodFile.prefault(check.bytes)
                        try PeriodFile.verify(check, path: paths[part.file])
                    }
                } catch {
                    // The part is not read: the column is discarded with the error (T holds plain values).
                    failures.value[index] = error
                    return
                }
                failures.value[index] = write(part, target)
                PeriodFile.release(part)
            }
            if total >= PeriodFile.parallelRows && parts.count > 1 {
                DispatchQueue.concurrentPerform(iterations: parts.count) { one.value($0) }
            } else {
                for index in parts.indices { one.value(index) }
            }
        }

        func strings(_ merged: MergedStrings, name: String) throws(CostStoreError) -> StringColumn {
            let (counts, remaps) = (merged.counts, merged.remaps)
            let codes: [UInt32] = try fill { part, target in
                guard part.values != nil else {
                    target.initialize(repeating: StringColumn.nullCode, count: part.rows)
                    return nil
                }
                let bound = UInt32(truncatingIfNeeded: counts[part.file])
                var valid = true
                if remaps.isEmpty {
                    part.forEachCode { row, code in
                        valid = valid && (code < bound || code == StringColumn.nullCode)
                        target[row] = code
                    }
                } else {
                    remaps[part.file].withUnsafeBufferPointer { remap in
                        part.forEachCode { row, code in
                            if code < bound {
                                target[row] = remap[Int(code)]
                            } else {
                                valid = valid && code == StringColumn.nullCode
                                target[row] = StringColumn.nullCode
                            }
                        }
                    }
                }
                return valid ? nil : outOfRange(name, part)
            }
            return StringColumn(codes: codes, dictionary: merged.dictionary)
        }

        func tags(_ merged: MergedTagSets, name: String) throws(CostStoreError) -> TagColumn {
            let (counts, starts) = (merged.counts, merged.starts)
            let codes: [UInt32] = try fill { part, target in
                guard part.values != nil else {
                    target.initialize(repeating: TagColumn.nullCode, count: part.rows)
                    return nil
                }
                let bound = UInt32(truncatingIfNeeded: counts[part.file])
                let shift = starts[part.file]
                var valid = true
                part.forEachCode { row, code in
                    if code < bound {
                        target[row] = code &+ shift
                    } else {
                        valid = valid && code == TagColumn.nullCode
                        target[row] = TagColumn.nullCode
                    }
                }
                return valid ? nil : outOfRange(name, part)
            }
            return TagColumn(codes: codes, sets: merged.all)
        }

        private func outOfRange(_ name: String, _ part: Part) -> CostStoreError {
            CostStoreError(.corrupt, "\(paths[part.file]): column \(name) has codes outside its dictionary")
        }

        func decimals() throws(CostStoreError) -> [ExactDecimal] {
            try fill { part, target in
                switch (part.values, part.encoding) {
                case (let values?, .decimalPacked(let plan)):
                    DecimalPacking.unpack(values, count: part.rows, plan, into: target)
                case (let values?, _):
                    memcpy(target, values, part.rows * MemoryLayout<ExactDecimal>.stride)
                case (nil, _):
                    target.initialize(repeating: .zero, count: part.rows)
                }
                return nil
            }
        }

        func timestamps() throws(CostStoreError) -> [Int64] {
            try fill { part, target in
                switch (part.values, part.encoding) {
                case (let values?, .timestampPacked(let plan)):
                    TimestampPacking.unpack(values, count: part.rows, plan, into: target)
                    // Null rows hold zero, as a column's documentation promises.
                    if let mask = part.mask() {
                        for row in 0..<part.rows where mask[row] { target[row] = 0 }
                    }
                case (let values?, _):
                    memcpy(target, values, part.rows * 8)
                case (nil, _):
                    target.initialize(repeating: 0, count: part.rows)
                }
                return nil
            }
        }

        /// The column's null mask (after ``fill(_:)`` checked the parts' blocks), or `nil` when no row is null.
        func nulls() -> NullMask? {
            guard parts.contains(where: { $0.values == nil || $0.hasNulls }) else { return nil }
            var mask = NullMask()
            for part in parts {
                if let nulls = part.mask() {
                    mask.append(contentsOf: nulls)
                } else {
                    mask.append(repeating: part.values == nil, count: part.rows)
                }
            }
            return mask
        }
    }

    /// Maps a large fresh buffer's pages in one call (`MADV_POPULATE_WRITE`, Linux 5.14) instead of taking a fault per
    /// 4 KiB page while filling it; a no-op elsewhere. Huge pages would fault less still, but allocating them on a
    /// machine whose memory is full of page cache stalls on compaction for hundreds of milliseconds.
    static func prefaultForWriting(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        let page = Int(getpagesize())
        guard let base = buffer.baseAddress, buffer.count >= 16 * page else { return }
        let start = (Int(bitPattern: base) + page - 1) / page * page
        let end = (Int(bitPattern: base) + buffer.count) / page * page
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, 23) }  // POPULATE_WRITE
        #endif
    }

    /// Maps a block's pages (already in the page cache after the first read) in one call instead of a fault per
    /// page; a no-op where the system lacks `MADV_POPULATE_READ`.
    static func prefault(_ bytes: UnsafeRawBufferPointer) {
        #if os(Linux)
        let page = Int(getpagesize())
        guard let base = bytes.baseAddress, bytes.count >= 4 * page else { return }
        let start = Int(bitPattern: base) / page * page
        let end = Int(bitPattern: base) + bytes.count
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, 22)  // MADV_POPULATE_READ (Linux 5.14)
        #endif
    }

    /// Tells the kernel the mapped pages of a part just copied are not needed again, so a read holds its columns
    /// once rather than twice (the page cache keeps the file for the next read).
    static func release(_ part: Part) {
        let page = Int(getpagesize())
        guard let values = part.values, part.rows * part.width >= 4 * page else { return }
        let start = (Int(bitPattern: values) + page - 1) / page * page
        let end = (Int(bitPattern: values) + part.rows * part.width) / page * page
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED) }
    }
}
