import Dispatch
import Tensor

/// Runs `body` over contiguous chunks of `0..<count`, side by side on up to
/// `ComputeThreads.current` threads when each chunk gets at least 2¹⁶ elements. For element-wise
/// updates only: every element is computed the same way whatever the split.
func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
    let chunks = min(ComputeThreads.current, max(1, count >> 16))
    if chunks == 1 {
        body(0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
    }
}
