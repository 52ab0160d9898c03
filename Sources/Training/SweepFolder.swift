import Foundation
import ModelNames

/// A finished sweep's output folder, as `sweep --local` and the coordinator write it:
/// `config.yaml`, `results.json` and a folder per job (`<model>/fold-<k>/`, or
/// `<model>/rep-<r>/fold-<k>/` with repeats).
public struct SweepFolder {
    /// One finished job as results.json lists it.
    public struct Job: Sendable, Equatable {
        public var model: ModelName
        public var `repeat`: Int
        public var fold: Int
        /// The epoch whose weights were scored, 0-based (results.json's `best_epoch`).
        public var bestEpoch: Int
        /// The job's folder below the sweep's.
        public var path: String
    }

    public let directory: String
    /// Finished jobs in results.json's order (failed ones have no model).
    public let jobs: [Job]
    /// Per model and metric, the mean and sample std over its finished jobs.
    public let models: [String: [String: (mean: Double, std: Double)]]

    public init(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent("results.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFolderError(path, "no such file: \(directory) is not a finished sweep's folder")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let jobs = object["jobs"] as? [[String: Any]],
              let models = object["models"] as? [String: [String: [String: Any]]] else {
            throw ModelFolderError(path, "is not a sweep's results (no 'jobs' and 'models')")
        }
        let repeats = (jobs.compactMap { $0["repeat"] as? Int }.max() ?? 0) + 1
        self.directory = directory
        self.jobs = jobs.compactMap { job in
            guard job["status"] as? String == JobStatus.finished.rawValue, let model = (job["model"] as? String).flatMap(ModelName.init(rawValue:)),
                  let fold = job["fold"] as? Int,
                  let best = job["best_epoch"] as? Int else { return nil }
            let key = JobKey(model: model, repeat: job["repeat"] as? Int ?? 0, fold: fold)
            return Job(model: model, repeat: key.repeat, fold: fold, bestEpoch: best, path: key.path(repeats: repeats))
        }
        self.models = models.mapValues { metrics in
            metrics.compactMapValues { figures in (figures["mean"] as? Double).map { ($0, figures["std"] as? Double ?? 0) } }
        }
    }

    /// The resolved configuration the sweep ran with.
    public var configFile: String { (directory as NSString).appendingPathComponent("config.yaml") }

    /// The folders of `model`'s finished jobs; an error naming the models the sweep has when it has none of `model`.
    public func jobDirectories(model: String) throws -> [String] {
        let folders = jobs.filter { $0.model.rawValue == model }.map { (directory as NSString).appendingPathComponent($0.path) }
        guard !folders.isEmpty else {
            let known = Set(jobs.map(\.model.rawValue)).sorted().joined(separator: ", ")
            throw ModelFolderError((directory as NSString).appendingPathComponent("results.json"),
                                   "no finished job of model '\(model)' (finished: \(known.isEmpty ? "none" : known))")
        }
        return folders
    }
}
