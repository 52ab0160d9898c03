/// What the coordinator needs from the layer that knows what a sweep is (`SweepRecorder`, over
/// Training and Tracking), so that the network core reads no plan and writes no MLflow run: it
/// turns SUBMIT and REFIT into ledger jobs, names the files each job's worker must fetch, and
/// files each sweep's results and runs as the coordinator's events happen. Called on the
/// coordinator's loop thread only.
public protocol SweepBook: AnyObject, Sendable {
    /// The sweep a SUBMIT carries; an error says why its plan is refused.
    func sweep(submitted: Submission) throws -> SubmittedSweep
    /// The sweep was just created in the ledger.
    func sweepCreated(_ sweep: SubmittedSweep)
    /// The job that refits `model` of the ended sweep `sweep` on all its data (REFIT); an error
    /// says why it cannot.
    func refitJob(sweep: String, model: String) throws -> NewJob
    /// Digests of the files besides its dataset that a job's worker fetches (its model's
    /// checkpoint), read from the job's spec.
    func files(ofJobSpec spec: String) -> [String]
    /// The epochs `job` trains, for the status report; nil when unknown.
    func epochs(of job: JobRecord) -> Int?
    /// Everything the coordinator recorded, in order.
    func record(_ event: CoordinatorEvent)
    /// The folder of the sweep's files.
    func directory(of sweep: String) -> String
    /// The MLflow URL of the sweep's parent run, once MLflow has it.
    func parentRunURL(of sweep: String) -> String?
}

/// A sweep as its SUBMIT creates it: the ledger's rows and the files its jobs need.
public struct SubmittedSweep: Sendable {
    public var id: String
    public var name: String
    /// The digest of its dataset (feature pack).
    public var dataset: String
    /// What the ledger keeps as the sweep's configuration (the plan, JSON).
    public var configuration: String
    public var jobs: [NewJob]
    /// The files besides the dataset that its jobs need, with their sizes.
    public var files: [StoredFile]
    /// The jobs in a few words, for the coordinator's log.
    public var summary: String

    public init(id: String, name: String, dataset: String, configuration: String, jobs: [NewJob], files: [StoredFile], summary: String) {
        (self.id, self.name, self.dataset, self.configuration) = (id, name, dataset, configuration)
        (self.jobs, self.files, self.summary) = (jobs, files, summary)
    }
}
