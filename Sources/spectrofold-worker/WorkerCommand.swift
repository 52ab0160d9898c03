import ArgumentParser
import Cluster
import Foundation
import Tensor

/// `spectrofold-worker`: trains the jobs a coordinator leases it, one at a time.
@main
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrofold-worker",
        abstract: "Run a stateless SpectroFold worker: fetch datasets, train leased jobs, send results.",
        discussion: "It keeps no sweep state: stop it at any time and its job is leased to another worker.")

    @Option(help: ArgumentHelp("The coordinator's endpoint.", valueName: "tcp://HOST:PORT")) var connect: String
    @Option(help: "Compute threads (0: one per core).") var threads = 0
    @Option(help: ArgumentHelp("Dataset cache directory.", valueName: "DIR")) var cache = "\(NSHomeDirectory())/.cache/spectrofold/worker"
    @Option(help: "A stable worker name (default HOST-PID).") var name: String?
    @Option(help: ArgumentHelp("The coordinator's CURVE public key file.", valueName: "FILE")) var curveServerKey: String?
    @Option(help: ArgumentHelp("This worker's CURVE secret key file.", valueName: "FILE")) var curveSecret: String?

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        ComputeThreads.set(threads > 0 ? threads : cores)
        var configuration = WorkerConfiguration(endpoint: connect, version: ServiceSupport.version, cacheDirectory: cache, name: name)
        configuration.cores = ComputeThreads.current
        configuration.blas = BLASKernel.summary
        configuration.security = try ServiceSupport.clientSecurity(serverKeyFile: curveServerKey, secretKeyFile: curveSecret)
        let executor = TrainingJobExecutor(scratchDirectory: (cache as NSString).appendingPathComponent("scratch"))
        let worker = try Worker(configuration: configuration, executor: executor, log: ServiceSupport.log)
        worker.start()
        ServiceSupport.log("worker \(configuration.name): \(ComputeThreads.current) threads, BLAS kernel \(BLASKernel.coreName), cache \(cache), coordinator \(connect)")
        if let warning = BLASKernel.warning { ServiceSupport.log("worker \(configuration.name): warning: \(warning); sgemm runs slower than it could") }
        let signal = ServiceSupport.waitForTermination()
        ServiceSupport.log("worker \(configuration.name): \(signal); saying BYE")
        worker.stop()
    }
}
