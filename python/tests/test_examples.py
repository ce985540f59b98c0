"""The examples run: the Sobol example (with SALib when installed, else geosim's own Sobol)
and the EMA Workbench adapter, against a stub of EMA's interface when the library is absent."""
import importlib.util
import os
import subprocess
import sys
import types

import numpy as np
import pytest

import geosim
from conftest import ROOT, TEACHING

EXAMPLES = ROOT / "python" / "examples"


def _load_example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_salib_example_runs_with_geosims_own_sobol():
    p = subprocess.run([sys.executable, str(EXAMPLES / "salib_sobol.py"), TEACHING, "--n", "8", "--runs", "20",
                        "--without-salib"], cwd=ROOT, capture_output=True, text=True, env=os.environ)
    assert p.returncode == 0, p.stderr
    assert "geosim's Sobol" in p.stdout
    sc = geosim.load(TEACHING)
    for path in sc.uncertain:
        assert path in p.stdout


def test_geosim_sobol_design_has_the_saltelli_blocks():
    # Blocks A, B, AB_1..AB_d of n rows each, as `geosim sensitivity --method sobol` uses them.
    sc = geosim.load(TEACHING)
    paths = sc.uncertain
    n, seed = 16, 3
    U = geosim.sobol_sample(n, len(paths), seed=seed)
    assert U.shape == (n * (len(paths) + 2), len(paths))
    assert ((U >= 0) & (U <= 1)).all()
    # A (block 0) and AB_i (block 2 + i) differ only in column i.
    for i in range(len(paths)):
        A, ABi = U[:n], U[(2 + i) * n:(3 + i) * n]
        others = [c for c in range(len(paths)) if c != i]
        assert np.array_equal(A[:, others], ABi[:, others])
    assert np.array_equal(U, geosim.sobol_sample(n, len(paths), seed=seed))


def test_sobol_analyze_finds_the_only_influential_input():
    d, n = 3, 256
    U = geosim.sobol_sample(n, d, seed=5)
    Y = U[:, 1] * 4.0  # only the second input matters
    s = geosim.sobol_analyze(Y, d, bootstrap=200)[0]
    # Monte Carlo error of the estimators is O(1/sqrt(n)); 4/sqrt(n) leaves a wide margin.
    tol = 4 / np.sqrt(n)
    assert s["ST"][1] > 1 - tol and s["S1"][1] > 1 - tol
    # A and AB_i differ only in input i, which Y ignores for i != 1: no total effect at all.
    assert abs(s["ST"][0]) < 1e-12 and abs(s["ST"][2]) < 1e-12
    assert s["S1_ci95"][1][0] <= s["S1"][1] <= s["S1_ci95"][1][1]
    with pytest.raises(geosim.UsageError, match="rows"):
        geosim.sobol_analyze(Y[:-1], d)


@pytest.mark.skipif(importlib.util.find_spec("SALib") is None, reason="SALib is not installed")
def test_salib_example_runs_with_salib():
    p = subprocess.run([sys.executable, str(EXAMPLES / "salib_sobol.py"), TEACHING, "--n", "8", "--runs", "20"],
                       cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "SALib" in p.stdout


def _ema_stub():
    """The part of ema_workbench's interface the adapter uses, sampling uniformly."""
    ema = types.ModuleType("ema_workbench")

    class Model:
        def __init__(self, name, function):
            self.name, self.function = name, function
            self.uncertainties, self.outcomes = [], []

    class RealParameter:
        def __init__(self, name, lower_bound, upper_bound):
            assert lower_bound <= upper_bound
            self.name, self.lower_bound, self.upper_bound = name, lower_bound, upper_bound

    class ScalarOutcome:
        def __init__(self, name):
            self.name = name

    def perform_experiments(model, scenarios):
        rng = np.random.default_rng(0)
        rows, outs = [], {o.name: [] for o in model.outcomes}
        for _ in range(scenarios):
            row = {u.name: rng.uniform(u.lower_bound, u.upper_bound) for u in model.uncertainties}
            res = model.function(**row)
            for o in model.outcomes:
                outs[o.name].append(res[o.name])
            rows.append(row)
        return rows, {k: np.array(v) for k, v in outs.items()}

    ema.Model, ema.RealParameter, ema.ScalarOutcome = Model, RealParameter, ScalarOutcome
    ema.perform_experiments = perform_experiments
    return ema


def test_ema_adapter_against_the_interface_stub(monkeypatch):
    if importlib.util.find_spec("ema_workbench") is None:
        monkeypatch.setitem(sys.modules, "ema_workbench", _ema_stub())
    ex = _load_example("ema_model")
    experiments, outcomes = ex.main([TEACHING, "--experiments", "6", "--runs", "40"])
    sc = geosim.load(TEACHING)
    assert set(outcomes) == set(sc.outcome_ids)
    gm = ex.GeosimModel(sc, sc.uncertain, runs_per_point=40)
    # Each experiment's outcomes are evaluate's at its values (the adapter adds nothing).
    rows = list(experiments.to_dict("records")) if hasattr(experiments, "to_dict") else experiments
    X = np.array([[row[n] for n in gm.names] for row in rows])
    Y = sc.evaluate(X, sc.uncertain, runs_per_point=40, seed=1)
    for k, o in enumerate(sc.outcome_ids):
        assert np.array_equal(np.asarray(outcomes[o]), Y[:, k])
    assert np.allclose(sum(np.asarray(outcomes[o]) for o in sc.outcome_ids), 1.0)
