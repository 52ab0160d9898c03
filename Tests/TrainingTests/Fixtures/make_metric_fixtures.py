"""Reference classification metrics from scikit-learn for SpectroFold's Training tests.

Run with any Python that has scikit-learn and numpy (neither is a project dependency):
    python Tests/TrainingTests/Fixtures/make_metric_fixtures.py
Writes metric_fixtures.json beside this file: for each case the class count C, labels and
predictions in 0..<C, and scikit-learn's accuracy, macro and weighted precision / recall / F1,
per-class precision / recall / F1 / support and confusion matrix, all with labels=range(C) and
zero_division=0. Doubles are written with repr precision (they read back exactly).
"""
import json
import os

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

rng = np.random.default_rng(5)


def noisy(n, classes, right, label_classes=None):
    """n labels drawn from label_classes (default all), each predicted right with probability `right`."""
    labels = rng.choice(label_classes if label_classes is not None else classes, size=n)
    wrong = rng.integers(0, classes, size=n)
    predictions = np.where(rng.random(n) < right, labels, wrong)
    return labels.tolist(), predictions.tolist()


def case(name, classes, labels, predictions):
    kw = dict(labels=list(range(classes)), zero_division=0)
    p, r, f, s = precision_recall_fscore_support(labels, predictions, average=None, **kw)
    out = {"name": name, "classes": classes, "labels": labels, "predictions": predictions,
           "accuracy": float(accuracy_score(labels, predictions)),
           "per_class": {"precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist()},
           "confusion_matrix": confusion_matrix(labels, predictions, labels=list(range(classes))).tolist()}
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(labels, predictions, average=average, **kw)
        out[average] = {"precision": float(p), "recall": float(r), "f1": float(f)}
    return out


cases = [
    # class 4 neither occurs nor is predicted
    case("class_absent_everywhere", 5, *noisy(40, 4, 0.6)),
    # class 2 occurs but is never predicted
    case("class_never_predicted", 4, [0, 1, 2, 2, 3, 0, 1, 2, 3, 3], [0, 1, 0, 1, 3, 0, 1, 3, 3, 0]),
    # class 3 is predicted but never occurs
    case("class_never_present", 4, [0, 0, 1, 1, 2, 2, 2, 0], [0, 3, 1, 3, 2, 2, 3, 1]),
    # class 1 never occurs, class 3 never predicted, class 4 neither
    case("absent_and_never_predicted", 5, [0, 0, 2, 3, 3, 2, 0], [0, 1, 2, 2, 0, 1, 1]),
    case("perfect", 4, [0, 1, 2, 3, 3, 2, 1, 0, 0], [0, 1, 2, 3, 3, 2, 1, 0, 0]),
    case("perfect_with_absent_class", 4, [0, 2, 2, 1, 0], [0, 2, 2, 1, 0]),
    case("all_wrong", 3, [0, 1, 2, 0, 1, 2], [1, 2, 0, 2, 0, 1]),
    case("all_one_class_predicted", 3, [0, 1, 2, 2, 1], [2, 2, 2, 2, 2]),
    case("single_sample", 3, [1], [1]),
    case("binary", 2, *noisy(25, 2, 0.7)),
    case("ten_classes_large", 10, *noisy(500, 10, 0.55)),
    case("twelve_classes_three_absent", 12, *noisy(300, 12, 0.5, label_classes=list(range(9)))),
]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metric_fixtures.json")
with open(path, "w") as f:
    json.dump({"cases": cases}, f, indent=1, allow_nan=False)
    f.write("\n")
print(f"wrote {path}")
