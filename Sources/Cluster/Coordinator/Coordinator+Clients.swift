import Foundation

/// The coordinator's answers to clients: SUBMIT (a sweep plan; its dataset and checkpoints
/// uploaded first when missing), UPLOAD (file chunks, verified against the digest), STATUS and
/// REFIT (one more job in an ended sweep).
extension Coordinator {
    func handleClient(_ message: ZMQSocket.Multipart, identity: [UInt8], now: Date) {
        let request: ClientRequest
        do {
            request = try ProtocolCodec.decodeClientRequest(Array(message.frames.dropFirst()), discardedFrames: message.discardedFrames,
                                                            maxPayloadBytes: configuration.maxPayloadBytes)
        } catch {
            let peer = ProtocolError.printable(identity)
            log("dropped a message from \(peer): \(error)")
            events(.messageDropped(peer: peer, reason: "\(error)"))
            return reply(.refused(Refusal(reason: "\(error)")), to: identity)
        }
        do {
            switch request {
            case .submit(let submission): reply(try submit(submission, now: now), to: identity)
            case .upload(let chunk): reply(try upload(chunk, now: now), to: identity)
            case .status(let query): reply(.report(try statusReport(query, now: now)), to: identity)
            case .refit(let request): reply(try refit(request, now: now), to: identity)
            }
        } catch {
            log("coordinator: client \(ProtocolError.printable(identity)): \(error)")
            reply(.refused(Refusal(reason: "\(error)")), to: identity)
        }
    }

    private func submit(_ submission: Submission, now: Date) throws -> ClientReply {
        guard let book else { throw ClusterError("SUBMIT \(submission.sweep): this coordinator takes no sweep plans") }
        let sweep = try book.sweep(submitted: submission)
        let needed = [StoredFile(digest: sweep.dataset, bytes: submission.datasetBytes)] + sweep.files
        let held = needed.map { (file: $0, size: datasets.size(of: $0.digest)) }
        let missing = Set(held.filter { $0.size == nil }.map(\.file.digest)).sorted()
        guard missing.isEmpty else {
            return .submitted(SubmitReceipt(sweep: sweep.id, created: false, missing: missing, chunkBytes: configuration.chunkBytes))
        }
        for (file, size) in held where size != file.bytes {
            throw ClusterError("SUBMIT \(sweep.id): file \(file.digest) has \(size ?? 0) bytes here, not \(file.bytes)")
        }
        let created = try ledger.createSweep(id: sweep.id, name: sweep.name, dataset: sweep.dataset, configuration: sweep.configuration,
                                             jobs: sweep.jobs, maxAttempts: configuration.maxAttempts, now: now)
        if created {
            log("sweep \(sweep.id) submitted: \(sweep.summary)")
            book.sweepCreated(sweep)
            dispatch(now: now)
        }
        return .submitted(SubmitReceipt(sweep: sweep.id, created: created, missing: [], chunkBytes: configuration.chunkBytes))
    }

    /// Queues the refit of a model of a sweep whose jobs have all ended (REFIT); a repeated
    /// request is a no-op (`created` false).
    private func refit(_ request: RefitRequest, now: Date) throws -> ClientReply {
        guard let book else { throw ClusterError("REFIT \(request.sweep): this coordinator takes no sweep plans") }
        let open = try ledger.jobs(sweep: request.sweep).filter { !$0.isRefit && ($0.state == .queued || $0.state == .leased) }.count
        guard open == 0 else { throw ClusterError("REFIT \(request.sweep): \(open) of the sweep's jobs have not ended yet") }
        let job = try book.refitJob(sweep: request.sweep, model: request.model)
        let created = try ledger.addJob(job, sweep: request.sweep, maxAttempts: configuration.maxAttempts, now: now)
        if created {
            log("sweep \(request.sweep): refit of \(request.model) queued")
            dispatch(now: now)
        }
        return .submitted(SubmitReceipt(sweep: request.sweep, created: created, missing: [], chunkBytes: configuration.chunkBytes))
    }

    /// Stores one uploaded chunk. An upload starts with chunk 0 (a repeated chunk 0 starts it
    /// again); several clients may upload different datasets at once.
    private func upload(_ chunk: DatasetChunk, now: Date) throws -> ClientReply {
        if datasets.size(of: chunk.digest) != nil {
            return .uploaded(UploadReceipt(digest: chunk.digest, chunk: chunk.chunk, complete: true))
        }
        guard chunk.bytes.count <= configuration.chunkBytes else {
            throw ClusterError("UPLOAD \(chunk.digest): chunk \(chunk.chunk) has \(chunk.bytes.count) bytes, over the chunk size \(configuration.chunkBytes)")
        }
        if chunk.chunk == 0 {
            try beginUpload(chunk.digest, chunkCount: chunk.chunkCount, now: now)
        }
        guard let upload = uploads[chunk.digest] else {
            throw ClusterError("UPLOAD \(chunk.digest): chunk \(chunk.chunk) of an upload not in progress (it starts with chunk 0)")
        }
        let complete = try upload.partial.write(chunk, chunkBytes: configuration.chunkBytes)
        if complete {
            uploads[chunk.digest] = nil
            _ = try upload.partial.close().install()
            log("file \(chunk.digest) uploaded and verified")
        }
        return .uploaded(UploadReceipt(digest: chunk.digest, chunk: chunk.chunk, complete: complete))
    }

    private func beginUpload(_ digest: String, chunkCount: Int, now: Date) throws {
        if uploads[digest] == nil, uploads.count >= Self.maxUploads, let oldest = uploads.min(by: { $0.value.started < $1.value.started }) {
            oldest.value.partial.cancel()
            uploads[oldest.key] = nil
            log("upload of file \(oldest.key) abandoned: \(Self.maxUploads) newer uploads started")
        }
        let partial = try uploads[digest]?.partial ?? DatasetCache(path: datasets.path)
        try partial.begin(digest, chunkCount: chunkCount)
        uploads[digest] = (partial, now)
        log("upload of file \(digest) started: \(chunkCount) chunks")
    }

    private func reply(_ reply: ClientReply, to identity: [UInt8]) {
        send(frames: ProtocolCodec.encode(reply), routingID: identity)
    }
}
