import ArgumentParser

struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prepare")
    func run() throws {}
}
