import NN
import Random
import Tensor
import XCTest

/// AST's last block computes only the tokens its head reads; that must change nothing about them.
final class TransformerBlockTests: XCTestCase {
    /// `forward(x, keepingTokens: 2)` against `forward(x)`'s first two tokens: the same values,
    /// and the same gradients for x and every parameter under an upstream gradient on those tokens.
    func testKeepingTokensMatchesTheFullBlocksFirstTokens() throws {
        var generator = RandomGenerator(seed: 7)
        let block = TransformerBlock(width: 16, heads: 4, generator: &generator)
        let x = Tensor.randn([3, 9, 16], generator: &generator).requiringGrad()
        let probe = Tensor.randn([3, 2, 16], generator: &generator)
        let inputs = [x] + block.parameters

        let kept = try block.forward(x, keepingTokens: 2)
        try (kept * probe).sum().backward()
        let keptGradients = inputs.map { $0.grad!.scalars }
        inputs.forEach { $0.zeroGrad() }

        let full = try block.forward(x).slice(axis: 1, 0..<2)
        try (full * probe).sum().backward()
        XCTAssertEqual(kept.shape, [3, 2, 16])
        XCTAssertEqual(full.shape, kept.shape)
        for (a, e) in zip(kept.scalars, full.scalars) { XCTAssertEqual(a, e, accuracy: 1e-5 * (1 + abs(e))) }
        for ((name, parameter), expected) in zip([("x", x)] + block.namedParameters(), keptGradients) {
            for (e, a) in zip(parameter.grad!.scalars, expected) { XCTAssertEqual(a, e, accuracy: 1e-5 * (1 + abs(e)), name) }
        }
    }
}
