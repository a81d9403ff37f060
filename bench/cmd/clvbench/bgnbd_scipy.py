#!/usr/bin/env python3
"""BG/NBD maximum-likelihood fit with numpy + scipy: the peer of clv.FitBGNBD.

Python's `lifetimes` (BetaGeoFitter) is not packaged by Debian; this is the
same fit written from the published likelihood (Fader, Hardie & Lee 2005),
set up the way lifetimes sets it up: parameters optimised in log space from
0.1 each, objective the mean negative log-likelihood, scipy.optimize.minimize
with BFGS and an exact (analytic) gradient, tol 1e-7. Adapted from the
team's peer harness (shared/bench/peers/bgnbd_scipy.py).

Input: a CSV with the columns x, t_x and T (any others ignored). Prints one
line: the versions, the parameters, the log-likelihood, the iterations and
the median fit seconds over --reps runs (reading the file not included).
"""
import argparse
import statistics
import time

import numpy as np
import pandas as pd
import scipy
from scipy.optimize import minimize
from scipy.special import digamma, gammaln


def bgnbd_nll(logp, x, tx, T):
    r, alpha, a, b = np.exp(logp)
    n = len(x)
    pos = x > 0
    A1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    A2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    A3 = -(r + x) * np.log(alpha + T)
    A4 = np.full(n, -np.inf)
    A4[pos] = np.log(a) - np.log(b + x[pos] - 1) - (r + x[pos]) * np.log(alpha + tx[pos])
    mx = np.maximum(A3, A4)
    e3 = np.exp(A3 - mx)
    e4 = np.exp(A4 - mx)
    s = e3 + e4
    ll = A1 + A2 + mx + np.log(s)
    w3 = e3 / s
    w4 = e4 / s
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * np.log(alpha + T)
    d_r[pos] -= w4[pos] * np.log(alpha + tx[pos])
    d_alpha = r / alpha - w3 * (r + x) / (alpha + T)
    d_alpha[pos] -= w4[pos] * (r + x[pos]) / (alpha + tx[pos])
    dab = digamma(a + b) - digamma(a + b + x)
    d_a = dab + w4 / a
    d_b = dab + digamma(b + x) - digamma(b)
    d_b[pos] -= w4[pos] / (b + x[pos] - 1)
    grad = -np.array([d_r.sum() * r, d_alpha.sum() * alpha, d_a.sum() * a, d_b.sum() * b]) / n
    return -ll.sum() / n, grad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("summary", help="CSV with columns x, t_x, T")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    s = pd.read_csv(a.summary)
    x, tx, T = (s[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    times = []
    for _ in range(max(a.reps, 1)):
        t = time.perf_counter()
        res = minimize(bgnbd_nll, 0.1 * np.ones(4), args=(x, tx, T), jac=True, method=None, tol=1e-7)
        times.append(time.perf_counter() - t)
    r, alpha, aa, b = np.exp(res.x)
    print(f"numpy {np.__version__} scipy {scipy.__version__}: r={r:.6f} alpha={alpha:.6f} a={aa:.6f} b={b:.6f} "
          f"LL={-res.fun * len(x):.4f} nit={res.nit} success={res.success} fit_s={statistics.median(times):.6f}")


if __name__ == "__main__":
    main()
