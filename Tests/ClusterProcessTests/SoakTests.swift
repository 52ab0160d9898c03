import Foundation
import TestSupport
import XCTest

/// The short soak: `spectrofold-bench soak --faults 20` (an MLflow server, a coordinator and two
/// workers as real processes, with workers killed and frozen past their leases, the coordinator
/// killed and restarted, MLflow killed and restarted, overlapping) ends with every job done once
/// and MLflow holding each attempt once, one FINISHED child per job and no epoch twice.
final class SoakTests: XCTestCase {
    func testTwentyOverlappingFaultsLoseAndDuplicateNothing() throws {
        let python: String
        do { python = try TestPython.interpreter() } catch { throw RealComponent.unavailable("the MLflow server", "\(error)") }
        let directory = try TemporaryDirectory(prefix: "spectrofold-soak-test")
        let reportPath = directory.file("soak.json")
        let result = try ChildProcess.run(try BuiltProducts.executable("spectrofold-bench"), arguments: [
            "soak", "--faults", "20", "--seed", "17", "--workers", "2", "--python", python, "--out", reportPath,
            "--keep", directory.file("run"),
        ])
        XCTAssertEqual(result.status, 0, "soak: " + result.standardError.suffix(6000))
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reportPath))) as? [String: Any],
                                   result.standardError.suffix(6000).description)
        print("soak --faults 20: " + result.standardOutput)
        XCTAssertEqual(report["faults_total"] as? Int, 20)
        XCTAssertEqual(report["jobs_lost"] as? Int, 0, "\(report["lost_jobs"] ?? "")")
        XCTAssertEqual(report["jobs_done_twice"] as? Int, 0, "\(report["jobs_done_twice_ids"] ?? "")")
        XCTAssertEqual(report["outbox_pending"] as? Int, 0)
        let jobs = try XCTUnwrap(report["jobs"] as? Int)
        XCTAssertGreaterThan(jobs, 0)
        XCTAssertGreaterThanOrEqual(report["attempts"] as? Int ?? 0, jobs)
        let mlflow = try XCTUnwrap(report["mlflow"] as? [String: Any])
        for key in ["jobs_without_one_finished_child", "duplicate_run_keys", "attempts_missing", "children_not_in_ledger",
                    "duplicated_epoch_points", "parents_not_finished", "aggregate_mismatches"] {
            XCTAssertEqual((mlflow[key] as? [Any])?.count, 0, "\(key): \(mlflow[key] ?? "missing")")
        }
        XCTAssertEqual(mlflow["children"] as? Int, report["attempts"] as? Int, "one child run per attempt")
        XCTAssertEqual(report["ok"] as? Bool, true, "\(report["problems"] ?? "")")
        if testRun?.totalFailureCount == 0 {
            directory.remove()
        } else {
            print("soak files kept in \(directory.path)")
        }
    }
}
