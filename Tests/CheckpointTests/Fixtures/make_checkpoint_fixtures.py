"""Checkpoint files for CheckpointTests: real torch.save output, safetensors, and hostile files.

Run with a Python that has torch and safetensors (torch is not a project dependency):
    python Tests/CheckpointTests/Fixtures/make_checkpoint_fixtures.py
Writes beside this file (each a few KiB):

Made by torch.save (torch >= 2):
  state_dict.pt           a module's state dict (OrderedDict with _metadata, a LongStorage
                          num_batches_tracked scalar) plus F32, F16, BF16, F64, I64, I32 and bool
                          tensors, an empty tensor, and views of one shared storage: the whole
                          tensor, a row, its transpose, a slice with an offset, a column, a
                          strided slice and a 0-dim element.
  training.pt             {"model": state dict, "optimizer": Adam state (nested tensors), "epoch": 3}
  data_parallel.pt        nn.DataParallel(module).state_dict(): every key starts with "module."
  parameters.pt           {"weight": nn.Parameter, "bias": nn.Parameter} (_rebuild_parameter)
  complex.pt              a ComplexFloat tensor (unsupported dtype)
  no_state_dict.pt        {"epoch": 3, "lr": 0.1, "name": "run-7"}: no tensors
  nested_elsewhere.pt     {"encoder": state dict, "epoch": 3}: tensors under an unknown key
  whole_module.pt         a pickled nn.Linear (not its state dict): needs torch's classes
Made by safetensors.torch:
  state_dict.safetensors  the tensors of state_dict.pt, each made contiguous
  hf_model/               model.safetensors and config.json, the Hugging Face layout
Expected values:
  expected.safetensors    "<fixture>/<key>" -> the tensor as torch converts it: .float() for
                          floating-point dtypes (F32), .long() for integers and bools (I64)
Hostile, made with pickle and zipfile (never with torch.save):
  posix_system.pt         data.pkl calls os.system (pickled as posix.system) to create
                          /tmp/spectrofold-checkpoint-payload-ran, under a "model" key
  posix_system_protocol4.pt  the same with protocol 4 (STACK_GLOBAL, FRAME, MEMOIZE)
  view_past_end.pt        a tensor of size (3,) at offset 2 of a 4-element storage
  broadcast_bomb.pt       a view of 2**40 elements with stride 0 over a 4-element storage
  missing_storage.pt      a tensor whose storage entry data/0 is absent
  storage_size_lie.pt     a persistent id claiming 8 elements for a 16-byte storage entry
  big_endian.pt           a valid state dict whose byteorder entry says "big"
  compressed.pt           state_dict.pt re-zipped with deflate
  truncated.pt            the first half of state_dict.pt
  garbage.pt              256 seeded random bytes
"""
import collections
import io
import json
import os
import pickle
import random
import zipfile

import torch
import torch.nn as nn
from safetensors.torch import save_file

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(7)
expected = {}
PAYLOAD_MARKER = "/tmp/spectrofold-checkpoint-payload-ran"


def path(name):
    return os.path.join(here, name)


def expect(fixture, tensors):
    for key, value in tensors.items():
        value = value.detach()
        converted = value.float() if value.is_floating_point() else value.long()
        expected[f"{fixture}/{key}"] = converted.contiguous().clone()


def small_module():
    module = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    module(torch.randn(4, 3))  # updates the running statistics and num_batches_tracked
    return module


# --- Real torch.save output -------------------------------------------------------------------

base = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 1
state = small_module().state_dict()
state.update({
    "f32": torch.randn(2, 3),
    "f16": torch.tensor([0.0, -0.0, 6e-8, 1.5, 65504.0, float("inf"), -3.25], dtype=torch.float16),
    "bf16": torch.tensor([1.0, -2.5, 3.0e38, 1e-39], dtype=torch.bfloat16),
    "f64": torch.tensor([1.0 / 3.0, -1e-300, 2.5], dtype=torch.float64),
    "i64": torch.tensor([[0, -1], [2**40, -(2**62)]], dtype=torch.int64),
    "i32": torch.tensor([7, -8, 2**31 - 1], dtype=torch.int32),
    "mask": torch.tensor([True, False, True]),
    "empty": torch.zeros(0, 3),
    "shared.full": base,
    "shared.row": base[1],
    "shared.transposed": base.t(),
    "shared.slice": base[1:, 1:3],
    "shared.column": base[:, 2],
    "shared.strided": base[::2, ::3],
    "shared.element": base[2, 3],
})
assert state["shared.slice"].storage_offset() == 5 and not state["shared.transposed"].is_contiguous()
torch.save(state, path("state_dict.pt"))
expect("state_dict", state)

model = small_module()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
model(torch.randn(4, 3)).sum().backward()
optimizer.step()
torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, path("training.pt"))
expect("training", model.state_dict())

parallel = nn.DataParallel(small_module())
assert all(key.startswith("module.") for key in parallel.state_dict())
torch.save(parallel.state_dict(), path("data_parallel.pt"))
expect("data_parallel", {key[len("module."):]: value for key, value in parallel.state_dict().items()})

parameters = {"weight": nn.Parameter(torch.randn(2, 2)), "bias": nn.Parameter(torch.randn(2), requires_grad=False)}
torch.save(parameters, path("parameters.pt"))
expect("parameters", parameters)

torch.save({"c": torch.tensor([1 + 2j, 3 - 4j], dtype=torch.complex64)}, path("complex.pt"))
torch.save({"epoch": 3, "lr": 0.1, "name": "run-7"}, path("no_state_dict.pt"))
torch.save(nn.Linear(2, 1), path("whole_module.pt"))
torch.save({"encoder": small_module().state_dict(), "epoch": 3}, path("nested_elsewhere.pt"))

# --- safetensors ----------------------------------------------------------------------------

save_file({key: value.contiguous().clone() for key, value in state.items()}, path("state_dict.safetensors"))
os.makedirs(path("hf_model"), exist_ok=True)
hf_tensors = {"embeddings.weight": torch.randn(4, 3).to(torch.bfloat16), "classifier.bias": torch.randn(2).half()}
save_file(hf_tensors, path("hf_model/model.safetensors"), metadata={"format": "pt"})
with open(path("hf_model/config.json"), "w") as config:
    json.dump({"model_type": "audio-spectrogram-transformer", "hidden_size": 3, "num_labels": 2}, config, indent=2)
expect("hf_model", hf_tensors)

save_file(expected, path("expected.safetensors"))

# --- Hostile files ----------------------------------------------------------------------------


class Payload:
    """Pickles as a call of os.system: loading it with pickle.load would run the command."""

    def __reduce__(self):
        return os.system, (f"touch {PAYLOAD_MARKER}",)


class Storage:
    """A storage written as torch's persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)."""

    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class TensorView:
    """Pickles as torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


class StoragePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel)
        return None


def entry(name):
    """A ZIP entry with a fixed timestamp, so that the fixtures are the same on every run."""
    return zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))


def write_archive(name, obj, storages=None, byteorder="little", protocol=2):
    """A torch.save-like ZIP (stored entries) holding `obj` pickled as <stem>/data.pkl."""
    stem = os.path.splitext(name)[0]
    buffer = io.BytesIO()
    StoragePickler(buffer, protocol=protocol).dump(obj)
    with zipfile.ZipFile(path(name), "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(entry(f"{stem}/data.pkl"), buffer.getvalue())
        archive.writestr(entry(f"{stem}/byteorder"), byteorder)
        for key, data in (storages or {}).items():
            archive.writestr(entry(f"{stem}/data/{key}"), data)
        archive.writestr(entry(f"{stem}/version"), "3\n")


write_archive("posix_system.pt", {"model": Payload(), "epoch": 1})
write_archive("posix_system_protocol4.pt", {"model": Payload()}, protocol=4)
four_floats = torch.arange(4, dtype=torch.float32).numpy().tobytes()
write_archive("view_past_end.pt", {"w": TensorView(Storage("0", 4), 2, (3,), (1,))}, {"0": four_floats})
write_archive("broadcast_bomb.pt", {"w": TensorView(Storage("0", 4), 0, (1 << 40,), (0,))}, {"0": four_floats})
write_archive("missing_storage.pt", {"w": TensorView(Storage("0", 4), 0, (4,), (1,))})
write_archive("storage_size_lie.pt", {"w": TensorView(Storage("0", 8), 0, (4,), (1,))}, {"0": four_floats})
write_archive("big_endian.pt", {"w": TensorView(Storage("0", 4), 0, (4,), (1,))}, {"0": four_floats}, byteorder="big")

with zipfile.ZipFile(path("state_dict.pt")) as source, \
        zipfile.ZipFile(path("compressed.pt"), "w", compression=zipfile.ZIP_DEFLATED) as target:
    for info in source.infolist():
        target.writestr(entry(info.filename.replace("state_dict/", "compressed/", 1)), source.read(info),
                        compress_type=zipfile.ZIP_DEFLATED)

with open(path("state_dict.pt"), "rb") as whole:
    data = whole.read()
with open(path("truncated.pt"), "wb") as truncated:
    truncated.write(data[: len(data) // 2])

with open(path("garbage.pt"), "wb") as garbage:
    noise = random.Random(11).randbytes(256)
    assert not noise.startswith(b"PK")
    garbage.write(noise)
