import ArgumentParser
import Cluster

/// How a client reaches the coordinator: `--coordinator` and, for an encrypted one, the key
/// files. Shared by `submit` and `status`.
struct ClusterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The coordinator's endpoint.", valueName: "tcp://HOST:PORT")) var coordinator = "tcp://127.0.0.1:5570"
    @Option(help: ArgumentHelp("The coordinator's CURVE public key file.", valueName: "FILE")) var curveServerKey: String?
    @Option(help: ArgumentHelp("A CURVE secret key file whose public key the coordinator admits.", valueName: "FILE")) var curveSecret: String?

    func client(timeout: Double = 10) throws -> ClusterClient {
        do {
            let security = try ServiceSupport.clientSecurity(serverKeyFile: curveServerKey, secretKeyFile: curveSecret)
            return try ClusterClient(endpoint: coordinator, security: security, timeout: timeout)
        } catch let error as ClusterError {
            throw ValidationError(error.description)
        }
    }
}
