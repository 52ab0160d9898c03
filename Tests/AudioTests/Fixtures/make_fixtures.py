"""Reference fixtures for AudioTests, made with torchaudio (never a SpectroFold dependency).

Run from the repository root with the scratch environment that has torch and torchaudio:

    /opt/torchenv/bin/python Tests/AudioTests/Fixtures/make_fixtures.py

Writes into this folder:
- speech_22050.wav  espeak-ng speech (16-bit PCM, its native 22.05 kHz)
- speech_16000.wav  that speech resampled by torchaudio to 16 kHz (16-bit PCM)
- speech_8000.wav   that speech resampled by torchaudio to 8 kHz (16-bit PCM)
- speech_44100.wav  that speech upsampled to 44.1 kHz plus low white noise, so there is
                    content up to 22 kHz (16-bit PCM)
- noise_16000.wav   Gaussian noise, sigma 0.1, at 16 kHz (32-bit float)
- reference.safetensors
    fbank_speech, fbank_noise: torchaudio.compliance.kaldi.fbank with AST's arguments on the
        16 kHz files as read back from disk, (frames, 128) F32
    resampled_8000, resampled_22050, resampled_44100: torchaudio.functional.resample
        (default: sinc_interp_hann, lowpass_filter_width 6, rolloff 0.99) of each file to 16 kHz
    mask_cases: rows (size, mask_param, u_width, u_start, start, end) F64 from
        torchaudio.functional.mask_along_axis with torch.rand replaced by the given u values
"""
import json
import os
import struct
import subprocess
import tempfile

import numpy as np
import soundfile
import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))


def ast_fbank(wave_1d):
    return torchaudio.compliance.kaldi.fbank(
        torch.from_numpy(wave_1d).unsqueeze(0), htk_compat=True, sample_frequency=16000,
        use_energy=False, window_type="hanning", num_mel_bins=128, dither=0.0, frame_shift=10)


def write_and_read_back(name, wave, rate, subtype):
    path = os.path.join(HERE, name)
    soundfile.write(path, wave, rate, subtype=subtype)
    back, back_rate = soundfile.read(path, dtype="float32")
    assert back_rate == rate
    return back


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        dtype = {np.float32: "F32", np.float64: "F64"}[array.dtype.type]
        blob = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def mask_cases():
    """Runs torchaudio's own masking with chosen uniform draws and records the masked range."""
    rows = []
    real_rand = torch.rand
    for size, param in [(128, 24), (100, 20), (100, 100), (50, 7)]:
        for u_width, u_start in [(0.0, 0.0), (0.5, 0.5), (0.999, 0.001), (0.37, 0.93), (0.999, 0.999), (0.25, 0.6)]:
            draws = iter([torch.tensor([u_width]), torch.tensor([u_start])])
            torch.rand = lambda *a, **k: next(draws)
            try:
                spec = torch.ones(1, size, 3)
                masked = torchaudio.functional.mask_along_axis(spec, param, 0.0, axis=1)
            finally:
                torch.rand = real_rand
            zero = (masked[0, :, 0] == 0).nonzero().flatten().tolist()
            start, end = (zero[0], zero[-1] + 1) if zero else (0, 0)
            rows.append([size, param, u_width, u_start, start, end])
    return np.array(rows, dtype=np.float64)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "speech.wav")
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", raw, "seven two nine"], check=True)
        speech, rate = soundfile.read(raw, dtype="float32")
    assert rate == 22050, rate
    speech = speech / max(1e-6, float(np.abs(speech).max())) * 0.8
    speech_22050 = write_and_read_back("speech_22050.wav", speech, 22050, "PCM_16")
    t = torch.from_numpy(speech_22050)
    speech_16000 = write_and_read_back(
        "speech_16000.wav", torchaudio.functional.resample(t, 22050, 16000).numpy(), 16000, "PCM_16")
    speech_8000 = write_and_read_back(
        "speech_8000.wav", torchaudio.functional.resample(t, 22050, 8000).numpy(), 8000, "PCM_16")
    rng = np.random.default_rng(7)
    up = torchaudio.functional.resample(t, 22050, 44100).numpy()
    up = up + rng.normal(0, 0.01, up.shape).astype(np.float32)
    speech_44100 = write_and_read_back("speech_44100.wav", up, 44100, "PCM_16")
    noise = write_and_read_back("noise_16000.wav", rng.normal(0, 0.1, 16000 * 3 // 2).astype(np.float32), 16000, "FLOAT")

    def to16k(wave, rate):
        return torchaudio.functional.resample(torch.from_numpy(wave), rate, 16000).numpy()

    write_safetensors(os.path.join(HERE, "reference.safetensors"), {
        "fbank_speech": ast_fbank(speech_16000).numpy(),
        "fbank_noise": ast_fbank(noise).numpy(),
        "resampled_8000": to16k(speech_8000, 8000),
        "resampled_22050": to16k(speech_22050, 22050),
        "resampled_44100": to16k(speech_44100, 44100),
        "mask_cases": mask_cases(),
    })
    print("torch", torch.__version__, "torchaudio", torchaudio.__version__)


if __name__ == "__main__":
    main()
