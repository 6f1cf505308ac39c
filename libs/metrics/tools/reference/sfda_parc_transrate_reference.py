#!/usr/bin/env python3
"""Reference values and timings for sfda, parc and transrate from the authors' own implementations.

This driver contains no upstream code: it imports the official modules from checkouts outside the repository
(`--sfda`, `--parc`, `--transrate`: directories holding the extracted repositories) and calls them on our inputs.

  fixtures:  sfda_parc_transrate_reference.py fixtures --golden ../shared/golden/metrics \
               --out libs/metrics/src/scores/__tests__/fixtures --sfda DIR --parc DIR --transrate DIR
  timing:    sfda_parc_transrate_reference.py time --npy DIR --case a --sfda DIR --parc DIR --transrate DIR

What is called (each the official default):
  sfda       TencentARC/SFDA metrics.SFDA_Score(X, y) (adaptive shrinkage, ConfMix self-challenge).
  parc       dbolya/parc methods.PARC(n_dims=32) (the README's "PARC f=32": randomised PCA to 32 dimensions,
             random_state 1919), one-hot width the next power of two >= C (exact label correlations; the value with
             width C is kept as intermediates.officialOneHotWidthC).
  transrate  Long-Kai/TransRate, the non-projected path of generate_transrate/experiment_builder_get_eigens.py
             (torch.nn.functional.normalize on the rows, centring, transrate.transrate_eig) followed by
             extract_result_utils.process_transrate_logs with its defaults (eps 1e-4, normalize_opt 'rank');
             TransRate = rz - rzc.
"""
import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
import types

import numpy as np


def load_official(sfda_dir, parc_dir, transrate_dir):
    # SFDA's metrics.py and PARC's methods.py share module names (utils, metrics): import them one at a time.
    sys.path.insert(0, sfda_dir)
    import metrics as sfda_metrics  # noqa: E402

    sys.path.remove(sfda_dir)
    for name in ('utils', 'metrics'):
        sys.modules.pop(name, None)
    # methods.py imports pandas and the dataset loaders (torchvision) for its other methods; PARC uses neither.
    sys.modules.setdefault('pandas', types.ModuleType('pandas'))
    sys.modules['datasets'] = types.ModuleType('datasets')
    sys.path.insert(0, parc_dir)
    import constants as parc_constants  # noqa: E402
    import methods as parc_methods  # noqa: E402

    sys.path.remove(parc_dir)
    sys.path.insert(0, os.path.join(transrate_dir, 'generate_transrate'))
    sys.path.insert(0, transrate_dir)
    import transrate as tr_module  # noqa: E402
    import extract_result_utils as tr_utils  # noqa: E402

    return sfda_metrics, parc_constants, parc_methods, tr_module, tr_utils


def make_scorers(official):
    sfda_metrics, parc_constants, parc_methods, tr_module, tr_utils = official
    import torch

    def sfda(x, y):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            value = sfda_metrics.SFDA_Score(np.array(x, copy=True), y)
        # SFDA prints "Shrinkage: <repr>" for its first (adaptive) and second (fixed) fit.
        shrink = [float(line.split(':')[1]) for line in out.getvalue().splitlines() if line.startswith('Shrinkage:')]
        return float(value), {'shrinkage': shrink[0]}

    def sfda_with_spread(x, y):
        value, inter = sfda(x, y)
        # The reference's own round-off sensitivity: the same score on column-permuted features (mathematically equal).
        perm = np.random.RandomState(0).permutation(x.shape[1])
        permuted, _ = sfda(x[:, perm], y)
        inter['relDiffColumnPermutation'] = abs(permuted - value) / abs(value)
        return value, inter

    def parc_with_width(x, y, width):
        # PARC one-hot encodes y with constants.num_classes[target] columns; we register our width under a name.
        parc_constants.num_classes['transferscope_golden'] = width
        method = parc_methods.PARC(n_dims=32)
        return float(method(np.array(x, copy=True), None, y, 'source', 'transferscope_golden', 'arch', None))

    def parc(x, y):
        classes = int(y.max()) + 1
        # np.corrcoef of one-hot rows is exact only when the width is a power of two; other widths leave round-off
        # levels (1 vs 1 - 2^-52) in the label dissimilarities that Spearman ranks as distinct. A wider one-hot (extra
        # never-used classes) changes only the cross-class constant, so the mathematical PARC is the same.
        width = 1 << (classes - 1).bit_length()
        value = parc_with_width(x, y, width)
        extra = {'oneHotWidth': width}
        if width != classes:
            try:
                extra['officialOneHotWidthC'] = parc_with_width(x, y, classes)
            except Exception as e:  # noqa: BLE001 - recorded, not fatal
                extra['officialOneHotWidthC'] = f'{type(e).__name__}: {e}'
        return value, extra

    def transrate(x, y):
        z = torch.nn.functional.normalize(torch.from_numpy(np.array(x, dtype=np.float64))).numpy()
        n = z.shape[0]
        z_centralized = z - np.mean(z, axis=0, keepdims=True).repeat(n, axis=0)
        with tempfile.TemporaryDirectory() as d:
            tr_module.transrate_eig(np.copy(z_centralized), np.copy(y), d)
            rz, rzc = tr_utils.process_transrate_logs(os.path.join(d, 'Z_centralized.pkl'))
        return float(rz - rzc), {'rz': float(rz), 'rzc': float(rzc)}

    return {'sfda': sfda_with_spread, 'parc': parc, 'transrate': transrate}


def commit_of(repo_dir):
    try:
        return open(os.path.join(repo_dir, '.commit')).read().strip()
    except OSError:
        return 'unknown'


def versions():
    import scipy
    import sklearn
    import torch

    return f'numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, torch {torch.__version__}'


REPOS = {'sfda': ('TencentARC/SFDA', 'sfda'), 'parc': ('dbolya/parc', 'parc'), 'transrate': ('Long-Kai/TransRate', 'transrate')}


def fixtures(args, scorers):
    names = sorted(f[:-5] for f in os.listdir(args.golden) if f.endswith('.json'))
    for sid, fn in scorers.items():
        repo, key = REPOS[sid]
        cases, errors, extra = {}, {}, {}
        for name in names:
            g = json.load(open(os.path.join(args.golden, name + '.json')))
            x = np.array(g['inputs']['features'], dtype=np.float64)
            y = np.array(g['inputs']['labels'], dtype=np.int64)
            try:
                value, inter = fn(x, y)
                cases[name] = value
                if inter:
                    extra[name] = inter
            except Exception as e:  # record what the official scorer raises on this case
                cases[name] = None
                errors[name] = f'{type(e).__name__}: {e}'
        doc = {
            'generatedBy': (
                f'python3 libs/metrics/tools/reference/sfda_parc_transrate_reference.py fixtures --golden ../shared/golden/metrics '
                f'--out libs/metrics/src/scores/__tests__/fixtures --sfda <SFDA> --parc <PARC> --transrate <TRANSRATE> (run from the '
                f'repo root; each <DIR> a `git archive` of the official repository at the commit named, with a .commit file), '
                f'calling {repo} at commit {commit_of(getattr(args, key))} ({DESCRIPTION[sid]}) on inputs.features / '
                f'inputs.labels of every ../shared/golden/metrics case; {versions()} (Debian packages, OpenBLAS)'
            ),
            'cases': cases,
            'errors': errors,
            'intermediates': extra,
        }
        if sid == 'parc':
            # sklearn's randomised PCA draws its test matrix from RandomState(1919).normal: the first draws, for our MT19937.
            doc['randomState1919Normal'] = np.random.RandomState(1919).normal(size=8).tolist()
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, f'{sid}.json'), 'w') as f:
            json.dump(doc, f, indent=1)
            f.write('\n')


DESCRIPTION = {
    'sfda': 'metrics.SFDA_Score(X, y)',
    'parc': 'methods.PARC(n_dims=32), one-hot width = next power of two >= C',
    'transrate': 'torch.nn.functional.normalize rows, centre, transrate.transrate_eig, '
    'extract_result_utils.process_transrate_logs defaults; value rz - rzc',
}


def timing(args, scorers):
    x = np.load(os.path.join(args.npy, f'{args.case}_features.npy')).astype(np.float64)
    y = np.load(os.path.join(args.npy, f'{args.case}_labels.npy')).astype(np.int64)
    for sid in args.metrics.split(','):
        fn = scorers[sid]
        secs, cpu = [], []
        value = None
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), time.process_time()
            value, _ = fn(x, y)
            secs.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        # CPU seconds (all threads) are steadier than wall time on a shared machine.
        print(json.dumps({'case': args.case, 'metric': sid, 'official': REPOS[sid][0], 'medianSeconds': round(sorted(secs)[len(secs) // 2], 3),
                          'runs': [round(s, 3) for s in secs], 'medianCpuSeconds': round(sorted(cpu)[len(cpu) // 2], 3), 'value': value}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=['fixtures', 'time'])
    p.add_argument('--sfda', required=True)
    p.add_argument('--parc', required=True)
    p.add_argument('--transrate', required=True)
    p.add_argument('--golden')
    p.add_argument('--out')
    p.add_argument('--npy')
    p.add_argument('--case')
    p.add_argument('--metrics', default='sfda,parc,transrate')
    p.add_argument('--runs', type=int, default=1)
    args = p.parse_args()
    scorers = make_scorers(load_official(args.sfda, args.parc, args.transrate))
    if args.mode == 'fixtures':
        fixtures(args, scorers)
    else:
        timing(args, scorers)


if __name__ == '__main__':
    main()
