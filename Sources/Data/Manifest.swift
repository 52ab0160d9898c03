import Audio
import Foundation

/// Which manifest columns mean what. `path` is a column name, or a template naming columns in
/// braces for datasets that split a path over several columns, such as UrbanSound8K
/// (`audio/fold{fold}/{slice_file_name}`) or ESC-50 (`../audio/{filename}` from `meta/`).
/// Relative paths resolve against the CSV's folder.
public struct ManifestColumns: Sendable, Equatable, Codable {
    public var path: String
    public var label: String
    /// Group id column (speaker, source recording); empty for none.
    public var group: String
    /// The dataset's own fold column (integers); empty for none.
    public var fold: String
    public var numericMetadata: [String]
    public var categoricalMetadata: [String]

    public init(path: String = "path", label: String = "label", group: String = "", fold: String = "",
                numericMetadata: [String] = [], categoricalMetadata: [String] = []) {
        self.path = path
        self.label = label
        self.group = group
        self.fold = fold
        self.numericMetadata = numericMetadata
        self.categoricalMetadata = categoricalMetadata
    }
}

/// One audio file of a manifest.
public struct ManifestEntry: Sendable, Equatable {
    /// The audio file (relative paths resolved against the manifest's folder).
    public var path: String
    public var label: String
    public var group: String?
    public var fold: Int?
    /// Metadata column → raw value.
    public var values: [String: String]
    /// Where the entry was listed (`manifest.csv:12`, or the file itself for a folder).
    public var origin: String
}

/// The labelled audio files of a dataset: a CSV, or a folder with one subfolder per class
/// (`DIR/<class>/**/*.{wav,flac,ogg,mp3}`).
public struct Manifest: Sendable {
    public let source: String
    public let columns: ManifestColumns
    public let entries: [ManifestEntry]
    /// Class names in label order: numeric order when every label is an integer, else sorted.
    public let classes: [String]

    /// Reads a CSV manifest or scans a class-per-folder tree, as `source` is a file or a folder.
    public static func load(_ source: String, columns: ManifestColumns = ManifestColumns()) throws -> Manifest {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw DataError(source, "no such file or folder")
        }
        let entries = isDirectory.boolValue ? try folderEntries(source, columns: columns) : try csvEntries(source, columns: columns, labelled: true)
        guard !entries.isEmpty else { throw DataError(source, "lists no audio files") }
        return Manifest(source: source, columns: columns, entries: entries, classes: sortedClasses(entries.map(\.label)))
    }

    /// Reads a CSV manifest of files to classify: the label column may be absent or empty (the
    /// entry's label is then ""); every other named column must be there.
    static func entriesForScoring(csv source: String, columns: ManifestColumns) throws -> [ManifestEntry] {
        try csvEntries(source, columns: columns, labelled: false)
    }

    /// Files to classify gathered from several sources (`ScoringSources`), read with `columns`.
    static func forScoring(entries: [ManifestEntry], columns: ManifestColumns, source: String) -> Manifest {
        Manifest(source: source, columns: columns, entries: entries, classes: sortedClasses(entries.map(\.label).filter { !$0.isEmpty }))
    }

    /// The label index of every entry (its position in `classes`).
    public var labelIndices: [Int] {
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        return entries.map { index[$0.label]! }
    }

    private init(source: String, columns: ManifestColumns, entries: [ManifestEntry], classes: [String]) {
        self.source = source
        self.columns = columns
        self.entries = entries
        self.classes = classes
    }

    static func sortedClasses(_ labels: [String]) -> [String] {
        let distinct = Array(Set(labels))
        let numbers = distinct.compactMap { Int($0) }
        return numbers.count == distinct.count ? numbers.sorted().map(String.init) : distinct.sorted()
    }

    private static func folderEntries(_ root: String, columns: ManifestColumns) throws -> [ManifestEntry] {
        let named = [columns.group, columns.fold].filter { !$0.isEmpty } + columns.numericMetadata + columns.categoricalMetadata
        if let column = named.first {
            throw DataError(root, column: column, "a class-per-folder dataset has no columns; use a CSV manifest")
        }
        let fm = FileManager.default
        let classes = try fm.contentsOfDirectory(atPath: root).filter {
            var isDirectory: ObjCBool = false
            return !$0.hasPrefix(".") && fm.fileExists(atPath: root + "/" + $0, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
        guard !classes.isEmpty else { throw DataError(root, "has no class subfolders") }
        var entries: [ManifestEntry] = []
        for label in classes {
            let folder = root + "/" + label
            let files = (fm.enumerator(atPath: folder)?.allObjects as? [String] ?? [])
                .filter { AudioFile.supportedExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
                .sorted()
            for file in files {
                let path = folder + "/" + file
                entries.append(ManifestEntry(path: path, label: label, group: nil, fold: nil, values: [:], origin: path))
            }
        }
        return entries
    }

    /// `labelled`: the label column must be there and never empty.
    private static func csvEntries(_ file: String, columns: ManifestColumns, labelled: Bool) throws -> [ManifestEntry] {
        let table = try CSVTable(contentsOf: file)
        let base = (file as NSString).deletingLastPathComponent
        let pathTemplate = try PathTemplate(columns.path, table: table)
        let label = labelled || table.header.contains(columns.label) ? try table.columnIndex(columns.label) : nil
        let group = try columns.group.isEmpty ? nil : table.columnIndex(columns.group)
        let fold = try columns.fold.isEmpty ? nil : table.columnIndex(columns.fold)
        let metadataNames = columns.numericMetadata + columns.categoricalMetadata
        for name in metadataNames where name == columns.label {
            throw DataError(file, column: name, "is the label column and cannot be metadata")
        }
        let metadata = try metadataNames.map { ($0, try table.columnIndex($0)) }

        return try table.rows.enumerated().map { r, row in
            let origin = "\(file):\(table.lines[r])"
            let labelValue = label.map { row[$0].trimmingCharacters(in: .whitespaces) } ?? ""
            guard !labelled || !labelValue.isEmpty else { throw DataError(origin, column: columns.label, "empty label") }
            var relative = try pathTemplate.path(row: row, origin: origin)
            guard !relative.isEmpty else { throw DataError(origin, column: columns.path, "empty path") }
            if !relative.hasPrefix("/") && !base.isEmpty { relative = base + "/" + relative }
            var foldValue: Int?
            if let fold {
                let text = row[fold].trimmingCharacters(in: .whitespaces)
                guard let number = Int(text) else { throw DataError(origin, column: columns.fold, "fold '\(text)' is not an integer") }
                foldValue = number
            }
            var groupValue: String?
            if let group {
                let text = row[group].trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty else { throw DataError(origin, column: columns.group, "empty group") }
                groupValue = text
            }
            var values: [String: String] = [:]
            for (name, index) in metadata { values[name] = row[index].trimmingCharacters(in: .whitespaces) }
            return ManifestEntry(path: relative, label: labelValue, group: groupValue, fold: foldValue, values: values, origin: origin)
        }
    }
}

/// A path column name, or a template such as `audio/fold{fold}/{slice_file_name}`.
private struct PathTemplate {
    /// Literal text and column indices, in order.
    private enum Part { case text(String), column(Int) }
    private let parts: [Part]
    private let spec: String

    init(_ spec: String, table: CSVTable) throws {
        self.spec = spec
        guard spec.contains("{") else {
            parts = [.column(try table.columnIndex(spec))]
            return
        }
        var parts: [Part] = []
        var rest = Substring(spec)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw DataError(table.source, column: spec, "path template has an unclosed '{'")
            }
            if open > rest.startIndex { parts.append(.text(String(rest[..<open]))) }
            parts.append(.column(try table.columnIndex(String(rest[rest.index(after: open)..<close]))))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    func path(row: [String], origin: String) throws -> String {
        try parts.map { part in
            switch part {
            case .text(let text): return text
            case .column(let index):
                let value = row[index].trimmingCharacters(in: .whitespaces)
                guard !value.isEmpty || parts.count == 1 else { throw DataError(origin, column: spec, "path template meets an empty value") }
                return value
            }
        }.joined()
    }
}
