import Data
import FuzzInput

/// Fuzzes the CSV manifest reader (`CSVTable` and `Manifest.load`): the input is a manifest
/// file. Byte 0 picks the column mapping (a plain path column, a path template, groups, folds
/// and metadata); the rest is the CSV.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 1 else { return 0 }
    let mappings = [
        ManifestColumns(),
        ManifestColumns(path: "audio/fold{fold}/{file}", label: "class", group: "speaker", fold: "fold"),
        ManifestColumns(path: "path", label: "label", group: "group", numericMetadata: ["age"], categoricalMetadata: ["sex"]),
    ]
    let columns = mappings[Int(data[0]) % mappings.count]
    let path = FuzzInput.file(named: "manifest.csv", holding: UnsafeRawBufferPointer(start: data + 1, count: size - 1))
    do {
        _ = try Manifest.load(path, columns: columns)
    } catch is DataError {
        // The reader's one way to refuse a manifest.
    } catch {
        fatalError("reader threw something other than a DataError: \(error)")
    }
    return 0
}
