"""Reference values for SpectroFold's corrected resampled t-test, from SciPy.

    python Tests/TrainingTests/Fixtures/make_t_test_fixtures.py > Tests/TrainingTests/Fixtures/t_test.json
"""
import json

import numpy as np
from scipy import stats

cases = []
for a, b, test_fraction in [
    ([0.91, 0.93, 0.90, 0.95, 0.92], [0.88, 0.90, 0.89, 0.91, 0.90], 0.2),
    ([0.70, 0.72, 0.69], [0.71, 0.70, 0.72], 1 / 3),
    ([0.5, 0.9, 0.6, 0.8, 0.7, 0.75, 0.66, 0.81, 0.59, 0.9], [0.55, 0.85, 0.6, 0.7, 0.72, 0.7, 0.6, 0.8, 0.6, 0.8], 0.1),
]:
    d = np.array(a) - np.array(b)
    k = len(d)
    t = d.mean() / np.sqrt((1 / k + test_fraction / (1 - test_fraction)) * d.var(ddof=1))
    p = 2 * stats.t.sf(abs(t), k - 1)
    cases.append({"a": a, "b": b, "test_fraction": test_fraction, "t": t, "p": p})
print(json.dumps(cases, indent=1))
