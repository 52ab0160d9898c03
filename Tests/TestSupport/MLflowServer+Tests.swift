import Foundation
// The real processes and fixtures the tests share with `spectrofold-bench` (MLflowServer,
// FreePort, ChildProcess, syntheticPack), visible to every test that imports TestSupport.
@_exported import ProcessHarness
@_exported import ProcessRunner

extension MLflowServer {
    /// A started server in the tests' Python environment whose store is a fresh temporary
    /// directory, for a test class's `setUp()`: a failure to start is returned, for each test to
    /// rethrow.
    public static func startInTemporaryDirectory(basicAuth: (username: String, password: String)? = nil) -> Result<MLflowServer, Error> {
        Result {
            let server = try MLflowServer(directory: try TemporaryDirectory(prefix: "mlflow-server").path, python: try TestPython.interpreter(),
                                          basicAuth: basicAuth)
            do {
                try server.start()
            } catch {
                server.stopAndRemoveStore()
                throw error
            }
            return server
        }
    }
}
