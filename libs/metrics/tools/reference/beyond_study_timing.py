"""Wall-clock seconds of the official implementations of the scores beyond the study, on the benchmark's inputs.

  npx vite-node src/bench/metrics.bench.ts a --metrics logme_fixed_point --write-npy /tmp/bench   # writes a_*.npy
  /usr/bin/python3 libs/metrics/tools/reference/beyond_study_timing.py --npy /tmp/bench --case a --upstream /tmp/ref

--upstream as for beyond_study_reference.py (thuml_LogME.py, sfda_metrics.py exported unchanged). Prints one JSON line:
median of --runs runs per implementation. No upstream code here: it only calls the upstream functions and scikit-learn.
"""
import argparse
import json
import os
import sys
import tempfile
import time
import types

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler


def timed(f, runs):
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return round(sorted(ts)[len(ts) // 2], 3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--npy', required=True)
    ap.add_argument('--case', required=True)
    ap.add_argument('--upstream', required=True)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--only', default='logme_fixed_point,leep_prob,nleep_prob,knn_loo,linear_probe_cv')
    a = ap.parse_args()
    sys.path.insert(0, a.upstream)
    sys.modules.setdefault('utils', types.SimpleNamespace(iterative_A=None))
    import sfda_metrics
    import thuml_LogME
    import torch

    x = np.load(os.path.join(a.npy, f'{a.case}_features.npy')).astype(np.float64)
    y = np.load(os.path.join(a.npy, f'{a.case}_labels.npy')).astype(np.int64)
    p = np.load(os.path.join(a.npy, f'{a.case}_predictions.npy')).astype(np.float64)
    out = {'case': a.case, 'N': x.shape[0], 'D': x.shape[1], 'C': int(y.max() + 1)}
    only = set(a.only.split(','))

    if 'logme_fixed_point' in only:
        out['logme_fixed_point'] = timed(lambda: thuml_LogME.LogME().fit(x, y), a.runs)
    if 'leep_prob' in only:
        # SFDA's LEEP() applies a 1000-class head itself: identity head on padded log-probabilities (as the fixtures).
        logits = np.full((x.shape[0], 1000), -700.0)
        logits[:, :p.shape[1]] = np.log(p)
        cwd = os.getcwd()
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, 'models/group1/checkpoints'))
            torch.save({'fc.weight': torch.eye(1000, dtype=torch.float64), 'fc.bias': torch.zeros(1000, dtype=torch.float64)},
                       os.path.join(tmp, 'models/group1/checkpoints/resnet50-19c8e357.pth'))
            os.chdir(tmp)
            try:
                out['leep_prob'] = timed(lambda: sfda_metrics.LEEP(logits, y, model_name='resnet50'), a.runs)
            finally:
                os.chdir(cwd)
    if 'nleep_prob' in only:
        def nleep():
            np.random.seed(42)
            sfda_metrics.NLEEP(x.copy(), y, component_ratio=5)
        out['nleep_prob'] = timed(nleep, a.runs)
    if 'knn_loo' in only:
        def knn():
            # Leave-one-out 1-NN the efficient scikit-learn way: 2 neighbours of every sample, drop itself.
            nn = KNeighborsClassifier(n_neighbors=1, algorithm='brute', metric='euclidean').fit(x, y)
            idx = nn.kneighbors(x, n_neighbors=2, return_distance=False)
            own = idx[:, 0] == np.arange(len(y))
            other = np.where(own, idx[:, 1], idx[:, 0])
            return np.mean(y[other] == y)
        out['knn_loo'] = timed(knn, a.runs)
    if 'linear_probe_cv' in only:
        def probe(tol, max_iter):
            correct = 0
            for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
                sc = StandardScaler().fit(x[train])
                clf = LogisticRegression(C=1.0, multi_class='multinomial', solver='lbfgs', tol=tol, max_iter=max_iter)
                clf.fit(sc.transform(x[train]), y[train])
                correct += int(np.sum(clf.predict(sc.transform(x[test])) == y[test]))
            return correct / len(y)
        out['linear_probe_cv_default_tol'] = timed(lambda: probe(1e-4, 1000), a.runs)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
