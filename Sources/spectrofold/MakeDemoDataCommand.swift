import ArgumentParser

struct MakeDemoDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "make-demo-data")
    func run() throws {}
}
