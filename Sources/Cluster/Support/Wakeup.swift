import Foundation

/// Lets any thread wake a thread waiting in `zmq_poll`: a pipe whose read end is polled next to
/// the socket. `signal()` from anywhere; the polling thread calls `drain()` when it wakes.
final class Wakeup: @unchecked Sendable {
    private var descriptors: [Int32] = [-1, -1]

    init() throws {
        guard pipe(&descriptors) == 0 else { throw ZMQError("pipe", message: String(cString: strerror(errno))) }
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
    }

    deinit { descriptors.forEach { close($0) } }

    /// The descriptor to poll for input.
    var fileDescriptor: Int32 { descriptors[0] }

    func signal() {
        var byte: UInt8 = 1
        _ = write(descriptors[1], &byte, 1)  // A full pipe already means "wake up".
    }

    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(descriptors[0], &buffer, buffer.count) > 0 {}
    }
}
