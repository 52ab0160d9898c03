"""Writes mixup_step.json: one mixup training step in PyTorch, as the mixup paper's reference
code makes it (inputs mixed as lam * x + (1 - lam) * x[perm]; loss lam * CE(y) + (1 - lam) *
CE(y[perm]), here with label smoothing 0.1), on a linear classifier of flattened (1, 8, 6)
spectrograms, followed by one plain SGD step (lr 0.1).

Run with torch installed:  python make_mixup_fixture.py
"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(7)
x = torch.randn(4, 1, 8, 6)
labels = torch.tensor([0, 2, 1, 2])
perm = torch.tensor([2, 0, 3, 1])
lam = 0.3
linear = torch.nn.Linear(48, 3)

mixed = lam * x + (1 - lam) * x[perm]
logits = linear(mixed.flatten(1))
loss = lam * F.cross_entropy(logits, labels, label_smoothing=0.1) \
    + (1 - lam) * F.cross_entropy(logits, labels[perm], label_smoothing=0.1)
weight0, bias0 = linear.weight.detach().clone(), linear.bias.detach().clone()
loss.backward()
optimizer = torch.optim.SGD(linear.parameters(), lr=0.1)
optimizer.step()

flat = lambda t: t.detach().reshape(-1).tolist()
json.dump({
    "x": flat(x), "labels": labels.tolist(), "partners": perm.tolist(), "weight": lam, "label_smoothing": 0.1, "lr": 0.1,
    "linear_weight": flat(weight0), "linear_bias": flat(bias0),
    "mixed": flat(mixed), "loss": loss.item(),
    "weight_grad": flat(linear.weight.grad), "bias_grad": flat(linear.bias.grad),
    "weight_after": flat(linear.weight), "bias_after": flat(linear.bias),
}, open("mixup_step.json", "w"), indent=1)
