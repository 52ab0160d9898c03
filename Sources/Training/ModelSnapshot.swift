import NN
import Tensor

/// A copy of a model's parameters, buffers and batch-norm counters, to keep the best epoch's
/// weights and put them back at the end of training.
struct ModelSnapshot {
    private let values: [[Float]]
    private let batchesTracked: [Int]

    init(_ model: Module) {
        values = (model.parameters + model.namedBuffers().map(\.tensor)).map(\.scalars)
        batchesTracked = Self.norms(model).map(\.batchesTracked)
    }

    func restore(into model: Module) throws {
        for (tensor, stored) in zip(model.parameters + model.namedBuffers().map(\.tensor), values) { try tensor.assign(stored) }
        for (norm, count) in zip(Self.norms(model), batchesTracked) { norm.batchesTracked = count }
    }

    private static func norms(_ model: Module) -> [BatchNorm2d] {
        model.namedModules().compactMap { $0.module as? BatchNorm2d }
    }
}
