"""16-bit and other non-F32 dtypes written by Python's safetensors, for SafeTensorsTests.

Run with a Python that has numpy, safetensors and torch (torch only for bfloat16, which numpy
lacks; torch is not a project dependency):
    python Tests/SafeTensorsTests/Fixtures/make_half_fixtures.py
Writes beside this file:
  half_numpy.safetensors  (safetensors.numpy) F16 `half` with special values (signed zeros,
      smallest and largest subnormal, smallest normal, largest finite, infinities, NaNs) and
      random finite values; F64 `double`; I16 `short`; I8 `byte`; and for each NAME the value
      numpy converts it to, `NAME.expected` (F32 for the floats, I64 for the integers).
  bfloat16_torch.safetensors  (safetensors.torch) BF16 `bfloat16` and its float32 value
      `bfloat16.expected`.
"""
import os

import numpy as np
import torch
from safetensors.numpy import save_file as save_numpy
from safetensors.torch import save_file as save_torch

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240611)

# Half values by bit pattern: ±0, smallest/largest subnormal, smallest normal, 1, largest
# finite, ±infinity, a quiet NaN, a NaN with a payload, a negative NaN; then random finite bits.
special = np.array([0x0000, 0x8000, 0x0001, 0x03ff, 0x8001, 0x0400, 0x3c00, 0xc000, 0x7bff, 0xfbff,
                    0x7c00, 0xfc00, 0x7e00, 0x7d23, 0xfe01], dtype=np.uint16)
random_bits = rng.integers(0, 0x10000, size=200, dtype=np.uint16)
random_bits = random_bits[(random_bits & 0x7c00) != 0x7c00]  # finite only
half = np.concatenate([special, random_bits]).view(np.float16)

double = np.array([0.0, -0.0, 1.0 / 3.0, 1e-40, 3.4028235677973366e38, -2.5, 1e300, np.inf], dtype=np.float64)
short = np.array([0, 1, -1, 32767, -32768, 1234], dtype=np.int16).reshape(2, 3)
byte = np.array([0, 127, -128, -5], dtype=np.int8)

with np.errstate(over="ignore"):  # 1e300 becomes float32 infinity, as intended
    double_as_float32 = double.astype(np.float32)
save_numpy({
    "half": half,
    "half.expected": half.astype(np.float32),
    "double": double,
    "double.expected": double_as_float32,
    "short": short,
    "short.expected": short.astype(np.int64),
    "byte": byte,
    "byte.expected": byte.astype(np.int64),
}, os.path.join(here, "half_numpy.safetensors"))

# bfloat16: a float32 whose lower 16 bits are zero is exactly a bfloat16.
bf_bits = np.concatenate([
    np.array([0x0000, 0x8000, 0x0001, 0x007f, 0x0080, 0x3f80, 0xc020, 0x7f7f, 0x7f80, 0xff80, 0x7fc0, 0x7f81],
             dtype=np.uint16),
    rng.integers(0, 0x7f80, size=100, dtype=np.uint16),
])
as_float32 = (bf_bits.astype(np.uint32) << 16).view(np.float32)
bfloat16 = torch.from_numpy(as_float32.copy()).to(torch.bfloat16)
save_torch({
    "bfloat16": bfloat16,
    "bfloat16.expected": bfloat16.to(torch.float32),
}, os.path.join(here, "bfloat16_torch.safetensors"))
