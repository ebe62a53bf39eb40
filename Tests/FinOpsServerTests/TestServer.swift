import FinOpsCore
import FinOpsServer
import FinOpsTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A server on a free loopback port over a store, with one token per role; stopped by ``stop()``.
final class TestServer: Sendable {
    static let tokens = ["viewer": "viewer-token-1", "operator": "operator-token-2", "admin": "admin-token-3"]

    let base: URL
    let store: any CostStore
    private let task: Task<Void, any Error>

    private init(base: URL, store: any CostStore, task: Task<Void, any Error>) {
        self.base = base
        self.store = store
        self.task = task
    }

    /// The generated sample (8,000 rows over four months) in a new embedded store.
    static func sampleStore() async throws -> EmbeddedCostStore {
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        let sample = Fixtures.packageRoot.appendingPathComponent("Examples/data/focus_generated.csv.gz").path
        _ = try await FocusIngest().ingest(files: [sample], into: store)
        return store
    }

    static func start(
        store: any CostStore,
        flows: URL? = Fixtures.packageRoot.appendingPathComponent("Examples/flows"),
        configure: (inout FinOpsServer.Configuration) -> Void = { _ in }
    ) async throws -> TestServer {
        var configuration = FinOpsServer.Configuration(store: store)
        configuration.port = 0
        configuration.flowsDirectory = flows
        configuration.outputDirectory = Fixtures.temporaryDirectory()
        configuration.storeName = "test store"
        for (role, token) in tokens {
            configuration.tokens.add(name: role, role: AccessRole(rawValue: role)!, token: token)
        }
        configure(&configuration)
        let server = FinOpsServer(configuration)
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let task = Task { try await server.run { port in sink.yield(port) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return TestServer(base: URL(string: "http://127.0.0.1:\(port)")!, store: store, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// One request, redirects not followed.
    func request(
        _ path: String,
        method: String = "GET",
        token: String? = nil,
        cookie: String? = nil,
        headers: [String: String] = [:],
        body: String? = nil
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: base.absoluteString + path)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let cookie { request.setValue(cookie, forHTTPHeaderField: "Cookie") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = Data(body.utf8) }
        let (data, response) = try await Self.session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return Reply(status: http.statusCode, headers: fields, body: String(decoding: data, as: UTF8.self))
    }

    /// Signs in as `role` through the sign-in form; the session cookie.
    func signIn(as role: String) async throws -> String {
        let reply = try await request(
            "/login",
            method: "POST",
            headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: "token=\(Self.tokens[role]!)&next=%2Fpivot"
        )
        #expect(reply.status == 303 || reply.status == 302)
        let setCookie = try #require(reply.header("Set-Cookie"))
        return String(setCookie.split(separator: ";")[0])
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.timeoutIntervalForRequest = 60
        return URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }()
}

/// Redirects are answers to check, not to follow.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
