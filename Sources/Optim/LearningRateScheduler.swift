/// Sets an optimizer's learning rate once per epoch. The Trainer calls `step(epoch:metric:)` after
/// every epoch's validation; a scheduler also sets the learning rate for epoch 0 when it is made.
public protocol LearningRateScheduler: AnyObject {
    /// Records that epoch `epoch` (0-based) has finished with validation value `metric` (only
    /// `ReduceLROnPlateau` looks at it), sets the optimizer's learning rate for the next epoch and
    /// returns it.
    @discardableResult
    func step(epoch: Int, metric: Double) -> Double
}
