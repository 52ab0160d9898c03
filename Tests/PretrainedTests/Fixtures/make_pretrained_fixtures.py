"""Writes the reference checkpoints and expected logits of Tests/PretrainedTests.

Each case is a checkpoint in a source's own layout, made with that source's code at small widths
(so that the files fit in the repository), then adapted the way the source's users adapt it —
written here with torch from the AST paper's and timm's descriptions — and run through the PyTorch
reference of the target model (Tests/NNTests/Reference/reference_models.py). Stored per case:

    <case>.safetensors / <case>.pth     the checkpoint (torch.save of the same state dict)
    <case>-expected.safetensors         x (2, 1, 128, T) [metadata (2, 6)], logits (2, C), and the
                                        values of the target tensors the checkpoint does not give
                                        (they start fresh; the Swift test copies them in)

Run with a Python that has torch, torchvision, timm and transformers:

    python Tests/PretrainedTests/Fixtures/make_pretrained_fixtures.py

`--full DIR` writes the same cases at the sources' real sizes into DIR instead (torchvision's
resnet18, timm's deit_tiny_distilled_patch16_224 and vit_tiny_patch16_224, AST base in AudioSet's
layout, Hugging Face's default ASTConfig; random weights, as the real ones cannot be downloaded
here), against the standard and base presets: `PretrainedImportTests.testFullSizeReferenceLayouts`
runs it when SPECTROFOLD_TORCH_PYTHON names such a Python.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
import torchvision
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "NNTests", "Reference"))
import reference_models  # noqa: E402

CLASSES, METADATA = 5, 6
FULL = "--full" in sys.argv
OUT = sys.argv[sys.argv.index("--full") + 1] if FULL else HERE
# The mini preset's widths in the repository's fixtures; the sources' own sizes with --full.
CNN_PRESET, CNN_WIDTH, AST_PRESET = ("standard", 64, "standard") if FULL else ("mini", 16, "mini")


def save_checkpoint(name, state, wrap=None):
    state = {k: v.contiguous().clone() for k, v in state.items()}
    save_file(state, os.path.join(OUT, f"{name}.safetensors"))
    torch.save(wrap(state) if wrap else state, os.path.join(OUT, f"{name}.pth"))


def narrow_torchvision_resnet18(width):
    """torchvision's resnet18, its channels cut to `width` at the stem (the layout and the 3-channel
    conv1 and 1000-class fc kept): the mini preset's widths."""
    full = torchvision.models.resnet18(num_classes=1000).state_dict()
    ratio = 64 // width
    state = {}
    for key, value in full.items():
        if value.ndim == 0:
            state[key] = value
        elif key == "conv1.weight":
            state[key] = value[: 64 // ratio]
        elif key == "fc.weight":
            state[key] = value[:, : value.shape[1] // ratio]
        elif key == "fc.bias":
            state[key] = value
        elif value.ndim == 4:
            state[key] = value[: value.shape[0] // ratio, : value.shape[1] // ratio]
        else:
            state[key] = value[: value.shape[0] // ratio]
    for key, value in state.items():  # fresh values, so that running statistics are not trivial
        # At full width torchvision's own initialisation stays for the convolutions and fc (0.1-scaled
        # noise through 64-512 channels would blow the logits up past float32's resolution).
        if FULL and value.ndim in (2, 4):
            continue
        if value.is_floating_point():
            state[key] = torch.randn_like(value) * 0.1 + (1.0 if key.endswith(("running_var", "bn1.weight", "bn2.weight")) else 0.0)
            if key.endswith("running_var"):
                state[key] = state[key].abs() + 0.5
    return state


def fit_grid(grid, rows, columns):
    """AST's rule for a position grid (1, d, R, C): time (columns) first, then frequency (rows),
    a centre cut where the new axis is not longer, bilinear (align_corners=False) where it is."""
    _, _, r, c = grid.shape
    if columns <= c:
        start = c // 2 - columns // 2
        grid = grid[:, :, :, start:start + columns]
    else:
        grid = F.interpolate(grid, size=(r, columns), mode="bilinear")
    if rows <= r:
        start = r // 2 - rows // 2
        grid = grid[:, :, start:start + rows, :]
    else:
        grid = F.interpolate(grid, size=(rows, columns), mode="bilinear")
    return grid


def adapted_positions(pos, tokens, source_grid, target):
    d = pos.shape[-1]
    heads = pos[:, :tokens]
    if tokens == 1:
        heads = torch.cat([heads, heads], dim=1)
    grid = pos[:, tokens:].transpose(1, 2).reshape(1, d, *source_grid)
    rows, columns = target.patch_grid
    grid = fit_grid(grid, rows, columns).reshape(1, d, rows * columns).transpose(1, 2)
    return torch.cat([heads, grid], dim=1)


def run(case, model, adapted, frames, with_metadata=False):
    """Loads `adapted` into `model` (fresh tensors keep the model's own initialisation), stores
    the input, the logits and the fresh tensors."""
    own = model.state_dict()
    fresh = {k: v for k, v in own.items() if k not in adapted or adapted[k].shape != v.shape}
    model.load_state_dict({**own, **{k: v for k, v in adapted.items() if k not in fresh}}, strict=True)
    model.eval()
    torch.manual_seed(1)
    x = torch.randn(2, 1, 128, frames)
    metadata = torch.randn(2, METADATA)
    with torch.no_grad():
        logits = model(x, metadata) if with_metadata else model(x)
    expected = {"x": x, "logits": logits, **{f"fresh.{k}": v.float() for k, v in fresh.items()}}
    if with_metadata:
        expected["metadata"] = metadata
    save_file({k: v.contiguous() for k, v in expected.items()}, os.path.join(OUT, f"{case}-expected.safetensors"))
    print(f"{case}: {len(adapted)} tensors mapped, {len(fresh)} fresh, |logits| max {logits.abs().max():.3f}")


def resnet_cases():
    state = narrow_torchvision_resnet18(CNN_WIDTH)
    case = f"torchvision-resnet18-w{CNN_WIDTH}"
    save_checkpoint(case, state, wrap=lambda s: s)
    conv1 = state["conv1.weight"].sum(dim=1, keepdim=True)
    adapted = {**state, "conv1.weight": conv1}
    for name in ("baseline_cnn", "cnn_attention"):
        torch.manual_seed(5)
        run(f"{case}-{name}", reference_models.build(name, CNN_PRESET, CLASSES, 100), adapted, 100)
    torch.manual_seed(5)
    model = reference_models.build("cnn_mlp", CNN_PRESET, CLASSES, 100, METADATA)
    run(f"{case}-cnn_mlp", model, {"backbone." + k: v for k, v in adapted.items() if not k.startswith("fc.")},
        100, with_metadata=True)


def vit_cases():
    import timm.models.deit as deit
    import timm.models.vision_transformer as vit
    # deit_tiny_distilled_patch16_224 and vit_tiny_patch16_224 with --full (d 192, 12 blocks, 3 heads).
    dim, depth, heads = (192, 12, 3) if FULL else (64, 4, 4)
    torch.manual_seed(2)
    distilled = deit.VisionTransformerDistilled(img_size=224, patch_size=16, embed_dim=dim, depth=depth, num_heads=heads, num_classes=1000)
    torch.manual_seed(3)
    plain = vit.VisionTransformer(img_size=224, patch_size=16, embed_dim=dim, depth=depth, num_heads=heads, num_classes=1000)
    for case, model, tokens, frames in ((f"timm-deit-distilled-d{dim}", distilled, 2, 100), (f"timm-vit-d{dim}", plain, 1, 200)):
        state = {k: v.detach() for k, v in model.state_dict().items()}
        save_checkpoint(case, state, wrap=lambda s: {"model": s})
        torch.manual_seed(5)
        target = reference_models.build("ast", AST_PRESET, CLASSES, frames)
        adapted = {"v." + k: v for k, v in state.items() if not k.startswith("head") and k != "pos_embed"}
        adapted["v.patch_embed.proj.weight"] = state["patch_embed.proj.weight"].sum(dim=1, keepdim=True)
        if tokens == 1:
            adapted["v.dist_token"] = state["cls_token"]
        adapted["v.pos_embed"] = adapted_positions(state["pos_embed"], tokens, (14, 14), target)
        run(f"{case}-ast", target, adapted, frames)


def ast_audioset_cases():
    preset, dim = ("base", 768) if FULL else ("mini", 64)
    torch.manual_seed(4)
    source = reference_models.build("ast", preset, 527, 1024)
    state = {k: v.detach() for k, v in source.state_dict().items()}
    save_checkpoint(f"ast-audioset-layout-d{dim}", {"module." + k: v for k, v in state.items()})
    for frames in (100, 1200):
        torch.manual_seed(5)
        target = reference_models.build("ast", preset, CLASSES, frames)
        adapted = {k: v for k, v in state.items() if k != "v.pos_embed"}
        adapted["v.pos_embed"] = adapted_positions(state["v.pos_embed"], 2, (12, 101), target)
        run(f"ast-audioset-layout-d{dim}-{frames}", target, adapted, frames)


def hugging_face_case():
    from transformers import ASTConfig, ASTForAudioClassification
    torch.manual_seed(6)
    if FULL:  # transformers' defaults: the MIT/ast-finetuned-audioset-10-10-0.4593 architecture, except
        # layer_norm_eps: MIT's config says 1e-12, our layer norms use timm's 1e-6 (the import does not
        # carry eps over; on AST base that moves the logits by up to 6e-3)
        config, frames, case = ASTConfig(num_labels=CLASSES, layer_norm_eps=1e-6), 1024, "hf-ast-d768"
    else:
        config = ASTConfig(hidden_size=64, num_hidden_layers=4, num_attention_heads=4, intermediate_size=256, num_mel_bins=128,
                           max_length=100, frequency_stride=10, time_stride=10, num_labels=CLASSES, layer_norm_eps=1e-6)
        frames, case = 100, "hf-ast-d64"
    model = ASTForAudioClassification(config).eval()
    model.save_pretrained(os.path.join(OUT, case), safe_serialization=True)
    torch.manual_seed(1)
    x = torch.randn(2, 1, 128, frames)
    with torch.no_grad():
        logits = model(input_values=x[:, 0].transpose(1, 2)).logits
    save_file({"x": x, "logits": logits}, os.path.join(OUT, f"{case}-expected.safetensors"))
    print(f"{case}: config {json.dumps({k: getattr(config, k) for k in ('hidden_size', 'num_hidden_layers', 'max_length')})}")


if __name__ == "__main__":
    resnet_cases()
    vit_cases()
    ast_audioset_cases()
    hugging_face_case()
