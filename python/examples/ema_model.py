"""geosim as an EMA Workbench model: uncertainties are scenario parameters, outcomes are the
probabilities of the scenario's outcomes.

EMA Workbench (the `ema_workbench` package) is not in Debian; install it in a virtual
environment if you have a registry. Without it this example runs its adapter on a handful of
points itself, and the tests check the adapter against a stub of the EMA interface
(python/tests/test_examples.py): Model(name, function=...), RealParameter(name, lo, hi),
ScalarOutcome(name), perform_experiments(model, scenarios=n) -> (experiments, outcomes).

    python3 python/examples/ema_model.py [SCENARIO] [--experiments 50] [--runs 200]
"""
import argparse

import numpy as np

import geosim


def identifier(path: str) -> str:
    """EMA passes uncertainties as keyword arguments: a parameter path as a Python name."""
    return path.replace(".", "__").replace("-", "_")


class GeosimModel:
    """A callable EMA Workbench runs once per experiment: keyword arguments (one per
    uncertainty, named by identifier(path)) in, {outcome id: probability} out.

    Every experiment uses the same seed and run indices (common random numbers), so two
    experiments differ only by their parameter values. Scenario.evaluate releases the GIL,
    so EMA's threaded evaluators run experiments side by side.
    """

    def __init__(self, scenario: geosim.Scenario, paths, runs_per_point: int = 200, seed: int = 1):
        self.scenario = scenario
        self.paths = list(paths)
        self.names = [identifier(p) for p in self.paths]
        self.runs_per_point = runs_per_point
        self.seed = seed

    def bounds(self):
        """(name, lo, hi) of each uncertainty: the parameter's distribution's support."""
        out = []
        for name, path in zip(self.names, self.paths):
            p = self.scenario.parameter(path)
            lo, hi = p["min"], p["max"]
            if not (np.isfinite(lo) and np.isfinite(hi)) or lo == hi:
                lo, hi = p["range"]  # a fixed or unbounded parameter: its allowed interval
            out.append((name, float(lo), float(hi)))
        return out

    def __call__(self, **kwargs):
        x = np.array([[kwargs[n] for n in self.names]], dtype=float)
        y = self.scenario.evaluate(x, self.paths, runs_per_point=self.runs_per_point, seed=self.seed)[0]
        return dict(zip(self.scenario.outcome_ids, y.tolist()))

    def ema_model(self, ema, name: str = "geosim"):
        """An ema_workbench.Model around this callable (ema: the ema_workbench module)."""
        model = ema.Model(name, function=self)
        model.uncertainties = [ema.RealParameter(n, lo, hi) for n, lo, hi in self.bounds()]
        model.outcomes = [ema.ScalarOutcome(o) for o in self.scenario.outcome_ids]
        return model


def main(argv=None):
    parser = argparse.ArgumentParser(description="geosim as an EMA Workbench model")
    parser.add_argument("scenario", nargs="?", default="scenarios/teaching.yaml")
    parser.add_argument("--experiments", type=int, default=50)
    parser.add_argument("--runs", type=int, default=200, help="Monte Carlo runs per experiment")
    args = parser.parse_args(argv)
    sc = geosim.load(args.scenario)
    gm = GeosimModel(sc, sc.uncertain, runs_per_point=args.runs)
    try:
        import ema_workbench as ema
    except ImportError:
        ema = None
    if ema is None:
        print("ema_workbench is not installed; calling the adapter on 3 experiments directly")
        rng = np.random.default_rng(1)
        for _ in range(3):
            point = {n: rng.uniform(lo, hi) for n, lo, hi in gm.bounds()}
            print({k: round(v, 3) for k, v in gm(**point).items()})
        return None
    experiments, outcomes = ema.perform_experiments(gm.ema_model(ema), scenarios=args.experiments)
    for o in sc.outcome_ids:
        v = np.asarray(outcomes[o])
        print(f"{o:28s} mean {v.mean():.3f}  min {v.min():.3f}  max {v.max():.3f}")
    return experiments, outcomes


if __name__ == "__main__":
    main()
