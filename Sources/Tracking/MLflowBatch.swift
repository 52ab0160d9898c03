/// The content of one `runs/log-batch` request, within the server's limits.
struct MLflowBatch: Equatable {
    var metrics: [MLflowMetric] = []
    var params: [MLflowKeyValue] = []
    var tags: [MLflowKeyValue] = []

    /// MLflow's limits per request (`mlflow/utils/validation.py`): 1000 metrics, 100 params,
    /// 100 tags, 1000 entities in all, and 1 MB of request.
    static let maxMetrics = 1000
    static let maxParams = 100
    static let maxTags = 100
    static let maxEntities = 1000
    /// Kept below the 1 MB request limit to leave room for the JSON around the entities.
    static let maxEstimatedBytes = 900_000

    var isEmpty: Bool { metrics.isEmpty && params.isEmpty && tags.isEmpty }

    /// Splits the entities into requests within the limits, keeping their order (params and tags
    /// first: the first request carries as many of them as fit).
    static func split(metrics: [MLflowMetric], params: [MLflowKeyValue], tags: [MLflowKeyValue]) -> [MLflowBatch] {
        var batches: [MLflowBatch] = []
        var current = MLflowBatch()
        var bytes = 0
        func fits(_ size: Int) -> Bool {
            current.metrics.count + current.params.count + current.tags.count < maxEntities
                && (current.isEmpty || bytes + size <= maxEstimatedBytes)
        }
        func startNew() {
            batches.append(current)
            current = MLflowBatch()
            bytes = 0
        }
        for param in params {
            let size = estimatedBytes(param)
            if current.params.count == maxParams || !fits(size) { startNew() }
            current.params.append(param)
            bytes += size
        }
        for tag in tags {
            let size = estimatedBytes(tag)
            if current.tags.count == maxTags || !fits(size) { startNew() }
            current.tags.append(tag)
            bytes += size
        }
        for metric in metrics {
            let size = metric.key.utf8.count + 96
            if current.metrics.count == maxMetrics || !fits(size) { startNew() }
            current.metrics.append(metric)
            bytes += size
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// The entity's size in JSON, generously: escaping can grow text, and there are keys and quotes.
    private static func estimatedBytes(_ pair: MLflowKeyValue) -> Int {
        (pair.key.utf8.count + pair.value.utf8.count) * 2 + 32
    }
}
