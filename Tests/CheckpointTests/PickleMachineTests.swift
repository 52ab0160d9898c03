@testable import Checkpoint
import Foundation
import XCTest

/// The pickle reader on hand-written opcodes and on torch's own `data.pkl`: values, shared
/// containers, the allow-list, and bounds that hostile input cannot get past.
final class PickleMachineTests: XCTestCase {
    // Opcode bytes, spelled as `pickletools` names them.
    private let proto2: [UInt8] = [0x80, 2], stop: [UInt8] = [0x2e], mark: [UInt8] = [0x28]
    private let emptyList: [UInt8] = [0x5d], emptyDict: [UInt8] = [0x7d], emptyTuple: [UInt8] = [0x29]
    private let append: [UInt8] = [0x61], appends: [UInt8] = [0x65], setItem: [UInt8] = [0x73], list: [UInt8] = [0x6c]
    private let reduce: [UInt8] = [0x52], pop: [UInt8] = [0x30], newObj: [UInt8] = [0x81]

    private func int1(_ value: UInt8) -> [UInt8] { [0x4b, value] }
    private func put(_ index: UInt8) -> [UInt8] { [0x71, index] }
    private func get(_ index: UInt8) -> [UInt8] { [0x68, index] }
    private func string(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        return [0x58] + (0..<4).map { UInt8(truncatingIfNeeded: utf8.count >> (8 * $0)) } + utf8
    }
    private func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    private func stackGlobal(_ module: String, _ name: String) -> [UInt8] {
        [0x8c, UInt8(module.utf8.count)] + Array(module.utf8) + [0x8c, UInt8(name.utf8.count)] + Array(name.utf8) + [0x93]
    }

    private func load(_ parts: [UInt8]..., limits: PickleMachine.Limits = PickleMachine.Limits()) throws -> PickleValue {
        try PickleMachine.load(parts.flatMap { $0 }, limits: limits)
    }

    private func assertRefused(_ parts: [UInt8]..., limits: PickleMachine.Limits = PickleMachine.Limits(),
                               expecting fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PickleMachine.load(parts.flatMap { $0 }, limits: limits), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(fragment), "'\(error)' lacks '\(fragment)'", file: file, line: line)
        }
    }

    func testScalarsAndContainers() throws {
        let value = try load(proto2, [0x95] + [UInt8](repeating: 0, count: 8), mark,
                             [0x4a, 0xfe, 0xff, 0xff, 0xff],                    // BININT -2
                             [0x4d, 0x34, 0x12],                                // BININT2 0x1234
                             [0x8a, 2, 0x00, 0x80],                             // LONG1 -32768
                             [0x8a, 0],                                         // LONG1 0
                             [0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0],              // BINFLOAT 1.5
                             [0x88, 0x89, 0x4e],                                // True False None
                             [0x43, 2, 0xde, 0xad],                             // SHORT_BINBYTES
                             [0x8d, 2, 0, 0, 0, 0, 0, 0, 0, 0xc3, 0xa9],        // BINUNICODE8 "é"
                             int1(1), int1(2), [0x86],                          // TUPLE2
                             list, stop)
        XCTAssertEqual(value, .list([.int(-2), .int(0x1234), .int(-32768), .int(0), .float(1.5), .bool(true), .bool(false),
                                     .none, .bytes([0xde, 0xad]), .string("é"), .tuple([.int(1), .int(2)])]))
    }

    func testDictKeepsInsertionOrderAndReplacesInPlace() throws {
        let value = try load(proto2, emptyDict, string("b"), int1(1), setItem, string("a"), int1(2), setItem,
                             string("b"), int1(3), setItem, stop)
        XCTAssertEqual(value, .dict(PickleDict(entries: [.init(key: .string("b"), value: .int(3)), .init(key: .string("a"), value: .int(2))])))
    }

    /// A list memoised while empty and filled afterwards is seen filled wherever it is fetched.
    func testMemoisedContainersAreShared() throws {
        let value = try load(proto2, emptyList, mark, emptyList, put(0), get(0), appends,
                             get(0), int1(7), append, pop, stop)
        XCTAssertEqual(value, .list([.list([.int(7)]), .list([.int(7)])]))
    }

    func testOrderedDictByReduceAndNewObj() throws {
        let byReduce = try load(proto2, global("collections", "OrderedDict"), emptyTuple, reduce, string("k"), int1(1), setItem, stop)
        XCTAssertEqual(byReduce, .dict(PickleDict(entries: [.init(key: .string("k"), value: .int(1))])))
        let byNewObj = try load(proto2, global("collections", "OrderedDict"), emptyTuple, newObj, stop)
        XCTAssertEqual(byNewObj, .dict(PickleDict(entries: [])))
    }

    func testGlobalsOffTheAllowListAreRefusedByName() {
        for (module, name) in [("posix", "system"), ("os", "system"), ("builtins", "eval"), ("__builtin__", "getattr"),
                               ("numpy.core.multiarray", "_reconstruct"), ("torch", "load"), ("torch._utils", "_rebuild_qtensor"),
                               ("collections", "Counter")] {
            let refusal = "refused global '\(module).\(name)': the checkpoint reader never runs code from a checkpoint"
            assertRefused(proto2, global(module, name), emptyTuple, reduce, stop, expecting: "byte 2: " + refusal)
            assertRefused([0x80, 4], stackGlobal(module, name), emptyTuple, reduce, stop, expecting: refusal)
        }
    }

    func testAllowListedGlobalsAreOnlyUsedAsTorchUsesThem() {
        assertRefused(proto2, global("torch", "FloatStorage"), emptyTuple, reduce, stop,
                      expecting: "torch.FloatStorage is called; storage classes only name a persistent id's element type")
        assertRefused(proto2, global("collections", "OrderedDict"), mark, int1(1), [0x74], reduce, stop,
                      expecting: "collections.OrderedDict is called with arguments; only OrderedDict() is supported")
        assertRefused(proto2, global("torch._utils", "_rebuild_tensor_v2"), emptyTuple, reduce, stop,
                      expecting: "torch._utils._rebuild_tensor_v2 needs 6 or 7 arguments, got 0")
        assertRefused(proto2, global("torch._utils", "_rebuild_parameter"), mark, int1(1), [0x88], emptyDict, [0x74], reduce, stop,
                      expecting: "torch._utils._rebuild_parameter needs (tensor, requires_grad, hooks), got (int, bool, dict)")
        assertRefused(proto2, int1(3), emptyTuple, reduce, stop, expecting: "REDUCE calls an int, not an allowed global")
        assertRefused(proto2, global("torch", "FloatStorage"), emptyTuple, newObj, stop,
                      expecting: "NEWOBJ of torch.FloatStorage is not supported")
        assertRefused(proto2, mark, string("storage"), global("torch", "FloatStorage"), string("0"), string("cpu"), [0x4a, 0xff, 0xff, 0xff, 0xff],
                      [0x74, 0x51], stop, expecting: "persistent id's key, location and numel are not (str, str, int ≥ 0)")
    }

    func testTensorReferenceFromTorchsOwnPickle() throws {
        let zip = try ZipArchive(contentsOf: Fixture.path("state_dict.pt"))
        guard case .dict(let stateDict) = try PickleMachine.load(try zip.contents(of: zip.entry(named: "state_dict/data.pkl")!)),
              case .tensor(let slice)? = stateDict["shared.slice"], case .tensor(let transposed)? = stateDict["shared.transposed"] else {
            return XCTFail("state_dict.pt's data.pkl is not a dict holding the shared views")
        }
        XCTAssertEqual(slice.offset, 5)
        XCTAssertEqual(slice.shape, [2, 2])
        XCTAssertEqual(slice.strides, [4, 1])
        XCTAssertEqual(slice.storage.type, .float)
        XCTAssertEqual(slice.storage.elementCount, 12)
        XCTAssertEqual(transposed.storage, slice.storage)
        XCTAssertEqual(transposed.strides, [1, 4])
    }

    func testMalformedPicklesAreErrorsWithTheirOffset() {
        assertRefused(proto2, [0x69], stop, expecting: "byte 2: unsupported pickle opcode 0x69 ('i')")
        assertRefused([0x80, 6], stop, expecting: "byte 0: pickle protocol 6 is not supported")
        assertRefused(proto2, int1(1), int1(2), append, stop, expecting: "APPEND(S) onto something that is not a list")
        assertRefused(proto2, stop, expecting: "stack underflow")
        assertRefused(proto2, get(3), stop, expecting: "memo entry 3 was never stored")
        assertRefused(proto2, [0x58, 0xff, 0xff, 0xff, 0x7f], stop,
                      expecting: "byte 2: an argument of 2147483647 bytes runs past the end of the pickle (truncated)")
        assertRefused(proto2, [0x8a, 9] + [UInt8](repeating: 1, count: 9), stop, expecting: "wider than 64 bits")
        assertRefused(proto2, [0x8c, 2, 0xff, 0xfe], stop, expecting: "not valid UTF-8")
        assertRefused(proto2, emptyList, expecting: "the pickle ends without STOP (truncated)")
        assertRefused(proto2, emptyDict, emptyList, emptyTuple, setItem, stop, expecting: "a dict key is a list or dict")
    }

    func testCyclesAndDeepNestingAreRefused() {
        assertRefused(proto2, emptyList, put(0), get(0), append, stop, expecting: "a container holds itself")
        let deep = [UInt8](repeating: 0x28, count: 150) + [UInt8](repeating: 0x6c, count: 150)
        assertRefused(proto2, deep, stop, expecting: "containers nest deeper than 100 levels")
    }

    /// A list of two references to a list of two references to … (2⁶⁰ leaves) converts in
    /// time proportional to the 60 distinct lists.
    func testSharedReferencesDoNotMultiplyWork() throws {
        var parts = proto2 + emptyList + put(0)
        for level in 1...60 { parts += mark + get(UInt8(level - 1)) + get(UInt8(level - 1)) + list + put(UInt8(level)) }
        guard case .list(let top) = try PickleMachine.load(parts + stop) else { return XCTFail("not a list") }
        XCTAssertEqual(top.count, 2)
    }

    /// A chain of 200 000 lists, each inside the one before, built top-down through the memo
    /// and left there: releasing it must not recurse once per level.
    func testDeepChainOfContainersIsReleasedWithoutRecursion() throws {
        var parts = proto2 + emptyList + put(1) + put(0) + pop
        for _ in 0..<200_000 { parts += get(0) + emptyList + put(0) + append + pop }
        XCTAssertEqual(try PickleMachine.load(parts + [0x4e] + stop), PickleValue.none)
        assertRefused(parts, get(1), stop, expecting: "containers nest deeper than 100 levels")
    }

    func testLimitsBoundStackMarksAndMemo() {
        var small = PickleMachine.Limits()
        small.stackDepth = 4; small.markDepth = 2; small.memoEntries = 2
        assertRefused(proto2, int1(1), int1(2), int1(3), int1(4), int1(5), stop, limits: small,
                      expecting: "byte 10: stack deeper than 4 items")
        assertRefused(proto2, mark, mark, mark, stop, limits: small, expecting: "more than 2 nested marks")
        assertRefused(proto2, int1(1), [0x94, 0x94, 0x94], stop, limits: small, expecting: "more than 2 memo entries")
    }

    /// Every truncation and single-byte corruption of torch's own pickle is read or refused, never a crash.
    func testEveryTruncationAndCorruptionOfTorchsPickleIsHandled() throws {
        let zip = try ZipArchive(contentsOf: Fixture.path("training.pt"))
        let pickle = try zip.contents(of: zip.entry(named: "training/data.pkl")!)
        XCTAssertNoThrow(try PickleMachine.load(pickle))
        for length in 0..<pickle.count { XCTAssertThrowsError(try PickleMachine.load(Array(pickle.prefix(length)))) }
        for offset in pickle.indices {
            var corrupt = pickle
            corrupt[offset] ^= 0xff
            _ = try? PickleMachine.load(corrupt)
        }
    }
}
