# reference-bootstrap.py — replays Carpalscope's bootstrap draws and computes the intervals anew
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Usage: python3 reference-bootstrap.py SCORES.csv SEED REPLICATES THRESHOLD

The bootstrap is documented to be reproducible from its seed: xoshiro256** seeded through
splitmix64 with one stream per (level, model, kind), stratified draws of items (or, for the
cluster bootstrap, of hands) in index order, and percentile intervals of R's type 7. This script
implements that description independently of the C code, computes each replicate's metrics with
NumPy and the quantiles with numpy.quantile (whose default is type 7), and prints

    ci LEVEL MODEL METRIC low high          (stratified bootstrap)
    ci_cluster image MODEL METRIC low high  (hands resampled; METRIC includes auc)

with "nan nan" where every replicate was undefined. Exit status 3 without NumPy.
"""
import csv
import sys

try:
    import numpy as np
except ImportError:
    sys.exit(3)

MASK = (1 << 64) - 1
METRICS = ("accuracy", "precision", "recall", "specificity", "f1")


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Rng:
    def __init__(self, seed, stream):
        state, mixed = splitmix64(seed)
        state = mixed ^ ((stream * 0xD1B54A32D192ED03) & MASK)
        self.s = []
        for _ in range(4):
            state, value = splitmix64(state)
            self.s.append(value)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n):
        threshold = ((1 << 64) - n) % n
        while True:
            r = self.next()
            if r >= threshold:
                return r % n


def metrics(tp, fp, tn, fn):
    def ratio(a, b):
        return a / b if b else float("nan")
    return [ratio(tp + tn, tp + tn + fp + fn), ratio(tp, tp + fp), ratio(tp, tp + fn),
            ratio(tn, tn + fp), ratio(2 * tp, 2 * tp + fp + fn)]


def weighted_auc(p, y, w):
    cases, controls = y == 1, y == 0
    x, wx = p[cases], w[cases]
    z, wz = p[controls], w[controls]
    greater = (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])
    total = wx.sum() * wz.sum()
    return float(wx @ greater @ wz / total) if total > 0 else float("nan")


def interval(values):
    values = np.array([v for v in values if v == v])
    if values.size == 0:
        return "nan", "nan"
    low, high = np.quantile(values, [0.025, 0.975])
    return repr(float(low)), repr(float(high))


def bootstrap(p, y, cluster, n_clusters, threshold, seed, stream, replicates, with_auc):
    called = p >= threshold
    label = {}
    for c, t in zip(cluster, y):
        label[c] = t
    case_clusters = [c for c in range(n_clusters) if label.get(c) == 1]
    control_clusters = [c for c in range(n_clusters) if label.get(c) == 0]
    rng = Rng(seed, stream)
    rows = []
    for _ in range(replicates):
        weight = np.zeros(n_clusters)
        for _ in case_clusters:
            weight[case_clusters[rng.below(len(case_clusters))]] += 1
        for _ in control_clusters:
            weight[control_clusters[rng.below(len(control_clusters))]] += 1
        w = weight[cluster]
        tp = int(w[(y == 1) & called].sum())
        fn = int(w[(y == 1) & ~called].sum())
        fp = int(w[(y == 0) & called].sum())
        tn = int(w[(y == 0) & ~called].sum())
        row = metrics(tp, fp, tn, fn)
        if with_auc:
            row.append(weighted_auc(p, y, w))
        rows.append(row)
    return [interval([r[k] for r in rows]) for k in range(len(rows[0]))]


def main():
    path, seed = sys.argv[1], int(sys.argv[2])
    replicates, threshold = int(sys.argv[3]), float(sys.argv[4])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    models = list(dict.fromkeys(r["model"] for r in rows))
    hands = list(dict.fromkeys(r["hand"] for r in rows))
    index = {h: i for i, h in enumerate(hands)}
    label = {r["hand"]: 1 if r["label"] in ("cts", "1") else 0 for r in rows}

    for m, model in enumerate(models):
        mine = sorted((r for r in rows if r["model"] == model),
                      key=lambda r: (index[r["hand"]], int(r["frame"])))
        p = np.array([float(r["p_cts"]) for r in mine])
        y = np.array([label[r["hand"]] for r in mine])
        hand = np.array([index[r["hand"]] for r in mine])
        stream = m << 2
        items = np.arange(len(p))
        for k, (low, high) in enumerate(bootstrap(p, y, items, len(p), threshold, seed, stream,
                                                  replicates, False)):
            print("ci image", model, METRICS[k], low, high)
        for k, (low, high) in enumerate(bootstrap(p, y, hand, len(hands), threshold, seed,
                                                  stream | 1, replicates, True)):
            print("ci_cluster image", model, (METRICS + ("auc",))[k], low, high)

        sums, counts = {}, {}
        for r in mine:
            i = index[r["hand"]]
            sums[i] = sums.get(i, 0.0) + float(r["p_cts"])
            counts[i] = counts.get(i, 0) + 1
        order = sorted(sums)
        hp = np.array([sums[i] / counts[i] for i in order])
        hy = np.array([label[hands[i]] for i in order])
        for k, (low, high) in enumerate(bootstrap(hp, hy, np.arange(len(hp)), len(hp), threshold,
                                                  seed, (1 << 32) | stream, replicates, False)):
            print("ci hand", model, METRICS[k], low, high)


if __name__ == "__main__":
    main()
