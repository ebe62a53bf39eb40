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
        /// The bearer tokens accepted; with none (and no ``oidc``), nothing but `/health` answers.
        public var tokens = AccessTokens()
        /// OIDC access tokens accepted too, when set.
        public var oidc: OIDCConfiguration?
        /// Signs session cookies; a random key (sessions end with the process) when nil.
        public var sessionKey: [UInt8]?
        /// Keeps the store's rows in memory for pivots (see ``StoredCosts``).
        public var keepsRowsInMemory = true
        /// A connection idle this long is closed.
        public var idleTimeout: TimeAmount = .seconds(60)
        /// Budgets shown on the dashboard.
        public var budgets: [Budget] = []
        /// Where executions are recorded and schedule ticks claimed: the process's memory unless given (the CLI
        /// opens a SQLite file beside an embedded store, or PostgreSQL's tables).
        public var executions: any ExecutionStore = InMemoryExecutionStore()
        /// Whether this process fires the flows' Schedule triggers (several processes may: each tick fires once).
        public var runsScheduler = true
        /// How often executions running here are marked alive in the history; one silent for three intervals is
        /// taken for abandoned (its process stopped) and marked FAILED by a scheduler.
        public var heartbeatInterval: Duration = .seconds(10)

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
            executions: configuration.executions,
            store: configuration.store,
            outputDirectory: configuration.outputDirectory,
            metrics: metrics,
            heartbeatInterval: configuration.heartbeatInterval
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
            router: try await makeRouter(),
            server: .http1(configuration: .init(idleTimeout: configuration.idleTimeout)),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "finops"
            ),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let flows = self.flows
        let scheduler = configuration.runsScheduler ? FlowScheduler(flows: flows) : nil
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await flows.beat() }
            if let scheduler { group.addTask { await scheduler.run() } }
            group.addTask {
                if handlesSignals {
                    try await application.runService()
                } else {
                    try await application.run()
                }
            }
            // The server ends (a signal, or cancellation): so do the heartbeat and the scheduler.
            try await group.next()
            group.cancelAll()
        }
    }

    /// Fires the flows' Schedule triggers, and beats for the executions started here, until the task is cancelled;
    /// serves nothing (`finops scheduler`: a scheduler beside servers started with `runsScheduler` off).
    public func runScheduler() async {
        let flows = self.flows
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await flows.beat() }
            group.addTask { await FlowScheduler(flows: flows).run() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Runs a recorded execution's flow again with the same inputs (the flow as the flows directory has it now), and
    /// waits for the new execution to end; it is recorded as started by `replay:ID`.
    ///
    /// - Throws: ``ServerError`` (`not_found`) when there is no such execution or its flow is not in the directory.
    public func replay(_ id: String) async throws -> ExecutionRecord {
        guard let original = try await flows.executions.record(id) else {
            throw ServerError(.notFound, "no execution \(id) in the history")
        }
        guard let flow = flows.catalog.flow(namespace: original.namespace, id: original.flowId)?.flow else {
            throw ServerError(
                .notFound,
                "the flow \(original.namespace).\(original.flowId) is not in the flows directory"
            )
        }
        let replayed = try await flows.start(flow, inputs: original.inputs, startedBy: "replay:\(id)")
        await flows.wait(replayed)
        guard let record = try await flows.executions.record(replayed) else {
            throw ServerError(.notFound, "the replay \(replayed) was not recorded")
        }
        return record
    }

    /// Every route, behind the error and authentication middleware.
    func makeRouter() async throws -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        var oidc: OIDCVerifier?
        if let configuration = configuration.oidc { oidc = try await OIDCVerifier(configuration) }
        let authentication = AuthenticationMiddleware(tokens: configuration.tokens, oidc: oidc, sessions: sessions)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: authentication)
        addOperationsRoutes(to: router)
        addSignInRoutes(to: router, authentication: authentication)
        addPivotRoutes(to: router)
        addDashboardRoutes(to: router)
        addFlowRoutes(to: router)
        addAPIRoutes(to: router)
        addAnalyticsRoutes(to: router)
        return router
    }
}
