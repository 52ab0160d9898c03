import Foundation
import ModelNames
import RunRecords

/// The sweep-level charts drawn from results.json, shared by report.html and the files beside it.
extension SweepResults {
    /// The models that have jobs, in the sweep's order.
    var modelNames: [ModelName] { jobs.map(\.model).uniqued() }

    var finishedJobs: [JobOutcome] { jobs.filter { $0.status == .finished } }

    /// The job folder's path (`JobKey.path`) under this sweep's repeats.
    func path(of job: JobOutcome) -> String { job.key.path(repeats: folds.perRepeat.count) }

    /// Every model's held-out accuracy over its finished jobs: each job a dot, the mean with its
    /// corrected 95 % interval (mean ± std when some model has none, e.g. with a single job).
    var accuracyDotPlot: String {
        let models = modelNames.filter { self.models[$0.rawValue]?[.accuracy] != nil }
        let summaries = models.map { self.models[$0.rawValue]![.accuracy]! }
        let corrected = summaries.allSatisfy { $0.ci95Low != nil && $0.ci95High != nil }
        let rows = zip(models, summaries).map { model, s in
            ScoreDotPlot.Row(model: model.rawValue, scores: finishedJobs.filter { $0.model == model }.compactMap { $0.metrics[.accuracy] }, mean: s.mean,
                             low: corrected ? s.ci95Low! : s.mean - s.std, high: corrected ? s.ci95High! : s.mean + s.std)
        }
        return ScoreDotPlot.svg(rows, scoreName: "held-out accuracy", intervalName: corrected ? "corrected 95 % interval" : "mean ± 1 std",
                                title: "\(name): held-out accuracy per job")
    }

    /// Each model's F1 per class, the mean over its finished jobs in which the class has examples.
    var perClassF1Chart: String {
        let models = modelNames.map { model -> (name: String, f1: [Double?]) in
            let reports = finishedJobs.filter { $0.model == model }.compactMap(\.perClass)
            return (model.rawValue, classes.indices.map { c in
                let values = reports.filter { c < $0.count && $0[c].support > 0 }.map { $0[c].f1 }
                return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
            })
        }
        return PerClassF1Chart.svg(classes: classes, models: models, title: "\(name): F1 per class (mean over jobs)")
    }

    /// Model `model`'s summed confusion matrix, its cells' figures as `cells` says.
    func summedConfusionChart(model: String, matrix: [[Int]], cells: ConfusionCells) -> String {
        ConfusionMatrixChart.svg(matrix, classes: classes, title: "\(model): held-out folds summed", cells: cells)
    }
}
