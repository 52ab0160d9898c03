/// Expected seconds of a sweep's jobs: a job's planned cost (`JobCost` units) times the seconds
/// per unit measured on the sweep's finished jobs of the same model, or of all its models while
/// none of that model has finished. With nothing measured the scale is unknown and only the
/// costs' order is.
public struct JobDurations: Equatable, Sendable {
    /// One measured job: its model, its planned cost in units and the seconds it took.
    public struct Measured: Equatable, Sendable {
        public let model: String
        public let cost: Double
        public let seconds: Double
        public init(model: String, cost: Double, seconds: Double) { (self.model, self.cost, self.seconds) = (model, cost, seconds) }
    }

    private let byModel: [String: Double]
    private let overall: Double?

    public init(_ measured: [Measured]) {
        func scale(_ jobs: [Measured]) -> Double? {
            let cost = jobs.reduce(0) { $0 + $1.cost }
            return cost > 0 ? jobs.reduce(0) { $0 + $1.seconds } / cost : nil
        }
        byModel = Dictionary(grouping: measured, by: \.model).compactMapValues(scale)
        overall = scale(measured)
    }

    /// Whether anything was measured (so `seconds` answers).
    public var isCalibrated: Bool { overall != nil }

    /// The expected seconds of a job of `model` costing `cost` units; nil before anything was measured.
    public func seconds(model: String, cost: Double) -> Double? {
        (byModel[model] ?? overall).map { $0 * cost }
    }

    /// The order key of the lease queue: expected seconds, or the cost alone before anything
    /// was measured (the same order, as every model then shares one unknown scale).
    func rank(model: String, cost: Double) -> Double { seconds(model: model, cost: cost) ?? cost }
}
