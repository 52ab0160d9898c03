@testable import Checkpoint
import XCTest

/// Where the state dict is found in what a pickle holds, and what is refused.
final class StateDictSelectionTests: XCTestCase {
    private let tensor = PickleValue.tensor(TensorReference(
        storage: StorageReference(key: "0", type: .float, location: "cpu", elementCount: 1), offset: 0, shape: [], strides: []))

    private func dict(_ entries: (PickleValue, PickleValue)...) -> PickleValue {
        .dict(PickleDict(entries: entries.map { PickleDict.Entry(key: $0.0, value: $0.1) }))
    }

    private func keys(_ value: PickleValue) throws -> [String] {
        try StateDictSelection.tensors(in: value, source: "c.pt").map(\.key)
    }

    func testWrapperKeysAreTriedInOrder() throws {
        XCTAssertEqual(try keys(dict((.string("w"), tensor))), ["w"])
        XCTAssertEqual(try keys(dict((.string("epoch"), .int(3)), (.string("state_dict"), dict((.string("a"), tensor))))), ["a"])
        XCTAssertEqual(try keys(dict((.string("model_state_dict"), dict((.string("b"), tensor))),
                                     (.string("model"), dict((.string("c"), tensor))))), ["c"])
        // A wrapper key holding no tensors is passed over.
        XCTAssertEqual(try keys(dict((.string("model"), dict((.string("name"), .string("x")))),
                                     (.string("state_dict"), dict((.string("d"), tensor))))), ["d"])
    }

    func testNonDictsNonTensorsAndNonStringKeysAreRefused() {
        assertCheckpointError(try keys(tensor), source: "c.pt", "the checkpoint holds a tensor, not a dict of tensors (a state dict)")
        assertCheckpointError(try keys(dict((.string("w"), tensor), (.string("epoch"), .int(3)))), source: "c.pt",
                              "state dict entry 'epoch' is an int, not a tensor")
        assertCheckpointError(try keys(dict((.int(0), tensor))), source: "c.pt", "state dict key 0 is an int, not a str")
        assertCheckpointError(try keys(dict()), source: "c.pt", "no state dict", "(top-level keys: none)")
    }
}
