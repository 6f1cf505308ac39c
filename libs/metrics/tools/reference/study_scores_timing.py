"""Wall-clock and CPU seconds of the study's seven reference scorers on the benchmark's inputs.

  npx vite-node src/bench/metrics.bench.ts c --metrics hscore,reg_hscore,leep,nleep,nce,gbc,logme --write-npy /tmp/bench
  git -C <mirror of VirtualSpaceman/transfer-estimation-medical> archive ffe4d42 transfer_metrics | tar -x -C /tmp/ref
  /usr/bin/python3 libs/metrics/tools/reference/study_scores_timing.py --npy /tmp/bench --case c --upstream /tmp/ref

--upstream is a folder holding the study's `transfer_metrics` package, unchanged (Debian numpy/scipy/scikit-learn/numba).
The scorers are called exactly as the study's calc_transf_metrics.py calls them. Prints one JSON line: median wall and
CPU seconds of --runs runs of all seven, the last run's seconds per score, the values and the peak RSS.
No upstream code here: it only imports the upstream functions.
"""
import argparse
import json
import resource
import sys
import time

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--npy', required=True)
    p.add_argument('--case', required=True)
    p.add_argument('--upstream', required=True)
    p.add_argument('--runs', type=int, default=3)
    a = p.parse_args()
    sys.path.insert(0, a.upstream)
    from transfer_metrics.gbc import bhattacharyya_coefficient
    from transfer_metrics.hscore import h_score, regularized_h_score
    from transfer_metrics.leep import gaussian_log_expected_empirical_prediction, log_expected_empirical_prediction
    from transfer_metrics.logme import log_maximum_evidence
    from transfer_metrics.nce import negative_conditional_entropy

    f = np.load(f'{a.npy}/{a.case}_features.npy')
    y = np.load(f'{a.npy}/{a.case}_labels.npy')
    pr = np.load(f'{a.npy}/{a.case}_predictions.npy')
    # numba compiles LogME's inner loop on first use: done on a tiny input, outside the timing.
    log_maximum_evidence(f[:50, :8].copy(), y[:50])
    scorers = [
        ('hscore', lambda: h_score(f, y)),
        ('reg_hscore', lambda: regularized_h_score(f, y)),
        ('leep', lambda: log_expected_empirical_prediction(pr, y)),
        ('nleep', lambda: gaussian_log_expected_empirical_prediction(f, y)),
        ('nce', lambda: negative_conditional_entropy(np.argmax(pr, axis=1), y)),
        ('gbc', lambda: bhattacharyya_coefficient(f, y)),
        ('logme', lambda: log_maximum_evidence(f, y)),
    ]
    walls, cpus = [], []
    seconds, values = {}, {}
    for _ in range(a.runs):
        w0, c0 = time.perf_counter(), time.process_time()
        for name, fn in scorers:
            s = time.perf_counter()
            values[name] = float(fn())
            seconds[name] = round(time.perf_counter() - s, 3)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    med = lambda xs: round(sorted(xs)[len(xs) // 2], 3)
    print(json.dumps({
        'case': a.case, 'medianSeconds': med(walls), 'runs': [round(t, 3) for t in walls], 'medianCpuSeconds': med(cpus),
        'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, 'secondsPerMetric': seconds, 'values': values,
    }))


if __name__ == '__main__':
    main()
