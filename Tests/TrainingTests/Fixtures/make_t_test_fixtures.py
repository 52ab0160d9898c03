"""Reference values for SpectroFold's corrected resampled t-test, corrected intervals and Holm adjustment.

References: SciPy (scipy.stats.t.sf for p, scipy.stats.t.ppf for the interval's critical value) and
statsmodels (multipletests(method="holm") for the Holm-Bonferroni adjustment). Run in a scratch venv:

    python3 -m venv /tmp/statsvenv && /tmp/statsvenv/bin/pip install scipy statsmodels numpy
    /tmp/statsvenv/bin/python Tests/TrainingTests/Fixtures/make_t_test_fixtures.py > Tests/TrainingTests/Fixtures/t_test.json

(last run with Python 3.11, SciPy 1.17.1, statsmodels 0.15.0, NumPy 2.4.6).

Formulas, over n = r * k paired jobs (r repeats x k folds), d_j = a_j - b_j:
    t = mean(d) / sqrt((1/n + test_train_ratio) * var(d, ddof=1)),  p = 2 * t.sf(|t|, n - 1)
    interval = mean(x) +- t.ppf((1 + level) / 2, n - 1) * sqrt((1/n + test_train_ratio) * var(x, ddof=1))
test_train_ratio is the mean over the jobs of test rows / (fit + selection rows); for r = 1 with test
fraction f it is f / (1 - f), which reproduces the old k-fold cases exactly.
"""
import json
import math

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests


def k_fold_ratio(rows, k, repeats):
    """Mean of test / (fit + selection) rows over repeats x k jobs when `rows` rows are cut into k folds
    whose sizes differ by at most one (every repeat reshuffles but keeps the sizes)."""
    sizes = [rows // k + (1 if i < rows % k else 0) for i in range(k)]
    ratios = [size / (rows - size) for size in sizes] * repeats
    return float(np.mean(ratios))


def t_case(a, b, ratio, repeats, folds, **extra):
    d = np.array(a) - np.array(b)
    n = len(d)
    assert n == repeats * folds
    t = d.mean() / np.sqrt((1 / n + ratio) * d.var(ddof=1))
    p = 2 * stats.t.sf(abs(t), n - 1)
    return {"a": a, "b": b, "repeats": repeats, "folds": folds, "test_train_ratio": ratio,
            "df": n - 1, "t": float(t), "p": float(p), **extra}


t_cases = []
# The old single-repeat k-fold cases (r = 1), with test_train_ratio = f / (1 - f).
for a, b, test_fraction in [
    ([0.91, 0.93, 0.90, 0.95, 0.92], [0.88, 0.90, 0.89, 0.91, 0.90], 0.2),
    ([0.70, 0.72, 0.69], [0.71, 0.70, 0.72], 1 / 3),
    ([0.5, 0.9, 0.6, 0.8, 0.7, 0.75, 0.66, 0.81, 0.59, 0.9], [0.55, 0.85, 0.6, 0.7, 0.72, 0.7, 0.6, 0.8, 0.6, 0.8], 0.1),
]:
    t_cases.append(t_case(a, b, test_fraction / (1 - test_fraction), 1, len(a), test_fraction=test_fraction))

# 3 repeats x 5 folds of 103 rows (folds of 21, 21, 21, 20, 20 rows).
t_cases.append(t_case(
    [0.874, 0.903, 0.861, 0.889, 0.912, 0.881, 0.895, 0.870, 0.902, 0.886, 0.899, 0.868, 0.884, 0.907, 0.879],
    [0.859, 0.897, 0.866, 0.871, 0.894, 0.880, 0.872, 0.861, 0.899, 0.870, 0.881, 0.870, 0.865, 0.889, 0.876],
    k_fold_ratio(103, 5, 3), 3, 5))
# 2 repeats x 3 folds of 50 rows (17, 17, 16): a difference that is not more than noise.
t_cases.append(t_case([0.62, 0.58, 0.66, 0.60, 0.64, 0.57], [0.60, 0.60, 0.63, 0.62, 0.62, 0.59],
                      k_fold_ratio(50, 3, 2), 2, 3))
# 10 repeats x 10 folds of 3000 rows (Bouckaert & Frank's recommended design), scores from fixed formulas.
j = np.arange(100)
t_cases.append(t_case([round(0.80 + 0.03 * math.sin(1.7 * i), 6) for i in j],
                      [round(0.795 + 0.025 * math.cos(1.1 * i + 0.3), 6) for i in j],
                      k_fold_ratio(3000, 10, 10), 10, 10))
# 3 x 5 with a large, steady difference: t in the far tail, p tiny (checked relatively).
t_cases.append(t_case(
    [0.95, 0.96, 0.94, 0.95, 0.97, 0.96, 0.95, 0.94, 0.96, 0.95, 0.97, 0.95, 0.96, 0.94, 0.95],
    [0.70, 0.71, 0.70, 0.69, 0.72, 0.71, 0.70, 0.70, 0.71, 0.69, 0.72, 0.70, 0.71, 0.70, 0.70],
    k_fold_ratio(103, 5, 3), 3, 5))

intervals = []
for scores, ratio, level in [
    ([0.81, 0.85], 1.0, 0.95),                                   # n = 2: 1 df, t = 12.7
    ([0.81, 0.85], 1.0, 0.999),                                  # 1 df far out: t = 636.6
    ([0.70, 0.72, 0.69], 0.5, 0.99),
    ([0.91, 0.93, 0.90, 0.95, 0.92], 0.25, 0.95),                # one repeat of 5 folds
    (t_cases[3]["a"], k_fold_ratio(103, 5, 3), 0.95),            # 3 x 5
    (t_cases[4]["a"], k_fold_ratio(50, 3, 2), 0.90),             # 2 x 3
    (t_cases[5]["a"], k_fold_ratio(3000, 10, 10), 0.95),         # 10 x 10
    ([1234.5, 1250.25, 1198.0, 1301.75, 1222.0, 1275.5], 0.2, 0.95),  # large-valued scores (e.g. a loss sum)
]:
    x = np.array(scores)
    n = len(x)
    half = stats.t.ppf((1 + level) / 2, n - 1) * np.sqrt((1 / n + ratio) * x.var(ddof=1))
    intervals.append({"scores": scores, "test_train_ratio": ratio, "level": level,
                      "low": float(x.mean() - half), "high": float(x.mean() + half)})

holm = []
for p in [
    [0.04],
    [0.01, 0.04, 0.03, 0.005],
    [0.001, 0.02, 0.021],                                        # the running max lifts the last one
    [0.02, 0.5, 0.02, 0.001],                                    # ties
    [0.3, 0.6, 0.9],                                             # clipped at 1
    [0.0, 1.0, 0.2, 0.012, 0.0004, 0.049],                       # six pairs of four models, with 0 and 1
    [0.0123456789, 0.0098765432, 0.0111111111, 0.25, 0.0031415926, 0.0271828182, 0.5, 0.75],
]:
    _, adjusted, _, _ = multipletests(p, alpha=0.05, method="holm")
    holm.append({"p": p, "adjusted": [float(v) for v in adjusted]})

print(json.dumps({"t_test": t_cases, "intervals": intervals, "holm": holm}, indent=1))
