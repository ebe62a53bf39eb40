import FlowEngine

extension TaskRegistry {
    /// The core task types and the FinOps ones (`io.finops.cost.*`).
    public static var finOps: TaskRegistry {
        var registry = TaskRegistry.core
        registry.registerFinOpsTasks()
        return registry
    }

    /// Adds the FinOps task types: Ingest, Pivot, Allocate, CheckBudgets, Anomalies, Forecast, TagCoverage,
    /// Commitments, Reconcile, Report, Metrics, Notify and Backup, all named `io.finops.cost.<Name>`.
    ///
    /// They find the store and directories in the runner's services (``FinOpsTaskEnvironment``).
    public mutating func registerFinOpsTasks() {
        for type in finOpsTaskTypes { register(type) }
    }
}

let finOpsTaskTypes: [any TaskType.Type] = [
    IngestTask.self, PivotTask.self, AllocateTask.self, BudgetsTask.self, AnomaliesTask.self, ForecastTask.self,
    CoverageTask.self, CommitmentsTask.self, ReconcileTask.self, ReportTask.self, MetricsTask.self, NotifyTask.self,
    BackupTask.self,
]
