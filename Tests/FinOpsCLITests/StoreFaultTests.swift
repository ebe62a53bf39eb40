import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

/// `finops ingest` into an embedded store whose disk fails: every file-system call the load makes is failed in turn
/// (`Tests/FaultInjection/fault_injection.c`, preloaded), then a real full disk (a small tmpfs), then two writers at
/// once. Each time the error names the file and the store keeps the previous data, or, when only the final folder
/// sync failed, the whole new load with an error that says so.
@Suite("Faults of the embedded store")
struct StoreFaultTests {
    /// What a failing load must leave: one whole state, checked by contents rather than load times.
    struct Contents: Equatable {
        var periods: [String]

        init(_ summaries: [PeriodSummary]) {
            periods = summaries.map { "\($0.source) \($0.period) \($0.rowCount) \($0.totals) \($0.checksum)" }
        }
    }

    @Test("every write, sync, rename, open and mkdir of a load failed in turn: a clear error, no data lost")
    func injectedFailures() async throws {
        let directory = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let library = try FaultLibrary.build(in: directory)
        let newFile = try sample(rows: 4_000, seed: 2, in: directory)
        let template = directory.appendingPathComponent("template")
        let baseline = try await storeWithBaseline(rows: 1_500, at: template, in: directory)

        // A load without faults counts the calls, and gives the state a completed load leaves.
        let counted = directory.appendingPathComponent("counted")
        try FileManager.default.copyItem(at: template, to: counted)
        let countsFile = directory.appendingPathComponent("counts").path
        let clean = try await ingest(
            newFile,
            into: counted,
            library: library,
            fault: ["FINOPS_FAULT_COUNTS": countsFile]
        )
        #expect(clean.status == 0, "\(clean.stderr)")
        let loaded = Contents(try await EmbeddedCostStore(directory: counted).periods())
        #expect(loaded != baseline)
        let counts = try FaultLibrary.counts(countsFile)
        for call in ["write", "fsync", "rename", "open", "mkdir"] {
            #expect(counts[call, default: 0] > 0, "the load made no \(call) call under the store")
        }

        var trials: [(call: String, at: Int, sticky: Bool)] = []
        for (call, count) in counts.sorted(by: { $0.key < $1.key }) {
            for number in 1...max(count, 1) { trials.append((call, number, false)) }
        }
        // A disk that stays full: every write from the Nth on fails.
        for number in 1...max(counts["write", default: 0], 1) { trials.append(("write", number, true)) }

        var committedButNotSynced = 0
        for trial in trials {
            let label = "\(trial.call) #\(trial.at)\(trial.sticky ? " and later" : "")"
            let store = directory.appendingPathComponent("trial")
            try? FileManager.default.removeItem(at: store)
            try FileManager.default.copyItem(at: template, to: store)
            var fault = ["FINOPS_FAULT_CALL": trial.call, "FINOPS_FAULT_AT": String(trial.at)]
            if trial.sticky { fault["FINOPS_FAULT_STICKY"] = "1" }
            let output = try await ingest(newFile, into: store, library: library, fault: fault)
            #expect(output.status == 1, "\(label): exit \(output.status), \(output.stderr)")
            #expect(output.stderr.contains(store.path), "\(label): the error names no file: \(output.stderr)")
            let named = ["No space left on device", "Input/output error", "There isn’t enough space"]
            #expect(named.contains { output.stderr.contains($0) }, "\(label): \(output.stderr)")

            let reopened = try EmbeddedCostStore(directory: store)
            let after = Contents(try await reopened.periods())
            if output.stderr.contains("may not survive a power loss") {
                committedButNotSynced += 1
                #expect(after == loaded, "\(label): the error says the load is visible, but it is not")
            } else {
                #expect(after == baseline, "\(label): the previous data changed")
                #expect(try storedFiles(in: store).count == baseline.periods.count, "\(label): files left behind")
            }
            try reopened.verify()
            let staging = store.appendingPathComponent("staging")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []).isEmpty, "\(label)")
            #expect(!FileManager.default.fileExists(atPath: store.appendingPathComponent("manifest.json.tmp").path))

            // Once the disk is healthy, the same load succeeds and leaves only the files it lists.
            _ = try await FocusIngest().ingest(files: [newFile], source: "billing", into: reopened)
            #expect(Contents(try await reopened.periods()) == loaded, "\(label)")
            #expect(try storedFiles(in: store).count == loaded.periods.count, "\(label)")
        }
        // Only the last call, the folder sync after the manifest swap, commits without confirming it.
        #expect(committedButNotSynced == 1)
    }

    @Test("a disk that fills up mid-load (a 3 MiB tmpfs) is reported, keeps the previous data and frees its space")
    func fullDisk() async throws {
        let directory = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let mountPoint = directory.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        let mount = try CommandRunner.run(
            ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint.path],
            program: URL(fileURLWithPath: "/usr/bin/env")
        )
        guard mount.status == 0 else {
            // Mounting needs root (CI runs as root); elsewhere the injected failures above cover the same paths.
            print(
                "Full-disk test skipped: cannot mount a tmpfs here (\(mount.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))"
            )
            return
        }
        defer {
            // Lazily: the stores opened below may still map files of the disk when this runs.
            _ = try? CommandRunner.run(
                ["umount", "-l", mountPoint.path],
                program: URL(fileURLWithPath: "/usr/bin/env")
            )
        }
        let bigFile = try sample(rows: 60_000, seed: 2, in: directory)
        let storeURL = mountPoint.appendingPathComponent("store")
        let baseline = try await storeWithBaseline(rows: 1_000, at: storeURL, in: directory)
        let freeBefore = try freeBytes(mountPoint)

        let output = try await CommandRunner.runOffPool([
            "ingest", bigFile, "--source", "billing", "--store", storeURL.path,
        ])
        #expect(output.status == 1)
        #expect(
            output.stderr.contains(storeURL.path) && output.stderr.contains("No space left on device"),
            "\(output.stderr)"
        )
        let reopened = try EmbeddedCostStore(directory: storeURL)
        #expect(Contents(try await reopened.periods()) == baseline)
        try reopened.verify()
        #expect(try freeBytes(mountPoint) == freeBefore, "the failed load did not free its staging space")

        // A load that fits still succeeds on the same disk.
        let small = try sample(rows: 500, seed: 3, in: directory)
        let fits = try await CommandRunner.runOffPool(["ingest", small, "--source", "other", "--store", storeURL.path])
        #expect(fits.status == 0, "\(fits.stderr)")
        #expect(try await reopened.periods().count == baseline.periods.count * 2)
    }

    @Test("two finops ingest processes into one store at once commit one after the other; none is lost or mixed")
    func twoWriters() async throws {
        let directory = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let storeURL = directory.appendingPathComponent("store")
        let files = try (1...3).map { seed in try sample(rows: 20_000, seed: UInt64(seed), in: directory) }
        // Files 1 and 2 replace the same source; file 3 is another source.
        let commands = [
            ["ingest", files[0], "--source", "billing", "--store", storeURL.path],
            ["ingest", files[1], "--source", "billing", "--store", storeURL.path],
            ["ingest", files[2], "--source", "marketplace", "--store", storeURL.path],
        ]
        let outputs = try await withThrowingTaskGroup(of: CommandRunner.Output.self) { group in
            for command in commands { group.addTask { try await CommandRunner.runOffPool(command) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for output in outputs { #expect(output.status == 0, "\(output.stderr)") }

        let store = try EmbeddedCostStore(directory: storeURL)
        try store.verify()
        let stored = try await store.periods()
        var expected: [[String]] = []
        for file in files[0...1] {
            let alone = try EmbeddedCostStore(directory: directory.appendingPathComponent(UUID().uuidString))
            _ = try await FocusIngest().ingest(files: [file], source: "billing", into: alone)
            expected.append(Contents(try await alone.periods()).periods)
        }
        let billing = Contents(stored.filter { $0.source == "billing" }).periods
        #expect(billing == expected[0] || billing == expected[1], "the billing source mixes two loads")
        #expect(stored.filter { $0.source == "marketplace" }.reduce(0) { $0 + $1.rowCount } == 20_000)
        #expect(try storedFiles(in: storeURL).count == stored.count)
    }

    // MARK: - Helpers

    /// A generated export in `directory`.
    private func sample(rows: Int, seed: UInt64, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("sample-\(rows)-\(seed).csv").path
        try SampleGenerator(rows: rows, seed: seed).write(to: path)
        return path
    }

    /// A store at `store` holding one load of a generated export as source `billing`; what it holds.
    private func storeWithBaseline(rows: Int, at store: URL, in directory: URL) async throws -> Contents {
        let file = try sample(rows: rows, seed: 1, in: directory)
        let opened = try EmbeddedCostStore(directory: store)
        _ = try await FocusIngest().ingest(files: [file], source: "billing", into: opened)
        return Contents(try await opened.periods())
    }

    private func ingest(
        _ file: String,
        into store: URL,
        library: String,
        fault: [String: String]
    ) async throws -> CommandRunner.Output {
        var environment = fault
        environment["LD_PRELOAD"] = library
        environment["FINOPS_FAULT_PATH"] = store.path
        return try await CommandRunner.runOffPool(
            ["ingest", file, "--source", "billing", "--store", store.path],
            environment: environment
        )
    }

    private func storedFiles(in store: URL) throws -> [String] {
        let data = store.appendingPathComponent("data")
        return try FileManager.default.subpathsOfDirectory(atPath: data.path).filter { $0.hasSuffix(".fcol") }
    }

    private func freeBytes(_ url: URL) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfFileSystem(forPath: url.path)
        return (attributes[.systemFreeSize] as? NSNumber)?.int64Value ?? -1
    }
}

/// The preloaded library that fails file-system calls (`Tests/FaultInjection/fault_injection.c`).
enum FaultLibrary {
    /// Compiles the library into `directory` with the C compiler on the path (Swift's toolchain brings clang).
    static func build(in directory: URL) throws -> String {
        let source = Fixtures.packageRoot.appendingPathComponent("Tests/FaultInjection/fault_injection.c").path
        let library = directory.appendingPathComponent("libfault.so").path
        var failures: [String] = []
        for compiler in ["clang", "cc", "gcc"] {
            let output = try CommandRunner.run(
                [compiler, "-shared", "-fPIC", "-O2", "-o", library, source, "-ldl"],
                program: URL(fileURLWithPath: "/usr/bin/env")
            )
            if output.status == 0 { return library }
            failures.append("\(compiler): \(output.stderr)")
        }
        throw FaultLibraryError(message: "cannot compile \(source): \(failures.joined(separator: "; "))")
    }

    /// The calls counted by a run with `FINOPS_FAULT_COUNTS`, by kind.
    static func counts(_ path: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2, let count = Int(words[1]) { counts[String(words[0])] = count }
        }
        return counts
    }
}

struct FaultLibraryError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
