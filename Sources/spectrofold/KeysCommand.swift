import ArgumentParser
import Cluster

/// `spectrofold keys generate --out PREFIX`: a CURVE key pair for a coordinator or a worker.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage CURVE keys for the coordinator and workers.",
        subcommands: [Generate.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new key pair: PREFIX.pub (public) and PREFIX.key (secret, mode 0600)."
        )

        @Option(name: .long, help: "Path prefix of the two key files, e.g. /etc/spectrofold/worker.")
        var out: String

        func run() throws {
            let files = try CurveKeyPair.generate().write(prefix: out)
            print("public key: \(files.publicKeyFile)")
            print("secret key: \(files.secretKeyFile) (mode 0600; keep it on this machine)")
        }
    }
}
