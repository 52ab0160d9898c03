import Audio
import Foundation

/// The audio files `spectrofold predict` is given, in the order given: audio files, folders
/// (every audio file below them, sorted) and CSV manifests (their path column, and the metadata
/// columns the model reads; a label column is optional).
public enum ScoringSources {
    /// One manifest of every source's files. `columns` names the path column (or template) and
    /// label column of CSV sources and the metadata columns the model reads: a CSV without one
    /// of them, or a file or folder given when the model reads any, is an error naming the column.
    public static func manifest(_ sources: [String], columns: ManifestColumns) throws -> Manifest {
        let metadata = columns.numericMetadata + columns.categoricalMetadata
        var entries: [ManifestEntry] = []
        for source in sources {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
                throw DataError(source, "no such file or folder")
            }
            if !isDirectory.boolValue && (source as NSString).pathExtension.lowercased() == "csv" {
                entries += try Manifest.entriesForScoring(csv: source, columns: columns)
                continue
            }
            if let column = metadata.first {
                throw DataError(source, column: column, "the model reads this metadata column; list the files in a manifest CSV that has it")
            }
            let files = isDirectory.boolValue ? audioFiles(below: source) : [source]
            guard !files.isEmpty else { throw DataError(source, "holds no audio files (\(AudioFile.supportedExtensions.sorted().joined(separator: ", ")))") }
            entries += files.map { ManifestEntry(path: $0, label: "", group: nil, fold: nil, values: [:], origin: $0) }
        }
        return Manifest.forScoring(entries: entries, columns: columns, source: sources.joined(separator: ", "))
    }

    /// Every audio file below `folder`, sorted by path.
    private static func audioFiles(below folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? [])
            .filter { AudioFile.supportedExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted()
            .map { (folder as NSString).appendingPathComponent($0) }
    }
}
