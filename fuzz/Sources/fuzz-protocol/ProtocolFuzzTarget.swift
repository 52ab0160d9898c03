import Cluster

/// Fuzzes the cluster protocol's decoders, what a coordinator, worker or client does with the
/// frames of a message off the wire.
///
/// Input layout: byte 0 picks the decoder (bits 0-1: worker message, coordinator message,
/// client request, client reply) and the count of frames the socket discarded (bits 2-3);
/// the rest is the frames, separated by the two bytes 0xFF 0x00 (never inside UTF-8 text, so
/// the JSON headers of the seeds carry no separator).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProtocol(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 1 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let decoder = bytes[0] & 3
    let discardedFrames = Int(bytes[0] >> 2) & 3
    var frames: [[UInt8]] = [[]]
    var index = 1
    while index < size {
        if bytes[index] == 0xFF, index + 1 < size, bytes[index + 1] == 0x00 {
            frames.append([])
            index += 2
        } else {
            frames[frames.count - 1].append(bytes[index])
            index += 1
        }
    }
    // A socket keeps at most maxFrames frames and counts the rest as discarded.
    let kept = Array(frames.prefix(ProtocolCodec.maxFrames))
    let discarded = discardedFrames + frames.count - kept.count
    do {
        switch decoder {
        case 0: _ = try ProtocolCodec.decodeWorkerMessage(kept, discardedFrames: discarded, maxPayloadBytes: 4096)
        case 1: _ = try ProtocolCodec.decodeCoordinatorMessage(kept, discardedFrames: discarded, maxPayloadBytes: 4096)
        case 2: _ = try ProtocolCodec.decodeClientRequest(kept, discardedFrames: discarded, maxPayloadBytes: 4096)
        default: _ = try ProtocolCodec.decodeClientReply(kept, discardedFrames: discarded, maxPayloadBytes: 4096)
        }
    } catch is ProtocolError {
        // The decoder's one way to refuse a message.
    } catch {
        fatalError("decoder threw something other than a ProtocolError: \(error)")
    }
    return 0
}
