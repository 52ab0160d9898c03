import Foundation
import Random
import Tensor

/// The faults a soak injects. Their kinds, targets, durations and the pauses between them are
/// drawn from one seeded generator; which kinds are possible at a moment (a worker already
/// frozen cannot be frozen again) depends on the run's timing, so two runs of one seed agree
/// on the draws, not necessarily on the faults.
enum FaultKind: String, CaseIterable {
    /// A worker SIGKILLed mid-whatever, restarted after `recoverySeconds`.
    case workerKill = "worker_kill"
    /// A worker SIGSTOPped past its lease (lease + 1…4 s), then SIGCONTed.
    case workerStop = "worker_stop"
    /// The coordinator SIGKILLed and restarted on the same state directory and port.
    case coordinatorKill = "coordinator_kill"
    /// The MLflow server (its whole process group) SIGKILLed and started again on the same store.
    case mlflowKill = "mlflow_kill"
}

/// Injects faults into a `SoakCluster` and undoes each after its own delay, so that faults
/// overlap: a worker may die while the coordinator is down and MLflow restarts.
final class FaultInjector {
    private let cluster: SoakCluster
    private let leaseSeconds: Double
    private var generator: RandomGenerator
    /// Recoveries due: when, which process, and how.
    private var pending: [(due: Date, target: String, action: () throws -> Void)] = []
    private(set) var injected: [FaultKind: Int] = [:]
    var total: Int { injected.values.reduce(0, +) }

    init(cluster: SoakCluster, seed: UInt64, leaseSeconds: Double) {
        self.cluster = cluster
        self.leaseSeconds = leaseSeconds
        generator = RandomGenerator(seed: seed)
    }

    /// Seconds to wait before the next fault: 0.5…3.
    func nextPause() -> Double { Double.random(in: 0.5...3, using: &generator) }

    /// Injects one fault of a kind drawn among those possible now; returns what it did, or nil
    /// when nothing can be hit (every process is already down).
    func inject(log: (String) -> Void) throws -> FaultKind? {
        let drawn = FaultKind.allCases.randomElement(using: &generator)!
        let running = cluster.workerNames.filter { cluster.isRunning($0) && !cluster.stopped.contains($0) && !isPending($0) }
        var possible: [FaultKind] = []
        if !running.isEmpty { possible += [.workerKill, .workerStop] }
        if cluster.isRunning("coordinator") && !isPending("coordinator") { possible.append(.coordinatorKill) }
        if !isPending("mlflow") && cluster.mlflow.isHealthy() { possible.append(.mlflowKill) }
        guard let kind = possible.contains(drawn) ? drawn : possible.randomElement(using: &generator) else { return nil }
        let worker = running.randomElement(using: &generator)
        switch kind {
        case .workerKill:
            let name = worker!, delay = Double.random(in: 0.5...3, using: &generator)
            cluster.kill(name)
            log("SIGKILL \(name); restart in \(String(format: "%.1f", delay)) s")
            schedule(name, after: delay) { try self.cluster.startWorker(name) }
        case .workerStop:
            let name = worker!, delay = leaseSeconds + Double.random(in: 1...4, using: &generator)
            cluster.freeze(name)
            log("SIGSTOP \(name); SIGCONT in \(String(format: "%.1f", delay)) s")
            schedule(name, after: delay) { self.cluster.thaw(name) }
        case .coordinatorKill:
            let delay = Double.random(in: 0.5...3, using: &generator)
            cluster.kill("coordinator")
            log("SIGKILL coordinator; restart in \(String(format: "%.1f", delay)) s")
            schedule("coordinator", after: delay) { try self.cluster.startCoordinator() }
        case .mlflowKill:
            let delay = Double.random(in: 1...5, using: &generator)
            cluster.mlflow.stop()
            log("SIGKILL MLflow; start in \(String(format: "%.1f", delay)) s")
            schedule("mlflow", after: delay) { try self.cluster.mlflow.launch() }
        }
        injected[kind, default: 0] += 1
        return kind
    }

    /// Carries out the recoveries due by `now` (all of them with `all`).
    func recover(now: Date, all: Bool = false) throws {
        let due = pending.filter { all || $0.due <= now }
        pending.removeAll { all || $0.due <= now }
        for recovery in due { try recovery.action() }
    }

    private func isPending(_ target: String) -> Bool { pending.contains { $0.target == target } }

    private func schedule(_ target: String, after seconds: Double, _ action: @escaping () throws -> Void) {
        pending.append((Date().addingTimeInterval(seconds), target, action))
    }
}
