import Foundation

/// Predictions as CSV, one way for a job's predictions.csv and for `spectrofold predict`:
/// probabilities as "%.6g", fields quoted when they hold a comma, quote or newline.
public enum PredictionTable {
    /// `path,predicted,p_<class>…` per clip; with `perWindow`, `path,window,start_s,predicted,p_<class>…`
    /// per window (`predicted`: the window's own most probable class).
    public static func csv(_ clips: [ClipPrediction], classes: [String], perWindow: Bool) -> String {
        let leading = perWindow ? ["path", "window", "start_s", "predicted"] : ["path", "predicted"]
        var lines = [header(leading, classes: classes)]
        for clip in clips {
            guard perWindow else {
                lines.append(row([clip.path, classes[clip.predicted]], clip.probabilities))
                continue
            }
            for window in clip.windows {
                let predicted = InferencePass.argmax(window.probabilities, classes: classes.count)[0]
                lines.append(row([clip.path, String(window.index), String(format: "%.3f", window.startSeconds), classes[predicted]],
                                 window.probabilities))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The header: `leading` columns, then `p_<class>` per class.
    static func header(_ leading: [String], classes: [String]) -> String {
        (leading + classes.map { "p_\($0)" }).map(field).joined(separator: ",")
    }

    /// One line: the `leading` fields, then each probability.
    static func row(_ leading: [String], _ probabilities: some Collection<Float>) -> String {
        (leading.map(field) + probabilities.map { String(format: "%.6g", $0) }).joined(separator: ",")
    }

    static func field(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
