#!/usr/bin/env python3
"""Reference fixtures for pactran_{dirichlet,gamma,gaussian}, ncti and etran.

Runs the official scorers (imported from checkouts OUTSIDE this repository; no upstream code lives here) on every
case of ../shared/golden/metrics and writes libs/metrics/src/scores/__tests__/fixtures/<id>.json.

    /usr/bin/python3 libs/metrics/tools/reference/pool_scores_reference.py \
        --golden ../shared/golden/metrics --out libs/metrics/src/scores/__tests__/fixtures \
        --pactran /tmp/official/google-research+pactran_metrics \
        --etran /tmp/official/mgholamikn+ETran --ncti /tmp/official/BUserName+NCTI

Timing on the benchmark's inputs (`npx vite-node src/bench/metrics.bench.ts a --metrics ncti --write-npy <dir>`):

    /usr/bin/python3 libs/metrics/tools/reference/pool_scores_reference.py --time-npy <dir> --case a --runs 3 \
        --pactran <checkout> --etran <checkout> --ncti <checkout>

prints one JSON line of wall and CPU seconds (median of --runs) per official scorer.

Pool-relative scores (ncti, etran) are also combined over a pool built deterministically from each case's features
(see `pool_members`), exactly as the official evaluation scripts combine the models of one dataset.
"""
import argparse
import glob
import importlib.util
import json
import math
import os
import subprocess
import sys
import types

import numpy as np
import scipy
import scipy.optimize
import sklearn
import sklearn.decomposition


def stub(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


def load_module(label, repo, filename):
    """Import <repo>/<filename> under a private name, with the repo first on sys.path for its sibling imports."""
    for shadow in ('metrics', 'utils'):
        sys.modules.pop(shadow, None)
    sys.path.insert(0, repo)
    try:
        spec = importlib.util.spec_from_file_location(label, os.path.join(repo, filename))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(repo)
    return mod


def commit_of(repo):
    mirror = {
        'pactran': '/work/.mirror/google-research+pactran_metrics/repo',
        'etran': '/work/.mirror/mgholamikn+ETran/repo',
        'ncti': '/work/.mirror/BUserName+NCTI/repo',
    }[repo]
    return subprocess.check_output(['git', '--git-dir', mirror, 'rev-parse', 'HEAD'], text=True).strip()


def pool_members(x):
    """Deterministic pool for the pool-relative scores: the case's features and two derived 'models'."""
    n, d = x.shape
    i = np.arange(n, dtype=np.float64)[:, None]
    j = np.arange(d, dtype=np.float64)[None, :]
    return {
        'self': x.copy(),
        'scaled_reversed': 0.5 * x[:, ::-1].copy(),
        'noised': x + np.sin(0.7 * i + 1.3 * j),
        # small enough that NCTI's shrinkage exp(-sum of 32 variances) stays above its floor: the 'eigen' LDA path
        'tenth': 0.1 * x,
    }


POOL_DEFINITION = {
    'self': 'X',
    'scaled_reversed': '0.5 * X[:, ::-1]',
    'noised': 'X + sin(0.7 i + 1.3 j) (i row index, j column index, from 0)',
    'tenth': '0.1 * X',
    'pools': {'full': ['self', 'scaled_reversed', 'noised', 'tenth'], 'pair': ['self', 'scaled_reversed']},
}


def finite_or_error(f):
    try:
        with np.errstate(all='ignore'):
            v = f()
        return v, None
    except Exception as e:  # the official scorer's own error is the fixture
        return None, f'{type(e).__name__}: {e}'


def minmax(v):
    v = np.asarray(v, dtype=np.float64)
    with np.errstate(all='ignore'):
        return (v - v.min()) / (v.max() - v.min())


def json_number(v):
    """Finite floats as they are; the official 0/0 of a component without spread (NaN) as null."""
    return float(v) if math.isfinite(v) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--golden')
    ap.add_argument('--out')
    ap.add_argument('--time-npy')
    ap.add_argument('--case')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--only', default='pactran_dirichlet,pactran_gamma,pactran_gaussian,ncti,etran')
    ap.add_argument('--pactran', required=True)
    ap.add_argument('--etran', required=True)
    ap.add_argument('--ncti', required=True)
    args = ap.parse_args()

    # The official modules import training-time dependencies at module level; the scorers do not use them.
    stub('absl', app=types.SimpleNamespace(run=None), flags=types.SimpleNamespace(
        DEFINE_string=lambda *a, **k: None, DEFINE_integer=lambda *a, **k: None, FLAGS=None))
    stub('absl.app'); stub('absl.flags')
    tf = stub('tensorflow'); tf.compat = stub('tensorflow.compat'); tf.compat.v1 = stub('tensorflow.compat.v1')
    stub('models'); stub('models.group1')

    pac = load_module('official_pactran', args.pactran, 'compute_metrics.py')
    et = load_module('official_etran', args.etran, 'metrics.py')
    nc = load_module('official_ncti', args.ncti, 'metrics.py')

    if args.time_npy:
        return time_official(args, pac, et, nc)

    real_minimize = scipy.optimize.minimize

    def tight_minimize(fun, x0, method=None, jac=None, options=None, tol=None):
        # Same objective and gradient, run to the optimum: the value the official formula takes there.
        return real_minimize(fun, x0, method=method, jac=jac,
                             options=dict(maxiter=20000, maxfun=40000, ftol=1e-16, gtol=1e-12, maxcor=30))

    versions = (f'numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, '
                f'python {sys.version.split()[0]}')
    command = ('/usr/bin/python3 libs/metrics/tools/reference/pool_scores_reference.py --golden ../shared/golden/metrics '
               '--out libs/metrics/src/scores/__tests__/fixtures --pactran <checkout> --etran <checkout> --ncti <checkout>')

    out = {k: {'cases': {}, 'errors': {}} for k in
           ['pactran_dirichlet', 'pactran_gamma', 'pactran_gaussian', 'ncti', 'etran']}

    for path in sorted(glob.glob(os.path.join(args.golden, '*.json'))):
        g = json.load(open(path))
        name = g['name']
        x = np.asarray(g['inputs']['features'], dtype=np.float64)
        y = np.asarray(g['inputs']['labels'], dtype=np.int64)
        p = np.asarray(g['inputs']['predictions'], dtype=np.float64)

        # --- PACTran Dirichlet / Gamma (alpha = 1, the official main()) ---
        v, e = finite_or_error(lambda: pac.calculate_pac_dir(p.copy(), y.copy(), alpha=1.)[0][1])
        (out['pactran_dirichlet']['cases'].__setitem__(name, {'value': float(v)}) if e is None
         else out['pactran_dirichlet']['errors'].__setitem__(name, e))
        v, e = finite_or_error(lambda: pac.calculate_pac_gamma(p.copy(), y.copy(), alpha=1.)[0][1])
        (out['pactran_gamma']['cases'].__setitem__(name, {'value': float(v)}) if e is None
         else out['pactran_gamma']['errors'].__setitem__(name, e))

        # --- PACTran Gaussian: every (lambda factor, sigma^2 factor) of the official grid, default L-BFGS-B settings
        # (maxiter 100, tol 1e-6) and run to the optimum (same objective, tight tolerances) ---
        gauss = {}
        for lda in (10., 1., 0.1):
            np.random.seed(0)
            official = pac.calculate_pac_gauss(x.copy(), y.copy(), lda_factor=lda)[0]
            scipy.optimize.minimize = tight_minimize
            try:
                np.random.seed(0)
                tight = pac.calculate_pac_gauss(x.copy(), y.copy(), lda_factor=lda)[0]
            finally:
                scipy.optimize.minimize = real_minimize
            s2s = {10.: (1000., 100.), 1.: (100., 10.), 0.1: (10., 1.)}[lda]
            for k, s2 in enumerate(s2s):
                gauss[f'lambda={lda:g},sigma2={s2:g}/D'] = {
                    'official': float(official[4 * k][1]), 'optimum': float(tight[4 * k][1]),
                    'officialLoss': float(official[4 * k + 2][1]), 'optimumLoss': float(tight[4 * k + 2][1]),
                }
        out['pactran_gaussian']['cases'][name] = {
            'value': gauss['lambda=1,sigma2=100/D']['optimum'],
            'officialDefaultSettings': gauss['lambda=1,sigma2=100/D']['official'],
            'grid': gauss,
        }

        members = pool_members(x)

        # --- NCTI: per-model (seli, ncc, vc), official PCA (sklearn auto solver) and forced exact PCA ---
        comps, errs = {}, {}
        for m, xm in members.items():
            v, e = finite_or_error(lambda: nc.NCTI_Score(xm.copy(), y.copy()))
            if e is None:
                comps[m] = {'seli': float(v[0]), 'ncc': float(v[1]), 'vc': float(v[2])}
            else:
                errs[m] = e
        if errs:
            out['ncti']['errors'][name] = errs['self'] if 'self' in errs else json.dumps(errs)
        else:
            pools = {}
            for pool, names in POOL_DEFINITION['pools'].items():
                seli = minmax([comps[k]['seli'] for k in names])
                ncc = minmax([comps[k]['ncc'] for k in names])
                vc = minmax([comps[k]['vc'] for k in names])
                pools[pool] = {k: json_number(ncc[i] + seli[i] - vc[i]) for i, k in enumerate(names)}
            out['ncti']['cases'][name] = {'components': comps, 'pools': pools,
                                          'pcaSolver': 'full' if max(x.shape) <= 500 or 64 >= 0.8 * min(x.shape) else 'randomized'}

        # --- ETran: energy (official Energy_Score(X, 0.5, 'bot')), LDA (official LDA_Score), SVD regression score
        # (no callable official code: -mean squared residual of the float64 least-squares fit of one-hot labels) ---
        comps, errs = {}, {}
        onehot = np.eye(y.max() + 1)[y]
        for m, xm in members.items():
            en, e1 = finite_or_error(lambda: float(et.Energy_Score(xm.copy(), 0.5, 'bot')))
            ld, e2 = finite_or_error(lambda: float(et.LDA_Score(xm.copy(), y.copy())))
            coef = np.linalg.lstsq(xm, onehot, rcond=None)[0]
            sv = -float(np.mean((xm @ coef - onehot) ** 2))
            if e1 or e2 or not math.isfinite(en) or not math.isfinite(ld):
                errs[m] = e1 or e2 or f'energy {en}, lda {ld} (the official mean over floor(5 N / 1000) = {5 * len(y) // 1000} samples)'
            else:
                comps[m] = {'energy': en, 'lda': ld, 'svd': sv}
        if errs:
            out['etran']['errors'][name] = errs.get('self', json.dumps(errs))
        else:
            pools = {}
            for pool, names in POOL_DEFINITION['pools'].items():
                en = minmax([comps[k]['energy'] for k in names])
                ld = minmax([comps[k]['lda'] for k in names])
                sv = minmax([comps[k]['svd'] for k in names])
                pools[pool] = {
                    # the official classification combination (tw.py, metric 'etran'): energy and LDA only
                    'officialClassification': {k: json_number(0.15 * en[i] + 0.85 * ld[i]) for i, k in enumerate(names)},
                    'sumOfThree': {k: json_number(en[i] + ld[i] + sv[i]) for i, k in enumerate(names)},
                }
            out['etran']['cases'][name] = {'components': comps, 'pools': pools}

    gen = {
        'pactran_dirichlet': f'google-research/pactran_metrics@{commit_of("pactran")} compute_metrics.calculate_pac_dir(predictions, labels, alpha=1.0)',
        'pactran_gamma': f'google-research/pactran_metrics@{commit_of("pactran")} compute_metrics.calculate_pac_gamma(predictions, labels, alpha=1.0)',
        'pactran_gaussian': (f'google-research/pactran_metrics@{commit_of("pactran")} compute_metrics.calculate_pac_gauss(features, labels, lda_factor) '
                             'after np.random.seed(0); "official": its own L-BFGS-B settings (maxiter 100, tol 1e-6); "optimum": '
                             'the same objective and gradient with scipy.optimize.minimize forced to maxiter 20000, ftol 1e-16, gtol 1e-12, maxcor 30'),
        'ncti': (f'BUserName/NCTI@{commit_of("ncti")} metrics.NCTI_Score(features, labels) per pool member and the min-max combination '
                 'of evaluate_metric_group1_cpu.py (ncc + seli - vc)'),
        'etran': (f'mgholamikn/ETran@{commit_of("etran")} (no licence file: run only to generate these numbers) metrics.Energy_Score(features, 0.5, "bot") '
                  'and metrics.LDA_Score(features, labels) per pool member; svd = -mean((X lstsq(X, Y) - Y)^2) by numpy (no callable official '
                  'code); pools: officialClassification = 0.15 minmax(energy) + 0.85 minmax(lda) (tw.py), sumOfThree = sum of the three minmax'),
    }
    os.makedirs(args.out, exist_ok=True)
    for k, v in out.items():
        doc = {'generatedBy': f'{gen[k]}; {versions}; command: {command}', 'cases': v['cases'], 'errors': v['errors']}
        if k in ('ncti', 'etran'):
            doc['pool'] = POOL_DEFINITION
        with open(os.path.join(args.out, f'{k}.json'), 'w') as f:
            json.dump(doc, f, indent=1, sort_keys=True, allow_nan=False)
            f.write('\n')


def time_official(args, pac, et, nc):
    import contextlib
    import io
    import time
    x = np.load(os.path.join(args.time_npy, f'{args.case}_features.npy')).astype(np.float64)
    y = np.load(os.path.join(args.time_npy, f'{args.case}_labels.npy')).astype(np.int64)
    p = np.load(os.path.join(args.time_npy, f'{args.case}_predictions.npy')).astype(np.float64)

    def etran_parts():
        et.Energy_Score(x.copy(), 0.5, 'bot')
        et.LDA_Score(x.copy(), y.copy())
        onehot = np.eye(y.max() + 1)[y]
        np.linalg.lstsq(x, onehot, rcond=None)

    def pac_gauss():
        np.random.seed(0)
        pac.calculate_pac_gauss(x.copy(), y.copy(), lda_factor=1.)

    jobs = {
        'pactran_dirichlet': lambda: pac.calculate_pac_dir(p.copy(), y.copy(), alpha=1.),
        'pactran_gamma': lambda: pac.calculate_pac_gamma(p.copy(), y.copy(), alpha=1.),
        'pactran_gaussian': pac_gauss,
        'ncti': lambda: nc.NCTI_Score(x.copy(), y.copy()),
        'etran': etran_parts,
    }
    out = {'case': args.case, 'N': x.shape[0], 'D': x.shape[1], 'C': int(y.max() + 1),
           'threads': os.environ.get('OPENBLAS_NUM_THREADS', 'default')}
    for k in args.only.split(','):
        wall, cpu = [], []
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), time.process_time()
            with contextlib.redirect_stdout(io.StringIO()):
                jobs[k]()
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        out[k] = {'wall': round(sorted(wall)[len(wall) // 2], 3), 'cpu': round(sorted(cpu)[len(cpu) // 2], 3)}
    print(json.dumps(out))


if __name__ == '__main__':
    main()
