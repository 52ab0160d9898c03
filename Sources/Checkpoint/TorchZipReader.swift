import SafeTensors

/// Reads the state dict of a `torch.save` file (the ZIP format of torch ≥ 1.6):
///
///     <archive>/data.pkl       the pickled object (`PickleMachine`)
///     <archive>/byteorder      "little" (absent in old files, which are little-endian)
///     <archive>/data/<key>     one stored entry per storage, its elements back to back
///
/// where `<archive>` is whatever folder holds `data.pkl` (torch names it after the file).
enum TorchZipReader {
    /// Every tensor of the state dict by key, F32 or I64.
    static func stateDict(contentsOf path: String) throws -> [String: SafeTensor] {
        let archive = try ZipArchive(contentsOf: path)
        let fail = { (fault: String) in CheckpointError(source: path, fault: fault) }

        let pickles = archive.entries.filter { entry in
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl"
        }
        guard pickles.count == 1, let pickle = pickles.first else {
            let listing = archive.entries.prefix(8).map(\.name).joined(separator: ", ") + (archive.entries.count > 8 ? ", …" : "")
            throw fail(pickles.isEmpty
                ? "not a torch.save archive: no <archive>/data.pkl entry (entries: \(listing.isEmpty ? "none" : listing))"
                : "more than one <archive>/data.pkl entry: \(pickles.map(\.name).joined(separator: ", "))")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))

        if let byteOrder = archive.entry(named: prefix + "byteorder") {
            let text = String(decoding: try archive.contents(of: byteOrder), as: UTF8.self)
            guard text == "little" else {
                throw fail(text == "big"
                    ? "saved on a big-endian machine (\(byteOrder.name) is 'big'); only little-endian checkpoints are read"
                    : "\(byteOrder.name) says '\(text.prefix(40))', neither 'little' nor 'big'")
            }
        }

        let value: PickleValue
        do {
            value = try PickleMachine.load(try archive.contents(of: pickle))
        } catch let error as PickleError {
            throw fail("\(pickle.name) \(error)")
        }
        let references = try StateDictSelection.tensors(in: value, source: path)

        // Each storage entry is checked (CRC) and mapped once, however many tensors view it.
        var byStorage: [String: [StateDictSelection.Entry]] = [:]
        for reference in references { byStorage[reference.tensor.storage.key, default: []].append(reference) }
        var storages: [(entry: ZipArchive.Entry, views: [StateDictSelection.Entry])] = []
        for (storageKey, views) in byStorage.sorted(by: { $0.key < $1.key }) {
            let entryName = prefix + "data/" + storageKey
            guard let entry = archive.entry(named: entryName) else {
                throw fail("tensor '\(views[0].key)': its storage entry '\(entryName)' is missing from the archive")
            }
            storages.append((entry, views))
        }
        try checkAmplification(storages, source: path)

        var tensors: [String: SafeTensor] = [:]
        for (entry, views) in storages {
            try archive.withContents(of: entry) { storage in
                for view in views {
                    tensors[view.key] = try TensorGather.tensor(view.tensor, key: view.key, storage: storage, source: path)
                }
            }
        }
        return tensors
    }

    /// Views may overlap (tied weights share a storage; a stride of 0 repeats an element), so
    /// a small file could describe huge tensors. Gathered views may take at most
    /// `amplificationFactor` times their storages' bytes plus `amplificationAllowance`.
    static let amplificationFactor = 4
    static let amplificationAllowance = 256 << 20

    private static func checkAmplification(_ storages: [(entry: ZipArchive.Entry, views: [StateDictSelection.Entry])], source: String) throws {
        let storageBytes = storages.reduce(0) { $0 + $1.entry.uncompressedSize }
        let limit = amplificationFactor * storageBytes + amplificationAllowance
        var viewBytes = 0
        for (_, views) in storages {
            for view in views {
                guard let bytes = TensorGather.byteCount(of: view.tensor), bytes <= limit - viewBytes else {
                    throw CheckpointError(source: source, fault: "tensor '\(view.key)': the views of the checkpoint's storages would take more than \(limit) bytes (\(amplificationFactor) × their \(storageBytes) bytes + \(amplificationAllowance >> 20) MiB): a hostile or broken checkpoint")
                }
                viewBytes += bytes
            }
        }
    }
}
