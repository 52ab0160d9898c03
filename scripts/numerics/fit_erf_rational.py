#!/usr/bin/env python3
"""Derives the coefficients of vk_erf (Sources/VectorKernels/include/VectorKernels.h).

erf(x) ≈ x·P(x²)/Q(x²) on [0, 3.9] (odd, so it holds on [−3.9, 0] too; beyond, erf rounds to ±1
in float32), with P of degree 6, Q of degree 4 and Q(0) = 1: a division and ten multiply-adds,
no exponential. Fitted in float64 by linearised least squares with Lawson's reweighting towards
the smallest maximum relative error, then checked in float32 as the kernel evaluates it (Horner).

    python3 scripts/numerics/fit_erf_rational.py

prints the coefficients and the float64 and float32 maximum errors against SciPy's erf.
"""
import numpy as np
from scipy.special import erf

P_DEGREE, Q_DEGREE, LIMIT = 6, 4, 3.9


def fit():
    x = np.linspace(1e-4, LIMIT, 20000)
    t, f = x * x, erf(x)
    weights, q_previous = np.ones_like(x), np.ones_like(x)
    for _ in range(60):
        # x·P(t) − f·(Q(t) − 1) = f, relative to f and scaled by the last Q (Loeb's linearisation)
        columns = [x * t**i for i in range(P_DEGREE + 1)] + [-f * t**j for j in range(1, Q_DEGREE + 1)]
        scale = weights / (q_previous * f)
        solution, *_ = np.linalg.lstsq(np.stack(columns, 1) * scale[:, None], f * scale, rcond=None)
        p, q = solution[: P_DEGREE + 1], np.concatenate([[1.0], solution[P_DEGREE + 1 :]])
        q_previous = np.polyval(q[::-1], t)
        error = (x * np.polyval(p[::-1], t) / q_previous - f) / f
        weights *= np.abs(error) ** 0.5
        weights /= weights.mean()
    return p, q, np.abs(error).max()


def float32_error(p, q):
    x = np.linspace(0, 6, 600001).astype(np.float32)
    c = np.minimum(x, np.float32(LIMIT))
    t = c * c
    pv, qv = np.float32(p[-1]), np.float32(q[-1])
    for coefficient in p[-2::-1]:
        pv = pv * t + np.float32(coefficient)
    for coefficient in q[-2::-1]:
        qv = qv * t + np.float32(coefficient)
    return np.abs(c * pv / qv - erf(x.astype(np.float64))).max()


if __name__ == "__main__":
    p, q, relative = fit()
    print(f"max relative error, float64: {relative:.3g}; max absolute error, float32: {float32_error(p, q):.3g}")
    for name, coefficients in (("P", p), ("Q", q)):
        print(f"{name}:", ", ".join(np.format_float_scientific(np.float32(v), unique=True) + "f" for v in coefficients))
