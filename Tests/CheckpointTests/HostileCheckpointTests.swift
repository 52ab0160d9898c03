import Checkpoint
import Foundation
import TestSupport
import XCTest

/// Hostile, broken and unsupported files are refused with an error naming the file and the
/// fault; nothing in them is ever run.
final class HostileCheckpointTests: XCTestCase {
    /// The file the payload of `posix_system*.pt` would create if it were run.
    private let payloadMarker = "/tmp/spectrofold-checkpoint-payload-ran"

    func testSystemCallIsRefusedAndNeverRun() throws {
        for (name, opcodeOffset) in [("posix_system", 18), ("posix_system_protocol4", 38)] {
            try? FileManager.default.removeItem(atPath: payloadMarker)
            let path = Fixture.path("\(name).pt")
            assertCheckpointError(try CheckpointFile.read(contentsOf: path), source: path,
                                  "\(name)/data.pkl byte \(opcodeOffset): refused global 'posix.system'",
                                  "never runs code from a checkpoint")
            XCTAssertFalse(FileManager.default.fileExists(atPath: payloadMarker), "\(name): the payload ran")
        }
    }

    func testPickledModuleIsRefusedNamingItsClass() {
        let path = Fixture.path("whole_module.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: path), source: path,
                              "whole_module/data.pkl byte 2: refused global 'torch.nn.modules.linear.Linear'")
    }

    func testViewPastItsStorageNamesTheTensor() {
        let path = Fixture.path("view_past_end.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: path), source: path,
                              "tensor 'w': view (offset 2, size [3], stride [1]) reaches element 4 of the 4-element storage '0'")
    }

    func testBroadcastViewCannotAmplifyATinyFile() {
        let path = Fixture.path("broadcast_bomb.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: path), source: path,
                              "tensor 'w': the views of the checkpoint's storages would take more than 268435520 bytes (4 × their 16 bytes + 256 MiB)")
    }

    func testMissingOrMisdescribedStorageNamesTheTensor() {
        let missing = Fixture.path("missing_storage.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: missing), source: missing,
                              "tensor 'w': its storage entry 'missing_storage/data/0' is missing from the archive")
        let lie = Fixture.path("storage_size_lie.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: lie), source: lie,
                              "tensor 'w': storage '0' is 16 bytes, but its persistent id says 8 Float elements")
    }

    func testUnsupportedDtypeIsNamed() {
        let path = Fixture.path("complex.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: path), source: path,
                              "tensor 'c': storage '0' holds ComplexFloat elements, which the reader does not support",
                              "Float, Half, BFloat16, Double, Long, Int")
    }

    func testBigEndianCheckpointIsRefused() {
        let path = Fixture.path("big_endian.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: path), source: path,
                              "saved on a big-endian machine (big_endian/byteorder is 'big')")
    }

    func testCompressedEntryNamesEntryAndMethod() {
        let path = Fixture.path("compressed.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: path), source: path,
                              "ZIP entry 'compressed/byteorder' is compressed with method 8 (deflate)", "only stored (uncompressed) entries are read")
    }

    func testTruncatedArchiveIsAnError() {
        let path = Fixture.path("truncated.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: path), source: path,
                              "no end-of-central-directory record")
    }

    func testGarbageIsNeitherFormat() {
        let path = Fixture.path("garbage.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: path), source: path,
                              "neither a torch.save archive (ZIP) nor a safetensors file: it starts with bytes")
    }

    func testDictWithoutTensorsListsTopLevelKeys() {
        let path = Fixture.path("no_state_dict.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: path), source: path,
                              "no state dict: no tensors at the top level or under 'model', 'state_dict', 'model_state_dict'",
                              "(top-level keys: 'epoch', 'lr', 'name')")
    }

    func testTensorsUnderAnUnknownKeyListTopLevelKeys() {
        let path = Fixture.path("nested_elsewhere.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: path), source: path,
                              "no state dict", "(top-level keys: 'encoder', 'epoch')")
    }

    func testMissingEmptyAndLegacyFilesAreErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.file("missing.pt")
        assertCheckpointError(try CheckpointFile.read(contentsOf: missing), source: missing, "no such file or folder")
        let empty = directory.file("empty.pt")
        try Data().write(to: URL(fileURLWithPath: empty))
        assertCheckpointError(try CheckpointFile.read(contentsOf: empty), source: empty, "the file is empty")
        let legacy = directory.file("legacy.pt")
        try Data([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]).write(to: URL(fileURLWithPath: legacy))
        assertCheckpointError(try CheckpointFile.read(contentsOf: legacy), source: legacy, "legacy format of torch < 1.6")
        let badSafetensors = directory.file("bad.safetensors")
        try Data([200, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)).write(to: URL(fileURLWithPath: badSafetensors))
        assertCheckpointError(try CheckpointFile.read(contentsOf: badSafetensors), source: badSafetensors,
                              "header length 200 exceeds the file size 10")
    }
}
