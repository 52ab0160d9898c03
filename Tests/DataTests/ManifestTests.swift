import Data
import Foundation
import XCTest

final class ManifestTests: XCTestCase {
    private var dataset: TestDataset!

    override func setUpWithError() throws { dataset = try TestDataset() }
    override func tearDown() { dataset.directory.remove() }

    func testCSVManifestResolvesPathsAgainstItsFolder() throws {
        let columns = ManifestColumns(group: "speaker", fold: "fold", numericMetadata: ["speed"], categoricalMetadata: ["voice"])
        let manifest = try Manifest.load(dataset.manifestPath, columns: columns)
        XCTAssertEqual(manifest.classes, ["high", "low", "mid"])
        XCTAssertEqual(manifest.entries.count, 12)
        let first = manifest.entries[0]
        XCTAssertEqual(first.path, dataset.directory.file("audio/low/low_0.wav"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: first.path))
        XCTAssertEqual(first.label, "low")
        XCTAssertEqual(first.group, "s0")
        XCTAssertEqual(first.fold, 1)
        XCTAssertEqual(first.values, ["speed": "100", "voice": "en-us"])
        XCTAssertEqual(first.origin, dataset.manifestPath + ":2")
        XCTAssertEqual(manifest.labelIndices.prefix(5), [1, 1, 1, 1, 2])
    }

    func testFolderPerClass() throws {
        try FileManager.default.createDirectory(atPath: dataset.directory.file("audio/mid/nested"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: dataset.directory.file("audio/mid/mid_3.wav"), toPath: dataset.directory.file("audio/mid/nested/mid_3.wav"))
        _ = try dataset.write("not audio", to: "audio/mid/readme.txt")
        let manifest = try Manifest.load(dataset.directory.file("audio"))
        XCTAssertEqual(manifest.classes, ["high", "low", "mid"])
        XCTAssertEqual(manifest.entries.count, 12)
        XCTAssertTrue(manifest.entries.contains { $0.path.hasSuffix("audio/mid/nested/mid_3.wav") && $0.label == "mid" })
        XCTAssertNil(manifest.entries[0].group)
    }

    /// ESC-50: `meta/esc50.csv` with filename, fold, target, category; audio in `audio/`.
    func testESC50StyleByNamingColumns() throws {
        let csv = try dataset.write("""
            filename,fold,target,category,esc10,src_file,take
            low_0.wav,1,0,dog,True,100032,A
            high_1.wav,2,1,rooster,False,100038,A

            """, to: "ESC-50/meta/esc50.csv")
        for name in ["low_0", "high_1"] {
            let label = name.hasPrefix("low") ? "low" : "high"
            try FileManager.default.createDirectory(atPath: dataset.directory.file("ESC-50/audio"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: dataset.directory.file("audio/\(label)/\(name).wav"), toPath: dataset.directory.file("ESC-50/audio/\(name).wav"))
        }
        let manifest = try Manifest.load(csv, columns: ManifestColumns(path: "../audio/{filename}", label: "category", fold: "fold"))
        XCTAssertEqual(manifest.classes, ["dog", "rooster"])
        XCTAssertEqual(manifest.entries.map(\.fold), [1, 2])
        XCTAssertTrue(manifest.entries.allSatisfy { FileManager.default.fileExists(atPath: $0.path) })
    }

    /// UrbanSound8K: `metadata/UrbanSound8K.csv`; audio in `audio/fold<fold>/<slice_file_name>`.
    func testUrbanSound8KStyleByNamingColumns() throws {
        let csv = try dataset.write("""
            slice_file_name,fsID,start,end,salience,fold,classID,class
            100032-3-0-0.wav,100032,0.0,0.3,1,5,3,dog_bark
            100263-2-0-117.wav,100263,58.5,62.5,1,5,2,children_playing

            """, to: "UrbanSound8K/metadata/UrbanSound8K.csv")
        let columns = ManifestColumns(path: "../audio/fold{fold}/{slice_file_name}", label: "class", group: "fsID", fold: "fold")
        let manifest = try Manifest.load(csv, columns: columns)
        XCTAssertEqual(manifest.entries.map(\.path), [
            dataset.directory.file("UrbanSound8K/metadata/../audio/fold5/100032-3-0-0.wav"),
            dataset.directory.file("UrbanSound8K/metadata/../audio/fold5/100263-2-0-117.wav"),
        ])
        XCTAssertEqual(manifest.entries.map(\.group), ["100032", "100263"])
    }

    func testErrorsNameFileRowAndColumn() throws {
        let path = dataset.manifestPath
        func message(_ columns: ManifestColumns, source: String? = nil) -> String {
            do {
                _ = try Manifest.load(source ?? path, columns: columns)
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(message(ManifestColumns(group: "spekaer")),
                       "\(path): column 'spekaer': no such column (the header has: path, label, speaker, fold, speed, voice)")
        XCTAssertEqual(message(ManifestColumns(), source: dataset.directory.file("nowhere.csv")),
                       dataset.directory.file("nowhere.csv") + ": no such file or folder")
        XCTAssertEqual(message(ManifestColumns(numericMetadata: ["label"])),
                       "\(path): column 'label': is the label column and cannot be metadata")

        let bad = try dataset.write(dataset.manifest.replacingOccurrences(of: "audio/mid/mid_2.wav,mid,s2,3,120", with: "audio/mid/mid_2.wav,mid,s2,three,fast"), to: "bad.csv")
        XCTAssertEqual(message(ManifestColumns(fold: "fold"), source: bad), "\(bad):8: column 'fold': fold 'three' is not an integer")
    }
}
