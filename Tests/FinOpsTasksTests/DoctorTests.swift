import FinOpsCore
import FinOpsTasks
import FinOpsTestSupport
import FlowEngine
import Foundation
import Testing

@Suite("finops doctor")
struct DoctorTests {
    static func doctor(_ store: EmbeddedCostStore, folder: URL, flows: [URL] = []) -> Doctor {
        var doctor = Doctor(storeName: "the store", storeFolder: folder) { store }
        doctor.flowFolders = flows
        return doctor
    }

    @Test("a healthy store and valid flows are all green, with each schedule's next fire time")
    func healthy() async throws {
        let folder = Fixtures.temporaryDirectory()
        let store = try EmbeddedCostStore(directory: folder)
        _ = try await FocusIngest().ingest(files: [Fixtures.focusSample], into: store)
        var doctor = Self.doctor(
            store,
            folder: folder,
            flows: [Fixtures.packageRoot.appendingPathComponent("Examples/flows")]
        )
        doctor.now = Date(timeIntervalSince1970: 1_733_000_000)  // 2024-11-30T20:53:20Z
        doctor.staleAfter = .infinity
        let checks = await doctor.run()
        #expect(checks.allSatisfy { $0.status == .green }, "\(checks)")
        #expect(checks.map(\.code).starts(with: [.storeVerified, .dataFresh, .diskSpace, .flowsValid]))
        #expect(checks.contains { $0.message.hasPrefix("2 periods, 1000 rows") })
        let schedule = try #require(checks.first { $0.code == .schedule })
        #expect(schedule.subject == "finops.examples.nightly_backup nightly")
        #expect(schedule.message.hasSuffix("next fires at 2024-12-01T02:30:00Z"))
    }

    @Test("problems are yellow or red, each with its fix: stale, empty, corrupt, unreachable, invalid flows")
    func problems() async throws {
        let folder = Fixtures.temporaryDirectory()
        let store = try EmbeddedCostStore(directory: folder)
        let empty = await Self.doctor(store, folder: folder).run()
        #expect(empty.first?.code == .storeEmpty && empty.first?.status == .yellow)

        _ = try await FocusIngest().ingest(files: [Fixtures.focusSample], into: store)
        var later = Self.doctor(store, folder: folder)
        later.now = Date().addingTimeInterval(10 * 86_400)
        let stale = await later.run()
        #expect(stale.contains { $0.code == .dataStale && $0.status == .yellow && $0.fix != nil })

        let flows = Fixtures.temporaryDirectory()
        try "id: broken\nnamespace: t\ntasks:\n  - id: x\n    type: io.kestra.plugin.core.log.Log\n    mesage: hi\n"
            .write(to: flows.appendingPathComponent("broken.yml"), atomically: true, encoding: .utf8)
        let invalid = await Self.doctor(store, folder: folder, flows: [flows]).run()
        let finding = try #require(invalid.first { $0.code == .flowInvalid })
        #expect(finding.status == .red)
        #expect(finding.subject == "broken.yml")
        #expect(finding.message.contains("broken.yml:4:5: missing required property 'message'"))
        #expect(finding.message.contains("(and 1 more)"))

        let data = folder.appendingPathComponent("data")
        let source = try #require(try FileManager.default.contentsOfDirectory(atPath: data.path).first)
        let file = try #require(
            try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent(source).path).sorted().first
        )
        let path = data.appendingPathComponent(source).appendingPathComponent(file)
        var bytes = try Data(contentsOf: path)
        bytes[bytes.count / 2] ^= 0x04
        try bytes.write(to: path)
        let reopened = try EmbeddedCostStore(directory: folder)
        let corrupt = await Self.doctor(reopened, folder: folder).run()
        #expect(corrupt.first?.code == .storeCorrupt && corrupt.first?.status == .red)
        #expect(corrupt.first?.fix?.contains("backup") == true)

        let unreachable = await Doctor(storeName: "postgres://db/finops") {
            throw CostStoreError(.io, "connection refused")
        }
        .run()
        #expect(unreachable.map(\.code) == [.storeUnreachable])
        #expect(unreachable.first?.message.contains("connection refused") == true)
    }
}
