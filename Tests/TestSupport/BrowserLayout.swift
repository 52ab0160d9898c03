import Foundation

/// What headless Chromium (Debian's `chromium`) laid out on a page, measured by the browser
/// itself: every `<svg>` with its view box and every `<text>` in it as the box it takes,
/// converted to the view box's units; and the ids of the page's sections and figures.
public struct BrowserLayout: Decodable {
    public struct Box: Decodable {
        public let x, y, width, height: Double
    }

    public struct Text: Decodable {
        public let content: String
        /// In the svg's view box units.
        public let box: Box
    }

    public struct Picture: Decodable {
        /// The id of the enclosing figure, or the `data-file` name of the wrapper element.
        public let name: String
        public let viewBox: Box
        /// On the page, in CSS px.
        public let rendered: Box
        public let texts: [Text]

        /// Texts whose box reaches more than `tolerance` units outside the view box.
        public func textsOutside(tolerance: Double = 0.5) -> [Text] {
            texts.filter { t in
                t.box.x < viewBox.x - tolerance || t.box.y < viewBox.y - tolerance
                    || t.box.x + t.box.width > viewBox.x + viewBox.width + tolerance
                    || t.box.y + t.box.height > viewBox.y + viewBox.height + tolerance
            }
        }

        /// Pairs of texts whose boxes overlap by more than `tolerance` units both across and down.
        public func overlappingTexts(tolerance: Double = 0.5) -> [(Text, Text)] {
            func overlap(_ a: Box, _ b: Box) -> Bool {
                min(a.x + a.width, b.x + b.width) - max(a.x, b.x) > tolerance && min(a.y + a.height, b.y + b.height) - max(a.y, b.y) > tolerance
            }
            return texts.indices.flatMap { i in texts.indices.filter { $0 > i && overlap(texts[i].box, texts[$0].box) }.map { (texts[i], texts[$0]) } }
        }
    }

    public let pictures: [Picture]
    public let sectionIDs: [String]
    public let figureIDs: [String]

    /// Lays out the HTML file `page` with a probe script appended (the page itself is left as is)
    /// in headless Chromium at 1280 px wide. Without Chromium, `RealComponent.unavailable`.
    public static func measure(page: String) throws -> BrowserLayout {
        let chromium = "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: chromium) else {
            throw RealComponent.unavailable("headless Chromium", "\(chromium) is missing (Debian package `chromium`)")
        }
        let work = try TemporaryDirectory(prefix: "browser")
        defer { work.remove() }
        var html = try String(contentsOfFile: page, encoding: .utf8)
        let probe = "<script>\(probeScript)</script>"
        if let end = html.range(of: "</body>", options: .backwards) { html.insert(contentsOf: probe, at: end.lowerBound) } else { html += probe }
        let probed = work.file("probed.html")
        try html.write(toFile: probed, atomically: true, encoding: .utf8)
        let result = try ChildProcess.run(chromium, arguments: [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(work.file("profile"))",
            "--window-size=1280,1000", "--dump-dom", URL(fileURLWithPath: probed).absoluteString])
        guard let start = result.standardOutput.range(of: "<pre id=\"layout-probe\">"),
              let end = result.standardOutput.range(of: "</pre>", range: start.upperBound..<result.standardOutput.endIndex),
              let json = String(result.standardOutput[start.upperBound..<end.lowerBound]).removingPercentEncoding else {
            throw RealComponent.Unavailable(description: "Chromium gave no layout (status \(result.status)): \(result.standardError.suffix(2000))")
        }
        return try JSONDecoder().decode(BrowserLayout.self, from: Data(json.utf8))
    }

    /// A page that shows each SVG file of `files` (name → path) inline, one after another, for `measure`.
    public static func gallery(of files: [(name: String, path: String)], writtenTo page: String) throws {
        let body = try files.map { name, path in
            "<div data-file=\"\(name)\">\n\(try String(contentsOfFile: path, encoding: .utf8))</div>"
        }.joined(separator: "\n")
        try "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\n\(body)\n</body></html>\n"
            .write(toFile: page, atomically: true, encoding: .utf8)
    }

    /// Runs in the page: boxes from getBoundingClientRect (which includes rotations), mapped into
    /// each svg's view box; written percent-encoded into <pre id="layout-probe">.
    private static let probeScript = """
    (() => {
      const box = r => ({x: r.x, y: r.y, width: r.width, height: r.height});
      const pictures = [...document.querySelectorAll('svg')].map(svg => {
        const r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
        const sx = r.width / vb.width, sy = r.height / vb.height;
        const texts = [...svg.querySelectorAll('text')].map(t => {
          const b = t.getBoundingClientRect();
          return {content: t.textContent, box: {x: vb.x + (b.left - r.left) / sx, y: vb.y + (b.top - r.top) / sy, width: b.width / sx, height: b.height / sy}};
        });
        const holder = svg.closest('figure[id]') || svg.closest('[data-file]');
        const name = holder ? (holder.id || holder.dataset.file) : '';
        return {name, viewBox: {x: vb.x, y: vb.y, width: vb.width, height: vb.height}, rendered: box(r), texts};
      });
      const ids = selector => [...document.querySelectorAll(selector)].map(e => e.id);
      const pre = document.createElement('pre');
      pre.id = 'layout-probe';
      pre.textContent = encodeURIComponent(JSON.stringify({pictures, sectionIDs: ids('section[id]'), figureIDs: ids('figure[id]')}));
      document.body.appendChild(pre);
    })();
    """
}
