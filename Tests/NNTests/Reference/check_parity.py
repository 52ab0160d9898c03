"""Checks that SpectroFold's models are PyTorch's: for every model and preset, weights written by
`spectrofold model init` load with strict=True into the reference module (reference_models.py),
and the logits of `spectrofold model forward` match PyTorch's in eval mode.

    python Tests/NNTests/Reference/check_parity.py PATH/TO/spectrofold [--write-fixture FILE]

Prints one line per model and preset and exits non-zero on any mismatch. With --write-fixture it
also stores the input and PyTorch's logits for the mini presets (weights from seed 3), which the
Swift tests compare against without needing torch.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402

CLASSES, FRAMES, METADATA, SEED, TOLERANCE = 10, 100, 6, 3, 1e-4


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("spectrofold")
    parser.add_argument("--write-fixture")
    args = parser.parse_args()
    torch.manual_seed(0)
    # Inputs at the scale of normalised log-mel features.
    x = torch.randn(2, 1, 128, FRAMES)
    metadata = torch.randn(2, METADATA)
    fixture = {"x": x, "metadata": metadata}
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        inputs = os.path.join(scratch, "input.safetensors")
        save_file({"x": x, "metadata": metadata}, inputs)
        for preset in ("mini", "standard"):
            for name in ("baseline_cnn", "cnn_mlp", "cnn_attention", "ast"):
                common = ["--model", name, "--preset", preset, "--classes", str(CLASSES), "--frames", str(FRAMES)]
                if name == "cnn_mlp":
                    common += ["--metadata", str(METADATA)]
                weights = os.path.join(scratch, f"{name}-{preset}.safetensors")
                logits_path = os.path.join(scratch, f"{name}-{preset}-logits.safetensors")
                subprocess.run([args.spectrofold, "model", "init", *common, "--seed", str(SEED), "--out", weights],
                               check=True, capture_output=True)
                subprocess.run([args.spectrofold, "model", "forward", *common, "--weights", weights,
                                "--input", inputs, "--out", logits_path], check=True, capture_output=True)
                model = reference_models.build(name, preset, CLASSES, FRAMES, METADATA)
                model.load_state_dict(load_file(weights), strict=True)
                model.eval()
                with torch.no_grad():
                    expected = model(x, metadata) if name == "cnn_mlp" else model(x)
                actual = load_file(logits_path)["logits"]
                difference = (actual - expected).abs().max().item()
                ok = difference <= TOLERANCE
                failures += not ok
                print(f"{name:14} {preset:8} strict load ok, max |logit| {expected.abs().max().item():8.4f}, "
                      f"max |difference| {difference:.2e} {'ok' if ok else 'FAIL'}")
                if preset == "mini":
                    fixture[f"{name}.logits"] = expected
    if args.write_fixture:
        save_file({k: v.contiguous() for k, v in fixture.items()}, args.write_fixture,
                  metadata={"made_by": "check_parity.py", "seed": str(SEED), "torch": torch.__version__})
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
