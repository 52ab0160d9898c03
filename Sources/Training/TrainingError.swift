/// Why a job could not train: each names the epoch, batch, setting or fold at fault.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The loss became NaN or infinite: training stops rather than corrupt the weights.
    case nonFiniteLoss(epoch: Int, batch: Int, loss: Float)
    /// A setting that cannot work, with its key.
    case configuration(String, String)
    /// Stopped on request (the job was cancelled) after `batch` batches of `epoch`.
    case cancelled(epoch: Int, batch: Int)

    /// Stopped on request rather than by a fault.
    public var isCancellation: Bool { if case .cancelled = self { return true } else { return false } }

    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, batch, loss):
            return "loss became \(loss) at epoch \(epoch + 1), batch \(batch + 1): training stopped (lower the learning rate, or check the inputs for NaN)"
        case let .configuration(key, message):
            return "\(key): \(message)"
        case let .cancelled(epoch, batch):
            return "cancelled at epoch \(epoch + 1) after batch \(batch)"
        }
    }
}
