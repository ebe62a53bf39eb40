import FinOpsAnalytics
import FinOpsCore
import FinOpsTasks
import FlowEngine
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// One web address for a team: the pivot explorer, the cost dashboard, the flows UI and the JSON API (`/api/v1`,
/// described by ``OpenAPIDocument``), `/metrics` for Prometheus and `/health`, over one store.
///
/// ```swift
/// var configuration = FinOpsServer.Configuration(store: store)
/// configuration.flowsDirectory = URL(fileURLWithPath: "flows")
/// configuration.tokens.add(name: "alice", role: .admin, token: secret)
/// try await FinOpsServer(configuration).run()
/// ```
public struct FinOpsServer: Sendable {
    /// What the server serves and how.
    public struct Configuration: Sendable {
        /// The store every page and call reads, and flows write.
        public var store: any CostStore
        /// How `/health` names the store (a location without its password).
        public var storeName = ""
        /// The address to listen on: loopback unless opened on purpose.
        public var host = "127.0.0.1"
        /// The port; 0 picks a free one (see ``FinOpsServer/run(onListening:)``).
        public var port = 8080
        /// Flows listed, validated and run from here (none when nil).
        public var flowsDirectory: URL?
        /// Where flows' FinOps tasks write their files.
        public var outputDirectory = URL(fileURLWithPath: "finops-output")
        /// Whether flows may run processes (shell Commands and Script).
        public var allowsProcesses = false
        /// The bearer tokens accepted; with none, nothing but `/health` answers.
        public var tokens = AccessTokens()
        /// Signs session cookies; a random key (sessions end with the process) when nil.
        public var sessionKey: [UInt8]?
        /// Keeps the store's rows in memory for pivots (see ``StoredCosts``).
        public var keepsRowsInMemory = true
        /// A connection idle this long is closed.
        public var idleTimeout: TimeAmount = .seconds(60)
        /// Budgets shown on the dashboard.
        public var budgets: [Budget] = []

        /// Serves `store` with the defaults.
        public init(store: any CostStore) {
            self.store = store
        }
    }

    let configuration: Configuration
    let costs: StoredCosts
    let flows: FlowService
    let sessions: SessionSigner
    let metrics: PrometheusCollectorRegistry
    let startedAt = Date()

    /// A server; nothing listens until ``run(onListening:)``.
    public init(_ configuration: Configuration) {
        self.configuration = configuration
        costs = StoredCosts(store: configuration.store, keepsRowsInMemory: configuration.keepsRowsInMemory)
        metrics = PrometheusCollectorRegistry()
        var registry = TaskRegistry.finOps
        if configuration.allowsProcesses { registry.registerProcessTasks() }
        flows = FlowService(
            catalog: FlowCatalog(directory: configuration.flowsDirectory, parser: FlowParser(registry: registry)),
            store: configuration.store,
            outputDirectory: configuration.outputDirectory,
            metrics: metrics
        )
        sessions = SessionSigner(key: configuration.sessionKey ?? SessionSigner.randomKey())
    }

    /// Listens until the task is cancelled (or, with `handlesSignals`, SIGINT/SIGTERM), calling `onListening` with
    /// the port once requests are accepted.
    public func run(
        handlesSignals: Bool = false,
        logger: Logger = Logger(label: "finops.server"),
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let application = Application(
            router: makeRouter(),
            server: .http1(configuration: .init(idleTimeout: configuration.idleTimeout)),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "finops"
            ),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        if handlesSignals {
            try await application.runService()
        } else {
            try await application.run()
        }
    }

    /// Every route, behind the error and authentication middleware.
    func makeRouter() -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: AuthenticationMiddleware(tokens: configuration.tokens, sessions: sessions))
        addOperationsRoutes(to: router)
        addSignInRoutes(to: router)
        addPivotRoutes(to: router)
        addDashboardRoutes(to: router)
        addFlowRoutes(to: router)
        addAPIRoutes(to: router)
        return router
    }
}
