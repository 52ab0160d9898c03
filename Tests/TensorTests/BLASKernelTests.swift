import Tensor
import XCTest

/// The BLAS kernel check behind the worker's warning: OpenBLAS's core names and /proc/cpuinfo
/// flags mapped to vector levels.
final class BLASKernelTests: XCTestCase {
    func testCoreNamesMapToTheirVectorLevel() {
        XCTAssertEqual(BLASKernel.level(ofCore: "Cooperlake"), .avx512)
        XCTAssertEqual(BLASKernel.level(ofCore: "SKYLAKEX"), .avx512)
        XCTAssertEqual(BLASKernel.level(ofCore: "Haswell"), .avx2)
        XCTAssertEqual(BLASKernel.level(ofCore: "Zen"), .avx2)
        XCTAssertEqual(BLASKernel.level(ofCore: "Prescott"), .sse)
    }

    func testCPUFlagsGiveTheHighestLevelAndTheFittingKernel() {
        let avx512: Set = ["sse2", "avx", "avx2", "fma", "avx512f", "avx512_bf16"]
        XCTAssertEqual(BLASKernel.level(ofCPUFlags: avx512), .avx512)
        XCTAssertEqual(BLASKernel.fittingCore(forCPUFlags: avx512), "Cooperlake")
        XCTAssertEqual(BLASKernel.fittingCore(forCPUFlags: avx512.subtracting(["avx512_bf16"])), "SkylakeX")
        XCTAssertEqual(BLASKernel.level(ofCPUFlags: ["sse2", "avx", "avx2", "fma"]), .avx2)
        XCTAssertEqual(BLASKernel.level(ofCPUFlags: ["sse2", "avx"]), .avx)
        XCTAssertTrue(BLASKernel.level(ofCore: "Haswell") < BLASKernel.level(ofCPUFlags: avx512))
    }
}
