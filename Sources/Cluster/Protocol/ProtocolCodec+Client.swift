/// Encoding and decoding of the client messages, with the same checks as the worker messages.
extension ProtocolCodec {
    public static func encode(_ request: ClientRequest) -> [[UInt8]] {
        switch request {
        case .submit(let submission):
            return frames(.submit, SubmissionHeader(sweep: submission.sweep, dataset: submission.dataset, datasetBytes: submission.datasetBytes),
                          payloads: [submission.plan])
        case .upload(let chunk):
            return frames(.upload, ChunkHeader(digest: chunk.digest, chunk: chunk.chunk, chunkCount: chunk.chunkCount), payloads: [chunk.bytes])
        case .status(let query): return frames(.status, query)
        case .refit(let request): return frames(.refit, request)
        }
    }

    public static func encode(_ reply: ClientReply) -> [[UInt8]] {
        switch reply {
        case .submitted(let receipt): return frames(.submitted, receipt)
        case .uploaded(let receipt): return frames(.uploaded, receipt)
        case .report(let report): return frames(.report, EmptyHeader(), payloads: [report])
        case .refused(let refusal): return frames(.refused, refusal)
        }
    }

    /// Whether `frames` (without a routing id) carry a client request, judged by the command
    /// frame alone; the full check is `decodeClientRequest`.
    static func isClientRequest(_ frames: ArraySlice<[UInt8]>) -> Bool {
        frames.count >= 2 && Command.clientRequests.contains(frames[frames.startIndex + 1])
    }

    public static func decodeClientRequest(_ frames: [[UInt8]], discardedFrames: Int = 0,
                                           maxPayloadBytes: Int = defaultMaxPayloadBytes) throws -> ClientRequest {
        let envelope = try Envelope(frames, discardedFrames: discardedFrames, direction: .fromClient, maxPayloadBytes: maxPayloadBytes)
        switch envelope.command {
        case .submit:
            let header = try envelope.header(SubmissionHeader.self) { try $0.validate() }
            let plan = try envelope.jsonObjectPayload(0)
            return .submit(Submission(sweep: header.sweep, dataset: header.dataset, datasetBytes: header.datasetBytes, plan: plan))
        case .upload:
            let header = try envelope.header(ChunkHeader.self) { try $0.validate() }
            return .upload(DatasetChunk(digest: header.digest, chunk: header.chunk, chunkCount: header.chunkCount, bytes: envelope.payloads[0]))
        case .status: return .status(try envelope.header(StatusQuery.self) { try $0.validate() })
        case .refit: return .refit(try envelope.header(RefitRequest.self) { try $0.validate() })
        default: preconditionFailure("Envelope admits only commands travelling from clients")
        }
    }

    public static func decodeClientReply(_ frames: [[UInt8]], discardedFrames: Int = 0,
                                         maxPayloadBytes: Int = defaultMaxPayloadBytes) throws -> ClientReply {
        let envelope = try Envelope(frames, discardedFrames: discardedFrames, direction: .toClient, maxPayloadBytes: maxPayloadBytes)
        switch envelope.command {
        case .submitted: return .submitted(try envelope.header(SubmitReceipt.self) { try $0.validate() })
        case .uploaded: return .uploaded(try envelope.header(UploadReceipt.self) { try $0.validate() })
        case .report:
            _ = try envelope.header(EmptyHeader.self) { _ in }
            return .report(try envelope.jsonObjectPayload(0))
        case .refused: return .refused(try envelope.header(Refusal.self) { try $0.validate() })
        default: preconditionFailure("Envelope admits only commands travelling to clients")
        }
    }
}
