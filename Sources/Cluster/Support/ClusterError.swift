/// A request the coordinator cannot carry out, a result it cannot file, or a client's failure
/// to reach it; the text names what is at fault.
public struct ClusterError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
