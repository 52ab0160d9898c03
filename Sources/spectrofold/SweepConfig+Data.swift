import Audio
import Config
import Data

/// The data pipeline's settings as the configuration names them.
extension SweepConfig {
    var manifestColumns: ManifestColumns {
        ManifestColumns(path: data.pathColumn, label: data.labelColumn, group: data.groupColumn, fold: data.foldColumn,
                        numericMetadata: data.numericMetadata, categoricalMetadata: data.categoricalMetadata)
    }

    var fbankParameters: FbankParameters {
        FbankParameters(sampleRate: features.sampleRate, numMelBins: features.numMelBins, frameLengthMs: features.frameLengthMs,
                        frameShiftMs: features.frameShiftMs, frames: features.frames, maxFrames: features.maxFrames == 0 ? nil : features.maxFrames,
                        subtractClipMean: features.subtractClipMean)
    }
}
