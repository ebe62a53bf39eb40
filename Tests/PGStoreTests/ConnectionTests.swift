import FinOpsCore
import Foundation
import PGStore
import Testing

@Suite("PostgresConnection", .postgres)
struct ConnectionTests {
    static let hostileStrings = [
        "it's",
        "'; DROP TABLE victims; --",
        "\"; DROP TABLE victims; --",
        "a\\b\\\\c\\'",
        "-- comment",
        "/* open comment",
        "$1 $$ $tag$ ? :name",
        "E'\\x41'",
        "line\nbreak\ttab\r",
        "Ünïcödé — 日本語 🚀 \u{200D}\u{FEFF}",
        "",
        "  spaces  ",
        "NULL",
    ]

    @Test("parameters are never spliced: hostile strings round-trip exactly and run no SQL")
    func hostileParameters() async throws {
        let connection = try await TestDatabase.connect()
        try await connection.query("CREATE TEMP TABLE victims (id int8 PRIMARY KEY, name text)")
        for (id, value) in Self.hostileStrings.enumerated() {
            try await connection.query("INSERT INTO victims (id, name) VALUES ($1, $2)", [.integer(id), .text(value)])
            let echoed = try await connection.query("SELECT $1::text, length($1::text)", [.text(value)])
            #expect(try echoed[0].decode((String, Int).self) == (value, value.unicodeScalars.count))
        }
        let rows = try await connection.query("SELECT id, name FROM victims ORDER BY id")
        #expect(rows.count == Self.hostileStrings.count)
        for row in rows {
            let (id, name) = try row.decode((Int, String).self)
            #expect(name == Self.hostileStrings[id])
        }
        let matches = try await connection.query(
            "SELECT count(*) FROM victims WHERE name = ANY($1)",
            [.textArray(Self.hostileStrings + [nil])]
        )
        #expect(try matches[0].decode(0, as: Int.self) == Self.hostileStrings.count)
        let elements = try await connection.query(
            "SELECT value FROM unnest($1::text[]) WITH ORDINALITY AS t(value, position) ORDER BY position",
            [.textArray(Self.hostileStrings + [nil])]
        )
        #expect(try elements.map { try $0.decode(0, as: String?.self) } == Self.hostileStrings + [nil])
        await connection.close()
    }

    @Test("text with a NUL character is refused before it is sent")
    func nulCharacter() async throws {
        let connection = try await TestDatabase.connect()
        let error = await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT $1::text", [.text("a\u{0}b")])
        }
        #expect(error?.code == .invalidParameter)
        #expect(error?.description.contains("$1") == true)
        #expect(try await connection.query("SELECT 1")[0].decode(0, as: Int.self) == 1)
        await connection.close()
    }

    @Test("typed parameters and decoders round-trip values exactly")
    func typedValues() async throws {
        let connection = try await TestDatabase.connect()
        let decimal = try ExactDecimal.parse("-170141183460.469231731687303715")
        let tiny = try ExactDecimal.parse("0.000000000000000001")
        let time = Timestamp(microsecondsSinceEpoch: 1_725_148_800_123_456)
        let day = Timestamp(year: 2024, month: 9, day: 1)!
        let bytes = (0...255).map(UInt8.init)
        let row = try await connection.query(
            """
            SELECT $1::int8, $2::float8, $3::bool, $4::numeric, $5::numeric, $6::timestamptz, $7::date, $8::jsonb,
                   $9::bytea, $10::text, $11::float8, $12::numeric * 2
            """,
            [
                .integer(Int.min), .double(0.1), .bool(true), .decimal(decimal), .decimal(tiny), .timestamp(time),
                .date(day), .jsonb(#"{"k": "it's \"quoted\"", "n": 1.50}"#), .bytes(bytes), nil,
                .double(-.infinity), .decimal(tiny),
            ]
        )[0]
        #expect(try row.decode(0, as: Int.self) == Int.min)
        #expect(try row.decode(1, as: Double.self) == 0.1)
        #expect(try row.decode(2, as: Bool.self))
        #expect(try row.decode(3, as: ExactDecimal.self) == decimal)
        #expect(try row.decode(4, as: ExactDecimal.self) == tiny)
        #expect(try row.decode(5, as: Timestamp.self) == time)
        #expect(try row.decode(6, as: Timestamp.self) == day)
        #expect(try row.decode(7, as: String.self) == #"{"k": "it's \"quoted\"", "n": 1.50}"#)
        #expect(try row.decode(8, as: [UInt8].self) == bytes)
        #expect(try row.decode(9, as: String?.self) == nil)
        #expect(try row.decode(10, as: Double.self) == -.infinity)
        #expect(try row.decode(11, as: ExactDecimal.self) == (try ExactDecimal.parse("0.000000000000000002")))
        #expect(row[9].text == nil)

        let error = #expect(throws: PostgresError.self) { try row.decode(9, as: String.self) }
        #expect(error?.code == .decoding)
        #expect(error?.description.contains("NULL") == true)
        let mismatch = #expect(throws: PostgresError.self) { try row.decode((Int, Int).self) }
        #expect(mismatch?.code == .decoding)
        await connection.close()
    }

    @Test("timestamps in other session time zones decode to the same instant")
    func timeZones() async throws {
        let connection = try await TestDatabase.connect()
        try await connection.query("SET TimeZone = 'Asia/Kolkata'")
        let time = Timestamp(microsecondsSinceEpoch: 1_725_148_800_000_001)
        let rows = try await connection.query("SELECT $1::timestamptz, $1::timestamptz::text", [.timestamp(time)])
        #expect(try rows[0].decode(0, as: Timestamp.self) == time)
        #expect(try rows[0].decode(1, as: String.self).hasSuffix("+05:30"))
        try await connection.query("SET TimeZone = 'America/New_York'")
        #expect(try await connection.query("SELECT $1::timestamptz", [.timestamp(time)])[0].decode(0) == time)
        await connection.close()
    }

    @Test("server errors carry SQLSTATE, message, detail and hint, and name the statement")
    func serverErrors() async throws {
        let connection = try await TestDatabase.connect()
        let syntax = await #expect(throws: PostgresError.self) { try await connection.query("SELEKT 1") }
        #expect(syntax?.code == .server)
        #expect(syntax?.sqlState == PostgresError.SQLState.syntaxError)
        #expect(syntax?.message.contains("syntax error") == true)
        #expect(syntax?.description.hasPrefix("running `SELEKT 1`: ") == true)

        try await connection.query("CREATE TEMP TABLE unique_things (id int PRIMARY KEY)")
        try await connection.query("INSERT INTO unique_things VALUES (1)")
        let duplicate = await #expect(throws: PostgresError.self) {
            try await connection.query("INSERT INTO unique_things VALUES ($1)", [.integer(1)])
        }
        #expect(duplicate?.sqlState == PostgresError.SQLState.uniqueViolation)
        #expect(duplicate?.detail == "Key (id)=(1) already exists.")

        let noFunction = await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT no_such_function($1)", [.integer(1)])
        }
        #expect(noFunction?.sqlState == "42883")
        #expect(noFunction?.hint?.isEmpty == false)
        #expect(noFunction?.description.contains("HINT: ") == true)

        let twoStatements = await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT 1; SELECT 2")
        }
        #expect(twoStatements?.code == .server)
        #expect(try await connection.query("SELECT count(*) FROM unique_things")[0].decode(0, as: Int.self) == 1)
        await connection.close()
    }

    @Test("transactions commit when the body returns and roll back when it throws")
    func transactions() async throws {
        let connection = try await TestDatabase.connect()
        try await connection.query("CREATE TEMP TABLE ledger (amount numeric)")
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await connection.transaction { connection in
                try await connection.query("INSERT INTO ledger VALUES ($1)", [.decimal(ExactDecimal(5))])
                throw Abort()
            }
        }
        #expect(await connection.transactionStatus == .idle)
        let committed = try await connection.transaction { connection in
            try await connection.query("INSERT INTO ledger VALUES ($1)", [.decimal(ExactDecimal(7))])
            return try await connection.query("SELECT sum(amount) FROM ledger")[0].decode(0, as: ExactDecimal.self)
        }
        #expect(committed == ExactDecimal(7))

        // A statement that failed inside the body makes the server roll back, even if the body swallowed the error.
        let swallowed = await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                try await connection.query("INSERT INTO ledger VALUES ($1)", [.decimal(ExactDecimal(11))])
                _ = try? await connection.query("SELECT 1/0")
            }
        }
        #expect(swallowed?.message.contains("rolled back") == true)

        let nested = await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                try await connection.transaction { _ in }
            }
        }
        #expect(nested?.code == .misuse)
        #expect(await connection.transactionStatus == .idle)
        let total = try await connection.query("SELECT sum(amount), count(*) FROM ledger")[0]
        #expect(try total.decode((ExactDecimal, Int).self) == (ExactDecimal(7), 1))
        await connection.close()
    }

    @Test("cancelling the task cancels the statement on the server (PQcancel)")
    func cancellation() async throws {
        let connection = try await TestDatabase.connect()
        let clock = ContinuousClock()
        let issued = clock.now
        let sleeper = Task { try await connection.query("SELECT pg_sleep(120)") }
        try await Task.sleep(for: .milliseconds(300))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        // The connection stays usable, and the server is not still sleeping on it: had the cancel not reached the
        // server, this statement could only run once the 120 s sleep ended. The bound leaves 90 s for a full
        // parallel run that starves the cooperative pool (35 s was seen in CI with a 30 s sleep).
        #expect(try await connection.query("SELECT 41 + 1")[0].decode(0, as: Int.self) == 42)
        #expect(clock.now - issued < .seconds(90))
        #expect(await connection.transactionStatus == .idle)

        // Cancelled before it starts: nothing runs, so the next statement does not wait for a sleep either.
        let start = clock.now
        let early = Task { try await connection.query("SELECT pg_sleep(120)") }
        early.cancel()
        await #expect(throws: CancellationError.self) { try await early.value }
        #expect(try await connection.query("SELECT 1")[0].decode(0, as: Int.self) == 1)
        #expect(clock.now - start < .seconds(90))

        // Cancelled inside a transaction: rolled back, connection reusable.
        try await connection.query("CREATE TEMP TABLE cancelled (id int)")
        let inTransaction = Task {
            try await connection.transaction { connection in
                try await connection.query("INSERT INTO cancelled VALUES (1)")
                try await connection.query("SELECT pg_sleep(120)")
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        inTransaction.cancel()
        await #expect(throws: CancellationError.self) { try await inTransaction.value }
        #expect(try await connection.query("SELECT count(*) FROM cancelled")[0].decode(0, as: Int.self) == 0)
        await connection.close()
    }

    @Test("a backend killed with pg_terminate_backend is reported as a lost connection")
    func lostConnection() async throws {
        let victim = try await TestDatabase.connect()
        let killer = try await TestDatabase.connect()
        let pid = await victim.processID
        let terminated = try await killer.query("SELECT pg_terminate_backend($1::int4)", [.integer(Int(pid))])
        #expect(try terminated[0].decode(0, as: Bool.self))
        // Let the backend exit before the next statement.
        try await Task.sleep(for: .milliseconds(200))
        let error = await #expect(throws: PostgresError.self) { try await victim.query("SELECT 1") }
        #expect(error?.code == .connectionLost)
        #expect(error?.description.contains("connection lost") == true)
        #expect(victim.isBroken)
        let again = await #expect(throws: PostgresError.self) { try await victim.query("SELECT 1") }
        #expect(again?.code == .connectionLost)
        await killer.close()
    }

    @Test("connecting by key/value conninfo, and a refused connection says where it tried")
    func conninfoForms() async throws {
        let url = try #require(URLComponents(string: try TestDatabase.requireURL()))
        let keyValue =
            "host=\(url.host ?? "localhost") port=\(url.port ?? 5432) user=\(url.user ?? "postgres") dbname=postgres"
        let connection = try await PostgresConnection.connect(keyValue, applicationName: "finops-test")
        let name = try await connection.query("SELECT current_setting('application_name')")[0].decode(
            0,
            as: String.self
        )
        #expect(name == "finops-test")
        #expect(await connection.endpoint.contains("@\(url.host ?? "localhost"):\(url.port ?? 5432)/postgres"))
        await connection.close()
        let closed = await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1") }
        #expect(closed?.code == .connectionClosed)

        let refused = await #expect(throws: PostgresError.self) {
            try await PostgresConnection.connect("postgres://nobody:secret@127.0.0.1:1/none")
        }
        #expect(refused?.code == .connectionFailed)
        #expect(refused?.description.contains("127.0.0.1") == true)
        #expect(refused?.description.contains("secret") == false)
    }

    @Test("blocking statements do not hold the cooperative pool's threads")
    func dedicatedThreads() async throws {
        var opened: [PostgresConnection] = []
        for _ in 0..<6 { opened.append(try await TestDatabase.connect()) }
        let connections = opened
        let watcher = try await TestDatabase.connect()
        let marker = "dedicated-threads-\(UInt32.random(in: 0...UInt32.max))"
        let sleepers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for connection in connections {
                    group.addTask { try await connection.query("SELECT pg_sleep(10), $1::text", [.text(marker)]) }
                }
                try await group.waitForAll()
            }
        }
        // On a 2-thread pool, blocking calls would let at most two statements run at once (and starve this loop);
        // on their own threads all six run together. The 10 s sleeps overlap even when a full parallel run starts the
        // six tasks seconds apart (3 s sleeps did not, once, in CI).
        var most = 0
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(9)
        while most < 6, clock.now < deadline {
            let running = try await watcher.query(
                """
                SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(10)%'
                    AND backend_type = 'client backend' AND pid <> pg_backend_pid()
                """
            )[0].decode(0, as: Int.self)
            most = max(most, running)
            try await Task.sleep(for: .milliseconds(20))
        }
        try await sleepers.value
        #expect(most == 6)
        for connection in connections { await connection.close() }
        await watcher.close()
    }
}
