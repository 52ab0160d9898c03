"""Reference outputs and gradients from PyTorch for SpectroFold's tensor engine tests.

Run with any Python that has torch and safetensors (torch is not a project dependency):
    python Tests/TensorTests/Fixtures/make_fixtures.py
Writes tensor_fixtures.safetensors beside this file. For every case NAME it stores the inputs
(NAME.x, NAME.weight, ...), the forward output NAME.out and, for loss = sum(out * NAME.probe),
the input gradients NAME.grad.<input>.
"""
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)  # references in double, stored as float32
tensors = {}


def store(name, inputs, out, extra=None):
    probe = torch.randn_like(out)
    (out * probe).sum().backward()
    tensors[f"{name}.out"] = out.detach()
    tensors[f"{name}.probe"] = probe
    for key, value in inputs.items():
        tensors[f"{name}.{key}"] = value.detach()
        if value.requires_grad:
            tensors[f"{name}.grad.{key}"] = value.grad
    for key, value in (extra or {}).items():
        tensors[f"{name}.{key}"] = value.detach()


def leaf(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).requires_grad_()


# conv2d: (name, input shape, weight shape, stride, padding, bias)
for name, xs, ws, stride, padding, bias in [
    ("conv_strided_padded", (2, 3, 9, 11), (4, 3, 3, 3), (2, 2), (1, 1), True),
    ("conv_1x1", (2, 5, 6, 7), (3, 5, 1, 1), (1, 1), (0, 0), False),
    ("conv_1x1_stride2", (2, 4, 7, 8), (6, 4, 1, 1), (2, 2), (0, 0), False),
    ("conv_7x7", (2, 1, 20, 18), (4, 1, 7, 7), (2, 2), (3, 3), False),
    ("conv_rect", (1, 2, 16, 12), (3, 2, 5, 3), (3, 2), (0, 1), True),
]:
    x, w = leaf(*xs), leaf(*ws, scale=0.3)
    inputs = {"x": x, "weight": w}
    b = None
    if bias:
        b = leaf(ws[0])
        inputs["bias"] = b
    store(name, inputs, F.conv2d(x, w, b, stride=stride, padding=padding))

# batch norm, training (batch statistics, running stats updated) and eval.
for name, training in [("bn_train", True), ("bn_eval", False)]:
    x = leaf(4, 3, 5, 6, scale=2.0)
    with torch.no_grad():
        x += torch.tensor([1.0, -2.0, 0.5]).view(1, 3, 1, 1)
    w, b = leaf(3), leaf(3)
    running_mean = torch.randn(3) * 0.1
    running_var = torch.rand(3) + 0.5
    initial_mean, initial_var = running_mean.clone(), running_var.clone()
    out = F.batch_norm(x, running_mean, running_var, w, b, training=training, momentum=0.1, eps=1e-5)
    store(name, {"x": x, "weight": w, "bias": b}, out, {
        "running_mean_before": initial_mean, "running_var_before": initial_var,
        "running_mean_after": running_mean, "running_var_after": running_var})

# layer norm over the last axis (AST's eps).
x, w, b = leaf(2, 5, 16), leaf(16), leaf(16)
store("layer_norm", {"x": x, "weight": w, "bias": b}, F.layer_norm(x, (16,), w, b, eps=1e-6))

# softmax cross-entropy with integer labels, plain and with label smoothing.
for name, smoothing in [("cross_entropy", 0.0), ("cross_entropy_smoothed", 0.1)]:
    logits = leaf(6, 5, scale=3.0)
    labels = torch.tensor([0, 4, 2, 2, 1, 3])
    out = F.cross_entropy(logits, labels, label_smoothing=smoothing)
    store(name, {"logits": logits}, out, {"labels": labels.to(torch.int64)})

# softmax over the last axis.
x = leaf(3, 4, 7, scale=2.0)
store("softmax", {"x": x}, torch.softmax(x, dim=-1))

# exact GELU.
x = leaf(4, 33, scale=2.5)
store("gelu", {"x": x}, F.gelu(x))

# attention-shaped batched matmuls: scores = q kᵀ / √d, softmax, weights · v.
q, k, v = leaf(2, 3, 10, 8), leaf(2, 3, 10, 8), leaf(2, 3, 10, 8)
scores = torch.matmul(q, k.transpose(-1, -2)) / 8 ** 0.5
store("attention", {"q": q, "k": k, "v": v}, torch.matmul(torch.softmax(scores, dim=-1), v))

def store_stride1_convs(cases, weight_scale):
    """conv2d cases (name, input shape, weight shape, padding, bias) with stride 1."""
    for name, xs, ws, padding, bias in cases:
        x, w = leaf(*xs), leaf(*ws, scale=weight_scale)
        b = leaf(ws[0]) if bias else None
        store(name, {"x": x, "weight": w} | ({"bias": b} if bias else {}), F.conv2d(x, w, b, padding=padding))


# stride-1 convolutions that keep the width (the engine's shifted-copy im2col), after the cases
# above so that their random inputs stay as they were.
store_stride1_convs([
    ("conv_3x3_same", (2, 3, 6, 5), (4, 3, 3, 3), (1, 1), True),
    ("conv_5x5_same", (2, 2, 7, 9), (3, 2, 5, 5), (2, 2), False),
], weight_scale=0.3)

# batch norm followed by ReLU (the engine fuses them), training and eval.
for name, training in [("bn_relu_train", True), ("bn_relu_eval", False)]:
    x, w, b = leaf(4, 3, 5, 6, scale=2.0), leaf(3), leaf(3)
    running_mean, running_var = torch.randn(3) * 0.1, torch.rand(3) + 0.5
    initial_mean, initial_var = running_mean.clone(), running_var.clone()
    out = F.relu(F.batch_norm(x, running_mean, running_var, w, b, training=training, momentum=0.1, eps=1e-5))
    store(name, {"x": x, "weight": w, "bias": b}, out, {
        "running_mean_before": initial_mean, "running_var_before": initial_var,
        "running_mean_after": running_mean, "running_var_after": running_var})

# multi-head self-attention on timm's fused projection (B, N, 3·H·dₕ), 3 heads of 4, as the
# engine's one op: q, k, v split per head, scaled dot-product attention, heads side by side.
qkv = leaf(2, 7, 36)
q, k, v = qkv.reshape(2, 7, 3, 3, 4).permute(2, 0, 3, 1, 4)
store("self_attention", {"qkv": qkv}, F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(2, 7, 12))

# stride-1 same-size convolutions with channel counts in multiples of 8 on planes large enough
# for the engine's direct kernel (no column matrix), square and rectangular kernels.
store_stride1_convs([
    ("conv_3x3_direct", (3, 8, 12, 14), (16, 8, 3, 3), (1, 1), True),
    ("conv_5x3_direct", (2, 16, 10, 13), (8, 16, 5, 3), (2, 1), False),
], weight_scale=0.2)

# max pooling on planes wide enough for the engine's four-at-a-time windows, on small integers so
# that windows hold ties (the gradient goes to the first maximum in row-major order).
for name, xs, kernel, stride, padding in [
    ("max_pool_3x3_s2", (2, 3, 9, 21), (3, 3), (2, 2), (1, 1)),
    ("max_pool_3x2_rect", (1, 2, 8, 19), (3, 2), (2, 1), (1, 0)),
]:
    x = torch.randint(-3, 4, xs).double().requires_grad_()
    store(name, {"x": x}, F.max_pool2d(x, kernel, stride, padding))

# 3×3 same-size convolutions wide enough for the engine's Winograd F(2×2, 3×3) (at least 64
# channels, and 1,024 tiles × channels), on planes of odd sides (the last tiles half outside the
# plane) and even ones.
store_stride1_convs([
    ("conv_3x3_winograd_odd", (1, 64, 7, 9), (64, 64, 3, 3), (1, 1), True),
    ("conv_3x3_winograd_even", (1, 64, 8, 8), (64, 64, 3, 3), (1, 1), False),
], weight_scale=0.05)

# stride-2 convolutions on one or two input channels that need no gradient (the stem), which
# the engine computes by its direct kernel over the input's four phases; odd and even heights.
for name, xs, ws, padding, bias in [
    ("conv_7x7_phases", (3, 1, 10, 57), (8, 1, 7, 7), (3, 3), True),
    ("conv_5x5_phases", (2, 2, 9, 60), (16, 2, 5, 5), (2, 2), False),
]:
    x, w = torch.randn(*xs), leaf(*ws, scale=0.3)
    inputs = {"x": x, "weight": w} | ({"bias": leaf(ws[0])} if bias else {})
    store(name, inputs, F.conv2d(x, w, inputs.get("bias"), stride=2, padding=padding))

# self-attention again at a size that fills the engine's register tiles and packed panels (6 rows
# × 16 columns, 8 × 8 transposes) and leaves partial ones: 3 clips of 37 tokens, 3 heads of 20.
qkv = leaf(3, 37, 180)
q, k, v = qkv.reshape(3, 37, 3, 3, 20).permute(2, 0, 3, 1, 4)
store("self_attention_tiles", {"qkv": qkv}, F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(3, 37, 60))

here = os.path.dirname(os.path.abspath(__file__))
save_file({key: (value.float() if value.is_floating_point() else value).contiguous() for key, value in tensors.items()},
          os.path.join(here, "tensor_fixtures.safetensors"),
          metadata={"made_by": "make_fixtures.py", "torch": torch.__version__})
print(f"wrote {len(tensors)} tensors")
