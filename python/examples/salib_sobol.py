"""Sobol sensitivity of a scenario's outcome probabilities, driven from Python.

With SALib installed, its Saltelli sample and Sobol analysis are used; otherwise the same
steps run with geosim's own Sobol design and estimator (geosim.sobol_sample/sobol_analyze,
the ones `geosim sensitivity --method sobol` uses). Either way geosim.evaluate computes the
model at every point: R Monte Carlo runs per point, the same random numbers at every point.

    python3 python/examples/salib_sobol.py [SCENARIO] [--n 64] [--runs 100] [--outcome ID]
"""
import argparse

import numpy as np

import geosim

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("scenario", nargs="?", default="scenarios/teaching.yaml")
parser.add_argument("--n", type=int, default=64, help="base sample size (a power of two)")
parser.add_argument("--runs", type=int, default=100, help="Monte Carlo runs per point")
parser.add_argument("--outcome", default=None, help="outcome to analyse (default: the first)")
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--without-salib", action="store_true", help="use geosim's own Sobol even if SALib is there")
args = parser.parse_args()

sc = geosim.load(args.scenario)
# Every parameter that differs between runs, over its distribution's support (a parameter
# with an unbounded distribution, normal or lognormal, is left out: it has no such bounds).
names = [p for p in sc.uncertain if np.isfinite(sc.parameter(p)["min"]) and np.isfinite(sc.parameter(p)["max"])]
bounds = [[sc.parameter(p)["min"], sc.parameter(p)["max"]] for p in names]
outcome = args.outcome or sc.outcome_ids[0]
k = sc.outcome_ids.index(outcome)

try:
    if args.without_salib:
        raise ImportError
    from SALib.analyze import sobol as salib_sobol
    from SALib.sample import saltelli

    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    X = saltelli.sample(problem, args.n, calc_second_order=False)
    Y = sc.evaluate(X, names, runs_per_point=args.runs, seed=args.seed)[:, k]
    Si = salib_sobol.analyze(problem, Y, calc_second_order=False)
    S1, ST = Si["S1"], Si["ST"]
    S1_ci = [(s - c, s + c) for s, c in zip(Si["S1"], Si["S1_conf"])]
    used = "SALib"
except ImportError:
    U = geosim.sobol_sample(args.n, len(names), seed=args.seed)
    lo, hi = np.array(bounds).T
    X = lo + (hi - lo) * U
    Y = sc.evaluate(X, names, runs_per_point=args.runs, seed=args.seed)[:, k]
    Si = geosim.sobol_analyze(Y, len(names))[0]
    S1, ST, S1_ci = Si["S1"], Si["ST"], Si["S1_ci95"]
    used = "geosim's Sobol"

print(f"{sc.id}: P({outcome}) over {len(X)} points x {args.runs} runs ({used})")
print(f"  {'parameter':44s} {'S1':>7s} {'ST':>7s}   S1 95% interval")
for i in np.argsort(ST)[::-1]:
    print(f"  {names[i]:44s} {S1[i]:7.3f} {ST[i]:7.3f}   [{S1_ci[i][0]:.3f}, {S1_ci[i][1]:.3f}]")
