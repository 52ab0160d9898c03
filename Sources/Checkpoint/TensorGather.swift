import SafeTensors

/// Copies a tensor out of its storage's bytes: any view `_rebuild_tensor_v2` describes (an
/// offset into the storage, sizes and strides in elements, non-contiguous views included) is
/// gathered into row-major order, then widened to F32 or I64 (`SafeTensor.widenedForCheckpoint`).
enum TensorGather {
    /// The tensor `reference` names, read from `storage` (the bytes of its storage entry);
    /// `key` names the tensor in errors. A view that reaches past its storage, a storage whose
    /// size does not match its persistent id, or an unsupported dtype is an error.
    static func tensor(_ reference: TensorReference, key: String, storage: UnsafeRawBufferPointer,
                       source: String) throws -> SafeTensor {
        let fail = { (fault: String) in CheckpointError(source: source, fault: "tensor '\(key)': \(fault)") }
        let storageName = "storage '\(reference.storage.key)'"
        guard let dtype = reference.storage.type.elementType else {
            throw fail("\(storageName) holds \(reference.storage.type.dtypeName) elements, which the reader does not support (it reads \(TorchStorageType.supportedNames))")
        }
        let elementSize = dtype.byteCount
        let (storageBytes, overflow) = reference.storage.elementCount.multipliedReportingOverflow(by: elementSize)
        guard !overflow, storageBytes == storage.count else {
            throw fail("\(storageName) is \(storage.count) bytes, but its persistent id says \(reference.storage.elementCount) \(reference.storage.type.dtypeName) elements")
        }

        let shape = reference.shape, strides = reference.strides
        let viewDescription = "view (offset \(reference.offset), size \(shape), stride \(strides))"
        guard let count = byteCount(of: reference).map({ $0 / elementSize }) else {
            throw fail("\(viewDescription) has more elements than can be addressed")
        }
        guard count > 0 else { return SafeTensor(dtype: dtype, shape: shape, bytes: []).widenedForCheckpoint() }

        // The furthest element the view touches must lie inside the storage.
        var last = reference.offset
        for (size, stride) in zip(shape, strides) {
            let (step, overflowStep) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflowSum) = last.addingReportingOverflow(step)
            guard !overflowStep, !overflowSum else { throw fail("\(viewDescription) reaches past any storage") }
            last = sum
        }
        guard last < reference.storage.elementCount else {
            throw fail("\(viewDescription) reaches element \(last) of the \(reference.storage.elementCount)-element \(storageName)")
        }

        var bytes = [UInt8](repeating: 0, count: count * elementSize)
        bytes.withUnsafeMutableBytes { output in
            gather(from: storage, into: output, offset: reference.offset, shape: shape, strides: strides, elementSize: elementSize)
        }
        return SafeTensor(dtype: dtype, shape: shape, bytes: bytes).widenedForCheckpoint()
    }

    /// The bytes the view takes once gathered, in its storage's element type (nil when that
    /// overflows, or for an unsupported type, which `tensor` reports).
    static func byteCount(of reference: TensorReference) -> Int? {
        guard let elementSize = reference.storage.type.elementType?.byteCount else { return 0 }
        var total = elementSize
        for size in reference.shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }

    /// Row-major copy of a validated, non-empty view: one run per innermost row (a single copy
    /// when the innermost stride is 1, element by element otherwise).
    private static func gather(from storage: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                               offset: Int, shape: [Int], strides: [Int], elementSize: Int) {
        guard let rowLength = shape.last, let rowStride = strides.last else {
            output.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[(offset * elementSize)..<((offset + 1) * elementSize)]))
            return
        }
        let outerRank = shape.count - 1
        var index = [Int](repeating: 0, count: outerRank)
        var written = 0
        while true {
            var start = offset
            for dimension in 0..<outerRank { start += index[dimension] * strides[dimension] }
            if rowStride == 1 {
                let run = rowLength * elementSize
                UnsafeMutableRawBufferPointer(rebasing: output[written..<(written + run)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[(start * elementSize)..<(start * elementSize + run)]))
                written += run
            } else {
                for element in 0..<rowLength {
                    let from = (start + element * rowStride) * elementSize
                    UnsafeMutableRawBufferPointer(rebasing: output[written..<(written + elementSize)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[from..<(from + elementSize)]))
                    written += elementSize
                }
            }
            // Advance the outer multi-index like an odometer; done when it wraps.
            var dimension = outerRank - 1
            while dimension >= 0 {
                index[dimension] += 1
                if index[dimension] < shape[dimension] { break }
                index[dimension] = 0
                dimension -= 1
            }
            if dimension < 0 { return }
        }
    }
}
