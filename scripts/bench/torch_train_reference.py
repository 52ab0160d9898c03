"""PyTorch's speed on the training step `spectrofold-bench train` measures, for side-by-side ratios.

Needs a Python with torch and torchvision (a scratch venv; torch is never a project dependency):
    python scripts/bench/torch_train_reference.py --model baseline_cnn --preset mini --batch 32 --frames 100
Prints {"model", "preset", "batch", "samples_per_s", "step_ms", "threads"}: the median of timed
full steps (forward, cross-entropy, backward, clip to norm 5, AdamW) after two warm-up steps, on
the reference modules of Tests/NNTests/Reference, with as many threads as SpectroFold uses.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "NNTests", "Reference"))
import reference_models  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--preset", default="mini")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    classes, metadata_width = 10, 8
    model = reference_models.build(args.model, args.preset, classes, args.frames, metadata_width)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(args.batch, 1, 128, args.frames)
    metadata = torch.randn(args.batch, metadata_width)
    labels = torch.arange(args.batch) % classes

    def step():
        logits = model(x, metadata) if args.model == "cnn_mlp" else model(x)
        loss = torch.nn.functional.cross_entropy(logits, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()

    for _ in range(2):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2]
    print(json.dumps({"model": args.model, "preset": args.preset, "batch": args.batch,
                      "samples_per_s": args.batch / median, "step_ms": median * 1000, "threads": args.threads}))


if __name__ == "__main__":
    main()
