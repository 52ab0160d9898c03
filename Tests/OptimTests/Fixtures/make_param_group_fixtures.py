"""Reference trajectories of torch.optim with two parameter groups whose learning rates differ by
a factor (a fresh head that learns faster than a pretrained body), for SpectroFold's per-parameter
learning-rate scales. Same case format as optim_fixtures.json (see make_fixtures.py), plus
"lr_scales": parameter → its group's learning rate ÷ the base rate. A learning-rate change before
step 10 multiplies every group's rate, as a scheduler does.

    python Tests/OptimTests/Fixtures/make_param_group_fixtures.py   # writes param_group_fixtures.json
"""
import json
import os

import torch

torch.manual_seed(20261206)
SHAPES = {"body": (3, 4), "head": (5,)}
SCALES = {"body": 1.0, "head": 10.0}
STEPS, LR_CHANGE_STEP, LR_CHANGE = 20, 10, 0.5


def floats(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def case(name, make, options):
    params = {k: torch.randn(*s).requires_grad_() for k, s in SHAPES.items()}
    base = options["lr"]
    opt = make([{"params": [params[k]], "lr": base * SCALES[k]} for k in SHAPES])
    record = {"name": name, "options": options, "lr_scales": SCALES, "lr_changes": {}, "steps": [],
              "params": [{"name": k, "shape": list(p.shape), "initial": floats(p)} for k, p in params.items()]}
    for step in range(STEPS):
        if step == LR_CHANGE_STEP:
            for group in opt.param_groups:
                group["lr"] *= LR_CHANGE
            record["lr_changes"][str(step)] = base * LR_CHANGE
        grads = {}
        for k, p in params.items():
            p.grad = torch.randn(*SHAPES[k]) * 0.5
            grads[k] = floats(p.grad)
        opt.step()
        record["steps"].append({"grads": grads, "params": {k: floats(p) for k, p in params.items()}})
    record["final_state"] = {f"{k}.{key}": floats(v) if v.dim() > 0 else [float(v)]
                             for k, p in params.items() for key, v in opt.state[p].items()}
    return record


cases = [
    case("sgd_momentum_groups", lambda g: torch.optim.SGD(g, momentum=0.9, weight_decay=0.01, foreach=False),
         {"kind": "sgd", "lr": 0.01, "momentum": 0.9, "weight_decay": 0.01}),
    case("adam_groups", lambda g: torch.optim.Adam(g, weight_decay=0.01, foreach=False),
         {"kind": "adam", "lr": 1e-3, "weight_decay": 0.01}),
    case("adamw_groups", lambda g: torch.optim.AdamW(g, weight_decay=0.05, foreach=False),
         {"kind": "adamw", "lr": 1e-3, "weight_decay": 0.05}),
]
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "param_group_fixtures.json"), "w") as f:
    json.dump({"torch": torch.__version__, "optimizers": cases}, f)
print(f"{len(cases)} cases with torch {torch.__version__}")
