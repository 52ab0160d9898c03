"""PyTorch's speed on what `spectrofold-bench train` measures, for side-by-side ratios.

Needs a Python with torch and torchvision (a scratch venv; torch is never a project dependency):
    python scripts/bench/torch_train_reference.py --model baseline_cnn --preset mini --batch 32 --frames 100 --threads 2
Prints one JSON object with the fields of `spectrofold-bench train --json` that apply: "model",
"preset", "batch", "frames", "threads", "eval_samples_per_s" and "eval_step_ms" (forward in eval
mode under torch.inference_mode), "samples_per_s" and "step_ms" (full steps: forward,
cross-entropy, backward, clip to norm 5, AdamW), each the median of the steps timed after two
warm-up steps (at least --steps, and more until --min-seconds have passed), "eval_cpu_step_ms" / "cpu_step_ms" (the median process CPU time per step, all threads),
and "eval_peak_rss_mb" / "peak_rss_mb" (the process's peak resident set size in MiB after
inference, which runs first, and after training), on the reference modules of
Tests/NNTests/Reference.
"""
import argparse
import json
import os
import resource
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
    parser.add_argument("--min-seconds", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    classes, metadata_width = 10, 8
    model = reference_models.build(args.model, args.preset, classes, args.frames, metadata_width)
    x = torch.randn(args.batch, 1, 128, args.frames)
    metadata = torch.randn(args.batch, metadata_width)
    labels = torch.arange(args.batch) % classes

    def forward():
        return model(x, metadata) if args.model == "cnn_mlp" else model(x)

    model.eval()
    with torch.inference_mode():
        eval_ms, eval_cpu_ms = median_ms(forward, args.steps, args.min_seconds)
    eval_peak = peak_rss_mb()

    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step():
        loss = torch.nn.functional.cross_entropy(forward(), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()

    step_ms, cpu_ms = median_ms(step, args.steps, args.min_seconds)
    print(json.dumps({"model": args.model, "preset": args.preset, "batch": args.batch, "frames": args.frames,
                      "threads": args.threads, "torch": torch.__version__,
                      "samples_per_s": args.batch / step_ms * 1000, "step_ms": step_ms,
                      "eval_samples_per_s": args.batch / eval_ms * 1000, "eval_step_ms": eval_ms,
                      "cpu_step_ms": cpu_ms, "eval_cpu_step_ms": eval_cpu_ms,
                      "eval_peak_rss_mb": eval_peak, "peak_rss_mb": peak_rss_mb()}))


def median_ms(body, steps, min_seconds):
    """The median wall time and process CPU time of the calls of `body` after two warm-up calls, in
    milliseconds: at least `steps` calls, and more until `min_seconds` have passed."""
    for _ in range(2):
        body()
    wall, cpu = [], []
    began = time.perf_counter()
    while len(wall) < steps or time.perf_counter() - began < min_seconds:
        start, start_cpu = time.perf_counter(), time.process_time()
        body()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return sorted(wall)[len(wall) // 2] * 1000, sorted(cpu)[len(cpu) // 2] * 1000


def peak_rss_mb():
    """The process's peak resident set size in MiB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
