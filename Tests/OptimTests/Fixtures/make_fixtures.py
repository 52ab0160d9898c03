"""Reference trajectories and learning-rate sequences from torch.optim for SpectroFold's Optim tests.

Run with any Python that has torch (torch is not a project dependency):
    python Tests/OptimTests/Fixtures/make_fixtures.py
Writes optim_fixtures.json beside this file. Float32 values are stored as the doubles they
convert to exactly; learning rates are Python floats (doubles), written with repr precision.

- "optimizers": for each case, the torch optimizer and its options, the initial parameters,
  and 20 steps of fixture gradients (null: no gradient for that parameter this step, which torch
  skips), the parameters after each step, learning-rate changes made before given steps (as a
  scheduler would), and the optimizer's final per-parameter state.
- "plateau": ReduceLROnPlateau's learning rate after each step on a fixture metric sequence.
- "cosine", "step_decay": CosineAnnealingLR and StepLR, the learning rate for epochs 0...N
  from torch's stepping (recursive form) and from its closed form.
- "clip": gradients before and after clip_grad_norm_, and the total norm it returned.
"""
import json
import math
import os

import torch

torch.manual_seed(20261201)
SHAPES = {"p0": (3, 4), "p1": (5,), "p2": (2, 2, 3)}
STEPS = 20
MISSING = {"p2": {4, 11}}  # steps at which p2 has no gradient
LR_CHANGES = {10: 0.5}      # before step 10, multiply the learning rate by this


def floats(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def optimizer_case(name, make, options):
    params = {k: torch.randn(*s).requires_grad_() for k, s in SHAPES.items()}
    case = {
        "name": name,
        "options": options,
        "params": [{"name": k, "shape": list(p.shape), "initial": floats(p)} for k, p in params.items()],
        "lr_changes": {},
        "steps": [],
    }
    opt = make(list(params.values()))
    for step in range(STEPS):
        if step in LR_CHANGES:
            for group in opt.param_groups:
                group["lr"] = group["lr"] * LR_CHANGES[step]
            case["lr_changes"][str(step)] = opt.param_groups[0]["lr"]
        grads = {}
        for k, p in params.items():
            if step in MISSING.get(k, ()):
                p.grad = None
                grads[k] = None
            else:
                p.grad = torch.randn(*SHAPES[k]) * 0.5
                grads[k] = floats(p.grad)
        opt.step()
        case["steps"].append({"grads": grads, "params": {k: floats(p) for k, p in params.items()}})
    state = {}
    for k, p in params.items():
        for key, value in opt.state[p].items():
            state[f"{k}.{key}"] = floats(value) if value.dim() > 0 else [float(value)]
    case["final_state"] = state
    return case


def sgd(**kw):
    return lambda ps: torch.optim.SGD(ps, foreach=False, **kw)


def adam(cls, **kw):
    return lambda ps: cls(ps, foreach=False, **kw)


optimizers = [
    optimizer_case("sgd_plain", sgd(lr=0.1), {"kind": "sgd", "lr": 0.1}),
    optimizer_case("sgd_momentum", sgd(lr=0.05, momentum=0.9),
                   {"kind": "sgd", "lr": 0.05, "momentum": 0.9}),
    optimizer_case("sgd_nesterov", sgd(lr=0.05, momentum=0.9, nesterov=True),
                   {"kind": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True}),
    optimizer_case("sgd_weight_decay", sgd(lr=0.1, momentum=0.8, weight_decay=0.01),
                   {"kind": "sgd", "lr": 0.1, "momentum": 0.8, "weight_decay": 0.01}),
    optimizer_case("adam_defaults", adam(torch.optim.Adam), {"kind": "adam"}),
    optimizer_case("adam_l2", adam(torch.optim.Adam, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
                   {"kind": "adam", "lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.1}),
    optimizer_case("adamw_defaults", adam(torch.optim.AdamW), {"kind": "adamw"}),
    optimizer_case("adamw_strong", adam(torch.optim.AdamW, lr=0.02, weight_decay=0.3),
                   {"kind": "adamw", "lr": 0.02, "weight_decay": 0.3}),
]


def plateau_case(name, metrics, lr=0.1, **kw):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
    lrs = []
    for m in metrics:
        sched.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    # NaN (never better than the best) is stored as null: JSON has no NaN.
    stored = [None if math.isnan(m) else m for m in metrics]
    return {"name": name, "initial_lr": lr, "options": kw, "metrics": stored, "lrs": lrs}


down_then_flat = [1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7,
                  0.69, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
noisy = [2.0, 1.5, 1.6, 1.4, 1.45, 1.41, 1.39, 1.399, 1.4, 1.5, 1.2, 1.21, 1.19, 1.3, 1.25, 1.24,
         1.23, 1.22, 1.1, 1.15, 1.12, 1.11, 1.105, 1.1, 1.1, 1.1]
rising = [0.5, 0.6, 0.6, 0.6, 0.65, 0.65, 0.6500001, 0.66, 0.66, 0.66, 0.66, 0.7, 0.69, 0.7, 0.7, 0.7,
          0.7, 0.7, 0.7, 0.7]
plateau = [
    plateau_case("defaults_short_patience", down_then_flat, patience=2),
    plateau_case("rel_threshold", down_then_flat, factor=0.5, patience=1, threshold=1e-3),
    plateau_case("abs_threshold", noisy, factor=0.5, patience=1, threshold=0.02, threshold_mode="abs"),
    plateau_case("cooldown", noisy, factor=0.3, patience=0, cooldown=2),
    plateau_case("min_lr", down_then_flat, factor=0.2, patience=0, min_lr=0.001),
    # 0.1 halves down to 0.0125; the next cut would only reach min_lr, 5e-9 lower: skipped (< eps).
    plateau_case("eps_skips_tiny_reduction", down_then_flat, factor=0.5, patience=1, min_lr=0.0125 - 5e-9),
    # halving stops once a cut would be smaller than eps = 1e-3
    plateau_case("eps_large", down_then_flat, factor=0.5, patience=0, eps=1e-3),
    plateau_case("max_rel", rising, mode="max", factor=0.5, patience=1),
    plateau_case("max_abs_cooldown", rising, mode="max", factor=0.5, patience=1, threshold=0.02,
                 threshold_mode="abs", cooldown=1, min_lr=0.02),
    plateau_case("nan_is_never_better", [1.0, float("nan"), float("nan"), 0.5, float("nan")],
                 patience=1),
]


def scheduler_case(name, make, epochs, lr, options):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = make(opt)
    stepped, closed = [opt.param_groups[0]["lr"]], [sched._get_closed_form_lr()[0]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        stepped.append(opt.param_groups[0]["lr"])
        closed.append(sched._get_closed_form_lr()[0])
    return {"name": name, "initial_lr": lr, "options": options, "epochs": epochs,
            "stepped": stepped, "closed_form": closed}


cosine = [
    scheduler_case("cosine_to_zero", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10),
                   10, 0.1, {"epochs": 10, "min_lr": 0.0}),
    scheduler_case("cosine_min_lr", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=37, eta_min=1e-5),
                   37, 3e-4, {"epochs": 37, "min_lr": 1e-5}),
]
step_decay = [
    scheduler_case("step_3_half", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
                   20, 0.1, {"step_size": 3, "gamma": 0.5}),
    scheduler_case("step_7_tenth", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.1),
                   30, 1e-3, {"step_size": 7, "gamma": 0.1}),
]


def clip_case(name, max_norm, scale, missing=()):
    params = {k: torch.zeros(*s, requires_grad=True) for k, s in SHAPES.items()}
    before = {}
    for k, p in params.items():
        if k in missing:
            before[k] = None
        else:
            p.grad = torch.randn(*SHAPES[k]) * scale
            before[k] = floats(p.grad)
    total = torch.nn.utils.clip_grad_norm_(list(params.values()), max_norm, foreach=False)
    after = {k: (floats(p.grad) if p.grad is not None else None) for k, p in params.items()}
    return {"name": name, "max_norm": max_norm, "before": before, "after": after, "total_norm": float(total)}


clip = [
    clip_case("clipped", 1.0, 1.0),
    clip_case("not_clipped", 100.0, 1.0),
    clip_case("clipped_with_missing_grad", 0.25, 3.0, missing=("p1",)),
]

out = {"torch": torch.__version__, "optimizers": optimizers, "plateau": plateau, "cosine": cosine,
       "step_decay": step_decay, "clip": clip}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim_fixtures.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, allow_nan=False)
    f.write("\n")
print(f"wrote {path}")
