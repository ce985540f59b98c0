"""Every call of the Python API against the command line's output for the same inputs."""
import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

import geosim
from conftest import BINARY, ROOT, TEACHING, cli, cli_json

VENEZUELA = "scenarios/venezuela-2019.yaml"
VARIANT = "scenarios/variants/2019-credible-amnesty.yaml"


def test_run_json_is_the_cli_json_byte_for_byte():
    res = geosim.load(TEACHING).run(runs=3000, seed=7)
    assert res.args == [TEACHING, "--runs", "3000", "--seed", "7"]
    out = cli("run", *res.args, "--format", "json", "-q")[1]
    assert res.to_json() == out


def test_run_with_overrides_and_until_matches_the_cli():
    sc = geosim.load(TEACHING, set={"levers.sanctions.intensity": 0.2})
    res = sc.run(runs=2000, seed=3, until="2020-06-01", set=["actors.army.stance=0.4"])
    assert res.args == [TEACHING, "--set", "levers.sanctions.intensity=0.2", "--set", "actors.army.stance=0.4",
                        "--until", "2020-06-01", "--runs", "2000", "--seed", "3"]
    assert res.to_json() == cli("run", *res.args, "--format", "json", "-q")[1]
    assert res.horizon < geosim.load(TEACHING).horizon  # until cut the year short
    # The override changed the run: the JSON lists the value the override gave.
    params = {p["path"]: p["value"] for p in res.json["parameters"]}
    assert params["levers.sanctions.intensity"] == 0.2


def test_distribution_override_is_written_as_yaml():
    sc = geosim.load(TEACHING, set={"levers.sanctions.intensity": {"dist": "uniform", "min": 0.1, "max": 0.3}})
    assert sc.parameter("levers.sanctions.intensity")["uncertain"]
    res = sc.run(runs=500, seed=2)
    assert res.to_json() == cli("run", *res.args, "--format", "json", "-q")[1]


def test_outcomes_frame_matches_the_cli_csv():
    res = geosim.load(VENEZUELA).run(runs=4000, seed=7)
    out = cli("run", VENEZUELA, "--runs", "4000", "--seed", "7", "--format", "csv", "-q")[1]
    # Outcome rows only: with a leader, rows regime.<fate> and ruler.<id> follow.
    rows = [r for r in csv.DictReader(line for line in io.StringIO(out) if not line.startswith("#"))
            if "." not in r["outcome"]]
    df = res.outcomes
    assert isinstance(df, pd.DataFrame)
    assert list(df["id"]) == [r["outcome"] for r in rows]
    for (_, o), r in zip(df.iterrows(), rows):
        assert o["count"] == int(r["count"])
        assert o["probability"] == float(r["probability"])  # %.17g reads back exactly
        assert o["ci_low"] == float(r["ci95_lo"])
        assert o["ci_high"] == float(r["ci95_hi"])
        for col, key in (("steps_p10", "steps_p10"), ("steps_median", "steps_median"), ("steps_p90", "steps_p90")):
            if r[key] == "":
                assert pd.isna(o[col])
            else:
                assert o[col] == int(r[key])
    assert df["count"].sum() == 4000


def test_survival_fans_and_parameters_match_the_cli_json():
    res = geosim.load(TEACHING).run(runs=1500, seed=11)
    j = cli_json("run", *res.args, "--format", "json", "-q")
    surv = res.survival
    assert list(surv["survival"]) == j["survival"]
    assert surv["step"].iloc[-1] == j["horizon"]
    # The calendar of the command's JSON: the last day of each step (the day before the start
    # for step 0), up to the last day of the run.
    assert list(surv["date"]) == [pd.Timestamp(d) for d in j["dates"]]
    assert surv["date"].iloc[-1] == pd.Timestamp(j["last_day"])
    outcomes = res.outcomes.set_index("id")
    for o in j["outcomes"]:
        for col, key in (("date_p10", "p10"), ("date_median", "median"), ("date_p90", "p90")):
            if o["count"] == 0:
                assert pd.isna(outcomes.loc[o["id"], col])
            else:
                assert outcomes.loc[o["id"], col] == pd.Timestamp(o["dates"][key])
    fans = res.fans
    for f in j["fans"]:
        sub = fans[fans["var"] == f["var"]]
        assert list(sub["step"]) == f["steps"]
        for q in ("p5", "p25", "p50", "p75", "p95"):
            assert list(sub[q]) == f[q]
    # A DataFrame fills a key only some parameters have ("assumption") with NaN elsewhere,
    # and a missing value (null: the parameter is uncertain) too.
    records = [{k: v for k, v in r.items() if not (isinstance(v, float) and v != v) and v is not None}
               for r in res.parameters.to_dict("records")]
    assert records == [{k: v for k, v in p.items() if v is not None} for p in j["parameters"]]


def test_regime_joint_and_ruler_match_the_cli_json():
    res = geosim.load("scenarios/teaching-leader.yaml").run(runs=3000, seed=2)
    j = cli_json("run", *res.args, "--format", "json", "-q")
    assert res.to_json() == cli("run", *res.args, "--format", "json", "-q")[1]
    for key, cols in (("regime", ["id", "count", "probability"]), ("joint", ["leader", "regime", "count"]),
                      ("ruler", ["id", "name", "count", "probability"])):
        frame = getattr(res, key)
        assert frame[cols].to_dict("records") == [{c: r[c] for c in cols} for r in j[key]]
        assert list(frame["ci_low"]) == [r["ci95"][0] for r in j[key]]
    assert res.joint["count"].sum() == 3000
    # Without a leader the three are empty.
    plain = geosim.load(TEACHING).run(runs=100, seed=1)
    assert len(plain.regime) == 0 and len(plain.joint) == 0 and len(plain.ruler) == 0


def test_scenario_description_matches_the_cli_json():
    sc = geosim.load(VENEZUELA)
    j = cli_json("run", VENEZUELA, "--runs", "10", "--format", "json", "-q")
    assert sc.id == j["scenario"] and sc.title == j["title"]
    assert str(sc.start) == j["start"] and str(sc.until) == j["until"]
    assert sc.step == j["step"] and sc.horizon == j["horizon"]
    assert sc.outcome_ids == [o["id"] for o in j["outcomes"]]
    for mine, theirs in zip(sc.parameters, j["parameters"]):
        assert {k: mine[k] for k in theirs} == theirs
        assert mine["min"] <= mine["mean"] <= mine["max"]
        assert mine["range"][0] <= mine["min"] and mine["max"] <= mine["range"][1]
    assert set(sc.uncertain) == {p["path"] for p in j["parameters"] if p["uncertain"]}
    paths = {p["path"] for p in sc.parameters}
    for lever in sc.levers:
        assert lever["enabled"] in paths
        assert 0 <= lever["start_step"] <= lever["end_step"]
    # Format 2: the days as written; a lever dated on a Thursday inside a weekly step keeps it.
    days = {lever["id"]: (lever["from"], lever["until"]) for lever in sc.levers}
    assert days["humanitarian_aid"][0] == "2019-02-07"
    assert all(str(sc.start) <= a <= b <= str(sc.until) for a, b in days.values())


def test_compare_is_the_cli_json_byte_for_byte():
    cmp = geosim.load(VENEZUELA).compare(VARIANT, runs=2000, seed=5)
    out = cli("compare", VENEZUELA, VARIANT, "--runs", "2000", "--seed", "5", "--format", "json", "-q")[1]
    assert cmp.to_json() == out
    eff = cmp.effects
    j = json.loads(out)
    assert list(eff["outcome"]) == [o["id"] for o in j["comparisons"][0]["outcomes"]]
    assert (eff["paired_low"] <= eff["difference"]).all() and (eff["difference"] <= eff["paired_high"]).all()
    # The paired interval is never wider than the unpaired one for the same counts.
    assert ((eff["paired_high"] - eff["paired_low"]) <= (eff["unpaired_high"] - eff["unpaired_low"]) + 1e-12).all()


def test_compare_takes_a_loaded_variant_and_overrides_for_both_arms():
    base = geosim.load(TEACHING)
    variant = geosim.load(TEACHING, set={"levers.sanctions.intensity": 0.9})
    cmp = base.compare(variant, runs=1000, seed=4, horizon=30)
    # The same as the command with a variant file holding the override.
    out = cli("compare", TEACHING, TEACHING, "--horizon", "30", "--runs", "1000", "--seed", "4",
              "--format", "json", "-q")[1]
    same = base.compare(TEACHING, runs=1000, seed=4, horizon=30)
    assert same.to_json() == out  # the same file twice: no difference at all
    assert (same.effects["difference"] == 0).all()
    assert cmp.json["runs"] == 1000 and cmp.json["seed"] == 4
    assert (cmp.effects["difference"] != 0).any()  # the variant's override took effect
    assert list(cmp.effects["p_base"]) == list(same.effects["p_base"])  # the same base arm


def test_lever_effects_are_the_cli_json_byte_for_byte():
    eff = geosim.load(TEACHING).lever_effects(runs=1000, seed=9)
    out = cli("run", TEACHING, "--lever-effects", "--runs", "1000", "--seed", "9", "--format", "json", "-q")[1]
    assert eff.to_json() == out
    assert len(eff.json["comparisons"]) >= 1


def test_step_check_is_the_cli_check():
    ladder = "scenarios/variants/2025-escalation-ladder.yaml"
    check = geosim.load(ladder).step_check(runs=40000)
    code, out, err = cli("validate", "-q", "--step-check", "--step-runs", "40000", ladder)
    assert check.warnings == err.splitlines()  # the same outcomes flagged, the same words
    assert check.differs == ["negotiated_transition"]
    rows = check.outcomes
    assert list(rows["outcome"]) == geosim.load(ladder).outcome_ids
    # The weekly arm is a plain run of the same seed, run for run.
    plain = geosim.load(ladder).run(runs=40000, seed=1).outcomes
    assert list(rows["p_own"]) == list(plain["probability"])
    assert ((rows["paired_low"] <= rows["difference"]) & (rows["difference"] <= rows["paired_high"])).all()
    assert (rows["differs"] == (rows["p_value"] < 0.05 / len(rows))).all()
    assert check.per_step_numbers == []
    with pytest.raises(geosim.UsageError, match="the step check needs format 2: a format 1 file's numbers are per step"):
        geosim.load(TEACHING).step_check(runs=100)
    with pytest.raises(geosim.UsageError, match="the step check finds the file already in daily steps"):
        geosim.load("scenarios/variants/2019-daily-steps.yaml").step_check(runs=100)


def test_progress_callback_counts_up_to_the_total():
    seen = []
    geosim.load(TEACHING).run(runs=5000, seed=1, progress=lambda d, t: seen.append((d, t)))
    assert seen, "the callback was never called"
    assert all(t == 5000 for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (5000, 5000)


def test_an_exception_in_the_callback_stops_the_run_and_propagates():
    def boom(done, total):
        raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        geosim.load(TEACHING).run(runs=200000, seed=1, progress=boom)


def _sweep(tmp_path, runs=300):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"""sweep: 1
id: py-points
scenario: {ROOT / TEACHING}
parameters:
  - path: levers.sanctions.intensity
    values: [0.0, 0.35, 0.8]
  - path: actors.army.stance
    values: [0.2, 0.6]
runs: {runs}
seed: 13
""")
    out = tmp_path / "out"
    cli("sweep", spec, "--output", out, "-q")
    return out


def test_evaluate_matches_sweep_counts_at_the_same_points(tmp_path):
    out = _sweep(tmp_path)
    df = geosim.read_sweep(out)
    paths = ["levers.sanctions.intensity", "actors.army.stance"]
    sc = geosim.load(TEACHING)
    Y = sc.evaluate(df[paths].to_numpy(), paths, runs_per_point=300, seed=13)
    assert Y.shape == (len(df), len(sc.outcome_ids))
    con = sqlite3.connect(out / "results.sqlite")
    counts = con.execute("SELECT point, outcome, count, runs FROM results").fetchall()
    assert counts
    for point, outcome, count, runs in counts:
        assert runs == 300
        assert Y[point, sc.outcome_ids.index(outcome)] * 300 == count
    assert np.allclose(Y.sum(axis=1), 1.0)
    # A DataFrame names its columns itself.
    assert np.array_equal(sc.evaluate(df[paths], runs_per_point=300, seed=13), Y)


def test_read_sweep_equals_pandas_reading_the_csv(tmp_path):
    out = _sweep(tmp_path, runs=100)
    mine = geosim.read_sweep(out)
    theirs = pd.read_csv(out / "results.csv", float_precision="round_trip", comment="#")
    assert list(mine.columns) == list(theirs.columns)
    pd.testing.assert_frame_equal(mine, theirs, check_dtype=False, check_exact=True)


def test_same_seed_same_bytes_for_any_threads():
    sc = geosim.load(TEACHING)
    one = sc.run(runs=3000, seed=21, threads=1).to_json()
    two = sc.run(runs=3000, seed=21, threads=2).to_json()
    four = sc.run(runs=3000, seed=21, threads=4).to_json()
    assert one == two == four
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(9, 1))
    y1 = sc.evaluate(X, ["levers.sanctions.intensity"], runs_per_point=64, seed=2, threads=1)
    y3 = sc.evaluate(X, ["levers.sanctions.intensity"], runs_per_point=64, seed=2, threads=3)
    assert y1.tobytes() == y3.tobytes()
    c1 = sc.lever_effects(runs=500, seed=3, threads=1).to_json()
    c2 = sc.lever_effects(runs=500, seed=3, threads=2).to_json()
    assert c1 == c2


def test_evaluate_uses_common_random_numbers_across_rows():
    sc = geosim.load(TEACHING)
    X = np.array([[0.5], [0.7], [0.5]])
    Y = sc.evaluate(X, ["levers.sanctions.intensity"], runs_per_point=200, seed=8)
    assert Y[0].tobytes() == Y[2].tobytes()  # equal rows, equal random numbers: equal results
    alone = sc.evaluate(X[1:2], ["levers.sanctions.intensity"], runs_per_point=200, seed=8)
    assert alone[0].tobytes() == Y[1].tobytes()  # a row's result does not depend on the others



def _ticks_in_the_middle(work):
    """How often this thread ran (ticking every millisecond) in the middle half of work(),
    which runs on another thread: none if work() held the GIL throughout."""
    span = {}

    def timed():
        span["start"] = time.perf_counter()
        work()
        span["end"] = time.perf_counter()

    ticks = []
    t = threading.Thread(target=timed)
    t.start()
    while t.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    t.join()
    length = span["end"] - span["start"]
    assert length > 0.02, "the work was too short to tell"
    return len([x for x in ticks if span["start"] + 0.25 * length < x < span["end"] - 0.25 * length])

def test_the_gil_is_released_while_a_run_computes():
    sc = geosim.load(TEACHING)
    # With the GIL held for the whole run this thread could not tick in its middle.
    assert _ticks_in_the_middle(lambda: sc.run(runs=60000, seed=1, threads=1)) >= 3


def test_input_errors_carry_the_cli_messages(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / TEACHING).read_text().replace("horizon: 52", "horizon: -3")
                   .replace("stubbornness: 0.8", "stubbornnes: 0.8"))
    code, _, err = cli("run", bad, "-n", "10", check=False)
    assert code == 3
    with pytest.raises(geosim.InputError) as e:
        geosim.load(bad)
    assert str(e.value) == err.rstrip("\n")
    assert f"{bad}:" in str(e.value)
    assert isinstance(e.value, ValueError)

    code, _, err = cli("run", TEACHING, "--set", "levers.sanction.intensity=0.3", "-n", "10", check=False)
    assert code == 3
    with pytest.raises(geosim.InputError) as e:
        geosim.load(TEACHING, set={"levers.sanction.intensity": 0.3})
    assert str(e.value) == err.rstrip("\n")

    with pytest.raises(geosim.InputError):
        geosim.load(tmp_path / "missing.yaml")
    with pytest.raises(geosim.InputError):
        geosim.read_sweep(tmp_path / "no-sweep-here")


def test_bad_arguments_raise_usage_errors():
    sc = geosim.load(TEACHING)
    with pytest.raises(geosim.UsageError, match=r"runs must be a whole number from 1 to 2\^40, got 0"):
        sc.run(runs=0)
    with pytest.raises(geosim.UsageError, match="threads"):
        sc.run(runs=10, threads=-1)
    with pytest.raises(geosim.UsageError, match="did you mean 'levers.sanctions.intensity'"):
        sc.evaluate(np.zeros((2, 1)), ["levers.sanction.intensity"])
    with pytest.raises(geosim.UsageError, match="2 column"):
        sc.evaluate(np.zeros((2, 2)), ["levers.sanctions.intensity"])
    with pytest.raises(geosim.UsageError, match="outside"):
        sc.evaluate(np.array([[0.5], [7.0]]), ["levers.sanctions.intensity"])
    with pytest.raises(geosim.UsageError, match="outside"):
        sc.evaluate(np.array([[np.nan]]), ["levers.sanctions.intensity"])
    with pytest.raises(geosim.UsageError, match="twice"):
        sc.evaluate(np.zeros((1, 2)), ["levers.sanctions.intensity"] * 2)
    with pytest.raises(geosim.UsageError, match="until or horizon"):
        sc.run(runs=10, until="2020-03-01", horizon=4)


def test_progress_true_drives_a_tqdm_bar_when_tqdm_is_there(monkeypatch):
    import sys
    import types

    bars = []

    class FakeBar:  # the part of tqdm's interface geosim uses
        def __init__(self, total=0, **kw):
            self.total, self.n, self.closed = total, 0, False
            bars.append(self)

        def update(self, k):
            assert k >= 0
            self.n += k

        def close(self):
            self.closed = True

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeBar))
    geosim.load(TEACHING).run(runs=3000, seed=1, progress=True)
    assert len(bars) == 1 and bars[0].closed
    assert bars[0].n == bars[0].total == 3000


def _interrupted(call: str, timeout: float, what: str) -> None:
    """Runs `call` on the teaching scenario `sc` in a child Python, sends SIGINT half a second
    after it starts, and checks that it stops within `timeout` seconds with KeyboardInterrupt."""
    import signal

    code = "import geosim, sys; sc = geosim.load('scenarios/teaching.yaml'); print('go', flush=True); " + call
    p = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "go"
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise AssertionError(what + " did not stop on SIGINT")
    assert p.returncode != 0
    assert "KeyboardInterrupt" in err


def test_ctrl_c_stops_a_long_run():
    _interrupted("sc.run(runs=1 << 34, seed=1, threads=1)", 120, "the run")  # 2^34 runs would take hours


def test_sobol_analyze_of_a_y_without_columns_is_a_usage_error():
    # In a child: before the check, the analysis divided by the row's width, 0, and SIGFPE
    # took the whole interpreter (and pytest) down.
    code = ("import geosim, numpy as np\n"
            "try:\n"
            "    geosim.sobol_analyze(np.zeros((8, 0)), 2, bootstrap=10)\n"
            "except geosim.UsageError as e:\n"
            "    print(e)\n")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "sobol_analyze: Y has no columns; give one column per output"
    # One column is enough.
    assert len(geosim.sobol_analyze(np.linspace(0, 1, 8).reshape(8, 1), 2, bootstrap=10)) == 1


def test_threads_have_the_command_lines_bound():
    code, _, err = cli("run", TEACHING, "-n", "10", "--threads", "100000", check=False)
    assert code == 2
    words = err.strip().split("--threads ", 1)[1]  # "must be 0 (all cores) or from 1 to N (...), got 100000"
    limit = int(re.search(r"from 1 to (\d+) ", words).group(1))
    sc = geosim.load(TEACHING)
    X = np.array([[0.5]])
    calls = {
        "run": lambda t: sc.run(runs=10, threads=t),
        "compare": lambda t: sc.compare(TEACHING, runs=10, threads=t),
        "lever_effects": lambda t: sc.lever_effects(runs=10, threads=t),
        "evaluate": lambda t: sc.evaluate(X, ["levers.sanctions.intensity"], runs_per_point=2, threads=t),
    }
    for name, call in calls.items():
        for bad in (limit + 1, -1, 2**31, 2**64):
            with pytest.raises(geosim.UsageError, match=re.escape(f"from 1 to {limit} (") + f".*, got {bad}$"):
                call(bad)
    # The command line's words, for the count the report gave; in a child, as the OpenMP
    # runtime crashes starting 100000 threads.
    child = ("import geosim, numpy as np\n"
             "sc = geosim.load('scenarios/teaching.yaml')\n"
             "for call in (lambda: sc.run(runs=10, threads=100000),\n"
             "             lambda: sc.compare('scenarios/teaching.yaml', runs=10, threads=100000),\n"
             "             lambda: sc.lever_effects(runs=10, threads=100000),\n"
             "             lambda: sc.evaluate([[0.5]], ['levers.sanctions.intensity'], threads=100000)):\n"
             "    try:\n"
             "        call()\n"
             "    except geosim.UsageError as e:\n"
             "        print(e)\n")
    p = subprocess.run([sys.executable, "-c", child], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.splitlines() == ["threads " + words] * 4
    # The bound itself is allowed, and changes no result.
    assert sc.run(runs=200, seed=4, threads=limit).to_json() == sc.run(runs=200, seed=4, threads=1).to_json()


def test_runs_per_point_is_limited_to_the_largest_int_exactly():
    sc = geosim.load(TEACHING)
    path = ["levers.sanctions.intensity"]
    with pytest.raises(geosim.UsageError) as e:
        sc.evaluate([[0.5]], path, runs_per_point=2**31, threads=1)
    assert str(e.value) == "evaluate: runs_per_point must be a whole number from 1 to 2^31 - 1, got 2147483648"
    # 2^31 - 1 is accepted (no rows: nothing runs).
    assert sc.evaluate(np.zeros((0, 1)), path, runs_per_point=2**31 - 1, threads=1).shape == (0, len(sc.outcome_ids))
    with pytest.raises(geosim.UsageError, match="from 1 to 2\\^31 - 1, got 0$"):
        sc.evaluate([[0.5]], path, runs_per_point=0)


def test_a_path_with_a_null_byte_is_refused_as_open_refuses_it(tmp_path):
    full = str(ROOT / TEACHING)
    with pytest.raises(ValueError, match="embedded null byte"):
        open(full + "\0-does-not-exist.yaml")
    # Cut at the NUL, the path would name teaching.yaml, which loads.
    with pytest.raises(geosim.UsageError, match="^load: embedded null byte in the path$"):
        geosim.load(full + "\0-does-not-exist.yaml")
    with pytest.raises(geosim.UsageError, match="^load: embedded null byte in an override$"):
        geosim.load(TEACHING, set=["levers.sanctions.intensity=0.2\0junk"])
    sc = geosim.load(TEACHING)
    with pytest.raises(geosim.UsageError, match="^load: embedded null byte in the path$"):
        sc.compare(TEACHING + "\0-variant.yaml", runs=10)
    with pytest.raises(geosim.UsageError, match="^load: embedded null byte in an override$"):
        sc.run(runs=10, set={"levers.sanctions.intensity": "0.2\0junk"})
    out = _sweep(tmp_path, runs=20)
    with pytest.raises(geosim.UsageError, match="^read_sweep: embedded null byte in the path$"):
        geosim.read_sweep(str(out) + "\0-elsewhere")
    with pytest.raises(geosim.UsageError, match="^reproduce_command: embedded null byte in an argument$"):
        geosim._geosim.reproduce_command("run", [TEACHING + "\0x"])


def test_whole_number_arguments_out_of_range_are_usage_errors():
    sc = geosim.load(TEACHING)
    Y = np.zeros((8, 1))
    cases = [
        (lambda: sc.run(runs=-1), "runs must be a whole number from 1 to 2^40, got -1"),
        (lambda: sc.run(runs=2**64), "runs must be a whole number from 1 to 2^40, got 18446744073709551616"),
        (lambda: sc.run(runs=2**40 + 1), "runs must be a whole number from 1 to 2^40, got 1099511627777"),
        (lambda: sc.run(runs=10, seed=-1), "seed must be a whole number from 0 to 2^64 - 1, got -1"),
        (lambda: sc.run(runs=10, seed=2**64), "seed must be a whole number from 0 to 2^64 - 1, got 18446744073709551616"),
        (lambda: sc.compare(TEACHING, runs=-1), "runs must be a whole number from 1 to 2^40, got -1"),
        (lambda: sc.lever_effects(runs=10, seed=-1), "seed must be a whole number from 0 to 2^64 - 1, got -1"),
        (lambda: sc.evaluate(Y[:1], ["levers.sanctions.intensity"], seed=2**64),
         "seed must be a whole number from 0 to 2^64 - 1, got 18446744073709551616"),
        (lambda: geosim.sobol_sample(4, 2, -1), "seed must be a whole number from 0 to 2^64 - 1, got -1"),
        (lambda: geosim.sobol_sample(2**31, 2), "sobol_sample: n must be a whole number from 2 to 2^28, got 2147483648"),
        (lambda: geosim.sobol_sample(4, 0), "sobol_sample: d must be a whole number from 1 to 1833, got 0"),
        (lambda: geosim.sobol_sample(2**27, 1), "sobol_sample: n (d + 2) is limited to 2^28 points, got 134217728 * 3"),
        (lambda: geosim.sobol_analyze(Y, 2**31 - 1), "sobol_analyze: d must be a whole number from 1 to 1833, got 2147483647"),
        (lambda: geosim.sobol_analyze(Y, 2, bootstrap=-1),
         "sobol_analyze: bootstrap must be a whole number from 0 to 100000, got -1"),
        (lambda: geosim.sobol_analyze(Y, 2, seed=2**64),
         "seed must be a whole number from 0 to 2^64 - 1, got 18446744073709551616"),
    ]
    for call, message in cases:
        with pytest.raises(geosim.UsageError) as e:
            call()
        assert str(e.value) == message
    # The largest seed is a seed, as on the command line.
    res = sc.run(runs=50, seed=2**64 - 1)
    assert res.seed == 2**64 - 1
    assert res.to_json() == cli("run", *res.args, "--format", "json", "-q")[1]


def test_the_module_refuses_fractions_and_what_cannot_be_called():
    # What the module itself is handed (Scenario.run passes its arguments on): a fraction is
    # refused, not cut; a whole float (1e4) or a numpy integer is a whole number.
    h = geosim.load(TEACHING)._h
    with pytest.raises(geosim.UsageError, match=r"^runs must be a whole number from 1 to 2\^40, got 1.7$"):
        h.run(1.7, 1, 0, "")
    with pytest.raises(geosim.UsageError, match="got nan$"):
        h.run(float("nan"), 1, 0, "")
    with pytest.raises(TypeError, match="^runs must be a whole number, got str '10'$"):
        h.run("10", 1, 0, "")
    with pytest.raises(TypeError, match="^threads must be a whole number, got bool True$"):
        h.run(10, 1, True, "")
    assert h.run(100.0, np.uint64(7), np.int8(2), "") == h.run(100, 7, 2, "")
    for bad in (5, "no"):
        with pytest.raises(TypeError, match="^progress must be a callable f\\(done, total\\) or None, got "):
            h.run(10, 1, 0, "", bad)


def test_fractions_are_refused_not_cut_and_progress_must_be_callable():
    sc = geosim.load(TEACHING)
    with pytest.raises(geosim.UsageError, match=r"^runs must be a whole number from 1 to 2\^40, got 1.7$"):
        sc.run(runs=1.7)
    with pytest.raises(geosim.UsageError, match="^horizon must be a positive whole number of steps, got 1.9$"):
        sc.run(runs=10, horizon=1.9)
    with pytest.raises(geosim.UsageError, match="got 2.5$"):
        sc.evaluate([[0.5]], ["levers.sanctions.intensity"], runs_per_point=2.5)
    with pytest.raises(geosim.UsageError, match="got 4.5$"):
        geosim.sobol_sample(4.5, 2)
    for bad in (5, "no"):
        with pytest.raises(TypeError, match="^progress must be True, False, None or a callable"):
            sc.run(runs=10, progress=bad)
    # A whole float is a whole number, as --runs 1e4 on the command line.
    res = sc.run(runs=1e3, seed=7.0, horizon=4.0)
    assert res.args[-6:] == ["--horizon", "4", "--runs", "1000", "--seed", "7"]
    assert res.to_json() == cli("run", *res.args, "--format", "json", "-q")[1]


def test_a_scenario_stays_as_loaded_when_its_file_is_edited_or_deleted(tmp_path):
    # Calls with overrides (set=, until=, horizon=) used to read the file again: after an
    # edit they ran another scenario than the plain call, and after a delete they failed.
    path = tmp_path / "edited.yaml"
    path.write_text((ROOT / TEACHING).read_text())
    sc = geosim.load(path)
    variant = geosim.load(path, set={"levers.sanctions.intensity": 0.9})

    def results():
        return [sc.run(runs=500, seed=3).to_json(),
                sc.run(runs=500, seed=3, horizon=20).to_json(),
                sc.run(runs=500, seed=3, until="2020-06-01").to_json(),
                sc.run(runs=500, seed=3, set={"actors.army.stance": 0.4}).to_json(),
                sc.lever_effects(runs=200, seed=3, horizon=20).to_json(),
                sc.compare(variant, runs=500, seed=3).to_json(),
                sc.compare(variant, runs=500, seed=3, horizon=20).to_json()]

    before = results()
    # The command on the unchanged file gives the same bytes.
    assert before[1] == cli("run", path, "--horizon", "20", "--runs", "500", "--seed", "3", "--format", "json",
                            "-q")[1]
    text = path.read_text()
    assert "intensity: 0.7" in text
    path.write_text(text.replace("intensity: 0.7", "intensity: 0.0", 1).replace("horizon: 52", "horizon: 30"))
    assert results() == before
    path.unlink()
    assert results() == before
    assert sc.parameter("levers.sanctions.intensity")["value"] == 0.7


def test_load_reports_errors_in_an_extended_file_as_the_command_does(tmp_path):
    # load() builds from the tree it read; a message about a file reached through `extends:`
    # still names the file that extended it, as the command's does.
    (tmp_path / "base.yaml").write_text((ROOT / TEACHING).read_text().replace("stubbornness: 0.8",
                                                                              "stubbornnes: 0.8"))
    variant = tmp_path / "variant.yaml"
    variant.write_text("extends: base.yaml\n")
    code, _, err = cli("run", variant, "-n", "10", check=False)
    assert code == 3 and "extended from" in err
    with pytest.raises(geosim.InputError) as e:
        geosim.load(variant)
    assert str(e.value) == err.rstrip("\n")


def test_until_and_horizon_mistakes_are_named_as_the_command_names_them():
    code, _, err = cli("run", TEACHING, "--until", "soon", "-n", "10", check=False)
    assert code == 3 and "--until soon" in err
    with pytest.raises(geosim.InputError) as e:
        geosim.load(TEACHING).run(runs=10, until="soon")
    assert str(e.value) == err.rstrip("\n")


def test_numpy_bools_are_overrides_as_python_bools_are():
    on = geosim.load(TEACHING, set={"levers.sanctions.enabled": False})
    assert on.parameter("levers.sanctions.enabled")["value"] == 0
    for value in (np.bool_(False), np.array([True, False])[1]):
        sc = geosim.load(TEACHING, set={"levers.sanctions.enabled": value})
        assert sc.parameter("levers.sanctions.enabled")["value"] == 0
        assert sc.run(runs=300, seed=2).to_json() == on.run(runs=300, seed=2).to_json()
    assert geosim.load(TEACHING, set={"levers.sanctions.enabled": np.bool_(True)}).parameter(
        "levers.sanctions.enabled")["value"] == 1


def test_a_path_that_is_no_file_name_is_a_type_error(tmp_path):
    import pathlib

    for bad in (None, 5, b"scenarios/teaching.yaml", pathlib.PurePosixPath):
        with pytest.raises(TypeError, match=r"^path must be a file name \(str or os.PathLike\)|^path must be a "
                                            r"file name as str"):
            geosim.load(bad)
    with pytest.raises(TypeError, match="os.fsdecode"):
        geosim.load(b"scenarios/teaching.yaml")
    sc = geosim.load(pathlib.Path(TEACHING))
    assert sc.path == TEACHING
    with pytest.raises(TypeError, match=r"^variant must be a Scenario or a file name \(str or os.PathLike\), "
                                        r"got NoneType None$"):
        sc.compare(None, runs=10)
    with pytest.raises(TypeError, match="^dir must be"):
        geosim.read_sweep(None)


def test_evaluate_reports_progress_within_a_row():
    # One row of many runs: progress (and with it the check for Ctrl-C) came only after
    # each row, so a single long row could not be interrupted.
    seen = []
    sc = geosim.load(TEACHING)
    Y = sc.evaluate([[0.5]], ["levers.sanctions.intensity"], runs_per_point=20000, seed=2, threads=1,
                    progress=lambda d, t: seen.append((d, t)))
    assert any(0 < d < 20000 for d, _ in seen), seen
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (20000, 20000)
    assert np.array_equal(Y, sc.evaluate([[0.5]], ["levers.sanctions.intensity"], runs_per_point=20000, seed=2,
                                         threads=1))


def test_ctrl_c_stops_a_long_evaluate_row():
    # One row of 2^31 - 1 runs would take hours: Ctrl-C is seen inside it.
    _interrupted("sc.evaluate([[0.5]], ['levers.sanctions.intensity'], runs_per_point=2**31 - 1, threads=1)", 30,
                 "evaluate (within its row)")


# --- Found by an adversarial trial: each test below failed before its fix. ---------------

SANCTIONS, STANCE = "levers.sanctions.intensity", "actors.army.stance"


def test_evaluate_takes_a_dataframes_columns_by_name_not_position():
    sc = geosim.load(TEACHING)
    df = pd.DataFrame({SANCTIONS: [0.0, 0.4], STANCE: [0.9, 0.3], "ignored": [7.0, 8.0]})
    want = sc.evaluate(np.array([[0.9, 0.0], [0.3, 0.4]]), [STANCE, SANCTIONS], runs_per_point=200)
    assert np.array_equal(sc.evaluate(df, [STANCE, SANCTIONS], runs_per_point=200), want)
    assert np.array_equal(sc.evaluate(df[[SANCTIONS, STANCE]], runs_per_point=200), want)  # paths=None: its own names
    assert not np.array_equal(sc.evaluate(df[[SANCTIONS, STANCE]].to_numpy(), [STANCE, SANCTIONS],
                                          runs_per_point=200), want)  # positions would have been wrong
    with pytest.raises(geosim.UsageError, match=r"X has no column 'actors.army.mood'.*by name"):
        sc.evaluate(df, [STANCE, "actors.army.mood"], runs_per_point=10)
    twice = pd.DataFrame([[0.1, 0.2]], columns=[STANCE, STANCE])
    with pytest.raises(geosim.UsageError, match="2 columns named"):
        sc.evaluate(twice, [STANCE], runs_per_point=10)
    # Unnamed columns (pd.DataFrame(array)) are positions, as the array's.
    arr = np.array([[0.9, 0.0], [0.3, 0.4]])
    assert np.array_equal(sc.evaluate(pd.DataFrame(arr), [STANCE, SANCTIONS], runs_per_point=200), want)


def test_evaluate_reports_progress_within_a_row_on_any_thread():
    # With threads=2 and one row another OpenMP thread may take the row; its progress (and
    # with it the check for Ctrl-C) came only at the end.
    sc = geosim.load(TEACHING)
    for threads in (2, 3):
        seen = []
        Y = sc.evaluate([[0.5]], [SANCTIONS], runs_per_point=20000, seed=2, threads=threads,
                        progress=lambda d, t: seen.append((d, t)))
        assert any(0 < d < 20000 for d, _ in seen), (threads, seen)
        assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (20000, 20000)
        assert np.array_equal(Y, sc.evaluate([[0.5]], [SANCTIONS], runs_per_point=20000, seed=2, threads=1))


def test_evaluate_gives_the_same_bytes_for_any_threads():
    sc = geosim.load(TEACHING)
    X = np.column_stack([np.linspace(0, 1, 7), np.linspace(0.1, 0.9, 7)])
    ys = [sc.evaluate(X, [SANCTIONS, STANCE], runs_per_point=300, seed=5, threads=t) for t in (1, 2, 3, 0)]
    assert all(y.tobytes() == ys[0].tobytes() for y in ys)


def test_ctrl_c_stops_a_long_evaluate_row_on_a_worker_thread():
    _interrupted("sc.evaluate([[0.5]], ['levers.sanctions.intensity'], runs_per_point=2**31 - 1, threads=2)", 30,
                 "evaluate (one row, threads=2)")


_FORK_CHILD = r"""
import multiprocessing as mp, sys, warnings
import numpy as np
import geosim

X = np.array([[0.1], [0.5], [0.9]])

def child(threads):
    sc = geosim.load('scenarios/teaching.yaml')
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        y = sc.evaluate(X, ['levers.sanctions.intensity'], runs_per_point=300, threads=threads)
        r = sc.run(runs=2000, seed=3, threads=threads).to_json()
    return geosim._geosim._forked_child(), y.tobytes(), r, [str(x.message) for x in w]

if __name__ == '__main__':
    sc = geosim.load('scenarios/teaching.yaml')
    # The parent computes on several threads first: the OpenMP runtime's pool then exists.
    want = sc.evaluate(X, ['levers.sanctions.intensity'], runs_per_point=300, threads=2).tobytes()
    run = sc.run(runs=2000, seed=3, threads=2).to_json()
    with mp.get_context('fork').Pool(2) as pool:
        out = pool.map(child, [0, 1, 3])
    assert not geosim._geosim._forked_child()
    for (forked, y, r, warned), threads in zip(out, [0, 1, 3]):
        assert forked and y == want and r == run, threads
        assert bool(warned) == (threads == 3), (threads, warned)
        assert all('one thread' in m and 'spawn' in m for m in warned), warned
    print('ok')
"""


def test_a_forked_child_runs_on_one_thread_instead_of_hanging(tmp_path):
    script = tmp_path / "fork_child.py"
    script.write_text(_FORK_CHILD)
    import os
    import signal

    # A session of its own, so that a hung pool's children go with it.
    p = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise AssertionError("a forked child hung in its first multithreaded call")
    assert p.returncode == 0 and out.strip() == "ok", err


def test_a_file_name_that_is_not_utf8_gets_the_commands_message(tmp_path):
    import os

    name = os.fsdecode(b"x\xff.yaml")
    assert name == "x\udcff.yaml"
    p = subprocess.run([str(BINARY), "validate", b"x\xff.yaml"], cwd=ROOT, capture_output=True)
    assert p.returncode == 3
    first = p.stderr.decode("utf-8", "backslashreplace").splitlines()[0]
    with pytest.raises(geosim.InputError) as e:
        geosim.load(name)
    assert str(e.value) == first == "x\\xff.yaml: the file name is not valid UTF-8; rename the file; outputs name it " \
                                    "and must be UTF-8"
    sc = geosim.load(TEACHING)
    with pytest.raises(geosim.InputError, match="not valid UTF-8"):
        sc.compare(name, runs=10)
    with pytest.raises(geosim.InputError, match="not valid UTF-8"):
        geosim.read_sweep(os.fsdecode(b"out\xfe"))
    with pytest.raises(geosim.InputError, match=r"^x\\xed\\xa0\\x80\.yaml: the file name is not valid UTF-8"):
        geosim.load("x\ud800.yaml")  # a lone surrogate, no os.fsdecode() escape


def test_numpy_numbers_inside_a_distribution_override():
    plain = geosim.load(TEACHING, set={SANCTIONS: {"dist": "uniform", "min": 0.2, "max": 0.5}})
    for lo, hi in ((np.float32(0.2), np.float32(0.5)), (np.float64(0.2), np.array([0.5])[0])):
        sc = geosim.load(TEACHING, set={SANCTIONS: {"dist": "uniform", "min": lo, "max": hi}})
        assert sc.parameter(SANCTIONS)["distribution"] == plain.parameter(SANCTIONS)["distribution"]
        assert sc.run(runs=300, seed=2).to_json() == plain.run(runs=300, seed=2).to_json()
    # Integers, bools and lists of them too, and in a call's set= as in load's.
    sc = geosim.load(TEACHING)
    a = sc.run(runs=200, seed=4, set={SANCTIONS: {"dist": "uniform", "min": np.int64(0), "max": np.int8(1)},
                                      "levers.sanctions.enabled": np.bool_(True)})
    b = sc.run(runs=200, seed=4, set={SANCTIONS: {"dist": "uniform", "min": 0, "max": 1},
                                      "levers.sanctions.enabled": True})
    assert a.to_json() == b.to_json()


def test_horizon_that_is_no_number_is_a_type_error_as_runs_is():
    sc = geosim.load(TEACHING)
    with pytest.raises(TypeError, match="^runs must be a whole number"):
        sc.run(runs="10")
    for bad in ("5", True, np.bool_(True), [5]):
        with pytest.raises(TypeError, match="^horizon must be a whole number of steps, got "):
            sc.run(runs=10, horizon=bad)
    for bad in (1.5, 0, -2, np.float32(2.5)):
        with pytest.raises(geosim.UsageError, match="^horizon must be a positive whole number"):
            sc.run(runs=10, horizon=bad)
    want = sc.run(runs=50, horizon=5).to_json()
    for good in (5.0, np.int64(5), np.float32(5)):
        assert sc.run(runs=50, horizon=good).to_json() == want


def test_a_str_override_is_yaml_text_and_its_error_says_so():
    bad = {"levers.sanctions.intensity": "0.2: x"}
    with pytest.raises(geosim.InputError) as e:
        geosim.load(TEACHING, set=bad)
    assert any("YAML text" in n and '"Plan B: x"' in n for n in getattr(e.value, "__notes__", [])), e.value
    sc = geosim.load(TEACHING)
    with pytest.raises(geosim.InputError) as e:
        sc.run(runs=10, set=bad)
    assert any("YAML text" in n for n in getattr(e.value, "__notes__", []))
    # The same text as a list entry is the command's own --set: no note.
    with pytest.raises(geosim.InputError) as e:
        geosim.load(TEACHING, set=["levers.sanctions.intensity=0.2: x"])
    assert not getattr(e.value, "__notes__", [])
    assert geosim.load(TEACHING, set={SANCTIONS: "0.25"}).parameter(SANCTIONS)["value"] == 0.25
    assert geosim.load(TEACHING, set={"title": '"Plan B: x"'}).title == "Plan B: x"  # as docs/python.md says
    with pytest.raises(geosim.InputError) as e:
        geosim.load(TEACHING, set={"title": "Plan B: x"})
    assert any('"Plan B: x"' in n for n in getattr(e.value, "__notes__", []))


def _damaged(out, edit):
    csv_path = out / "results.csv"
    lines = csv_path.read_text().splitlines(keepends=True)
    csv_path.write_text("".join(edit(lines)))
    return csv_path, lines


def test_read_sweep_refuses_a_repeated_or_missing_point(tmp_path):
    out = _sweep(tmp_path, runs=50)
    first = next(i for i, l in enumerate((out / "results.csv").read_text().splitlines()) if l.startswith("0,"))
    # Point 0 repeated after point 1: line first + 3 (1-based) repeats line first + 1.
    csv_path, lines = _damaged(out, lambda ls: ls[:first + 2] + [ls[first]] + ls[first + 2:])
    with pytest.raises(geosim.InputError, match=rf"^{re.escape(str(csv_path))}:{first + 3}:1: point 0 is listed twice "
                                                rf"\(first on line {first + 1}\)"):
        geosim.read_sweep(out)
    # Point 1 left out.
    csv_path.write_text("".join(lines[:first + 1] + lines[first + 2:]))
    with pytest.raises(geosim.InputError, match=rf"^{re.escape(str(csv_path))}:{first + 2}:1: point 1 is missing: "
                                                r"this row is point 2"):
        geosim.read_sweep(out)
    csv_path.write_text("".join(lines))
    assert list(geosim.read_sweep(out)["point"]) == list(range(6))


# --- Found by a second adversarial trial: each test below failed before its fix. --------

def _child(code: str, timeout: float = 120):
    """Runs `code` in a child Python in the checkout: (exit code, stdout, stderr)."""
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def test_python_exits_cleanly_while_daemon_threads_compute():
    # CPython ends a thread that takes the GIL while it shuts down by unwinding it, which
    # aborted the process (rc 134) in a catch (...) or a std::thread left joinable on the way.
    code = """
import threading, time
import numpy as np
import geosim

sc = geosim.load('scenarios/teaching.yaml')
P = ['levers.sanctions.intensity']
slow = lambda done, total: time.sleep(0.04)  # gives up the GIL and takes it back
calls = [lambda: sc.run(runs=1 << 34, threads=1),
         lambda: sc.run(runs=1 << 34, threads=2, progress=slow),
         lambda: sc.compare('scenarios/teaching.yaml', runs=1 << 34, threads=1),
         lambda: sc.lever_effects(runs=1 << 34, threads=1),
         lambda: sc.evaluate([[0.5]], P, runs_per_point=2**31 - 1, threads=2),
         lambda: sc.evaluate([[0.5]], P, runs_per_point=2**31 - 1, threads=1, progress=slow),
         lambda: geosim.sobol_analyze(np.random.default_rng(0).random((5 << 16, 1)), 3, bootstrap=100000)]

def again(call):  # short calls, one after another: some end while Python shuts down
    def loop():
        while True:
            call()
    return loop

calls += [again(lambda: sc.run(runs=50, threads=1)), again(lambda: geosim.load('scenarios/teaching.yaml'))]
for call in calls:
    threading.Thread(target=call, daemon=True).start()
time.sleep(1)
print('exit', flush=True)
"""
    code, out, err = _child(code)
    assert (code, out, err) == (0, "exit\n", "")


def test_ctrl_c_stops_computations_on_other_threads():
    # Python runs signal handlers on its main thread only: a run in a thread pool went on
    # after Ctrl-C, and the program could not end until it had.
    code = """
import concurrent.futures as cf, os, signal, threading
import geosim

sc = geosim.load('scenarios/teaching.yaml')
pool = cf.ThreadPoolExecutor(2)
futures = [pool.submit(sc.run, runs=1 << 34, threads=1),
           pool.submit(sc.evaluate, [[0.5]], ['levers.sanctions.intensity'], runs_per_point=2**31 - 1, threads=1)]
try:
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    cf.wait(futures)
except KeyboardInterrupt:
    print('main', flush=True)
for f in futures:
    print(type(f.exception()).__name__, flush=True)
"""
    try:
        code, out, err = _child(code, timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError("Ctrl-C did not stop the computations on the pool's threads")
    assert (code, out.split()) == (0, ["main", "KeyboardInterrupt", "KeyboardInterrupt"]), err
    # A program with a SIGINT handler of its own decides what Ctrl-C does: the run goes on.
    code = """
import concurrent.futures as cf, os, signal
import geosim

sc = geosim.load('scenarios/teaching.yaml')
seen = []
signal.signal(signal.SIGINT, lambda sig, frame: seen.append(sig))

def nudge(done, total):
    if done and not seen:
        os.kill(os.getpid(), signal.SIGINT)

with cf.ThreadPoolExecutor(1) as pool:
    res = pool.submit(sc.run, runs=100000, seed=1, threads=1, progress=nudge).result()
print(res.runs, bool(seen))
"""
    code, out, err = _child(code)
    assert (code, out) == (0, "100000 True\n"), err


def test_numpy_bools_are_no_whole_numbers():
    sc = geosim.load(TEACHING)
    P = ["levers.sanctions.intensity"]
    calls = {
        "runs": lambda v: sc.run(runs=v),
        "seed": lambda v: sc.run(runs=10, seed=v),
        "threads": lambda v: sc.run(runs=10, threads=v),
        "evaluate: runs_per_point": lambda v: sc.evaluate([[0.5]], P, runs_per_point=v),
        "sobol_sample: n": lambda v: geosim.sobol_sample(v, 2),
    }
    for name, call in calls.items():
        for bad in (np.True_, np.array([True])[0], True):
            with pytest.raises(TypeError, match=rf"^{name} must be a whole number, got bool_? True$"):
                call(bad)


def test_every_whole_number_argument_takes_any_whole_real_number():
    from decimal import Decimal
    from fractions import Fraction

    sc = geosim.load(TEACHING)
    want = sc.run(runs=100, seed=3, horizon=5, threads=1)
    for ten in (np.float32(100), np.float64(100), Fraction(100), Decimal(100), Decimal("1E2"), 100.0, np.int16(100)):
        three, five, one = (type(ten)(3), type(ten)(5), type(ten)(1))
        res = sc.run(runs=ten, seed=three, horizon=five, threads=one)
        assert res.args == want.args  # "--runs 100", as the command line takes it
        assert res.to_json() == want.to_json()
        y = sc.evaluate([[0.5]], ["levers.sanctions.intensity"], runs_per_point=ten, seed=three)
        assert np.array_equal(y, sc.evaluate([[0.5]], ["levers.sanctions.intensity"], runs_per_point=100, seed=3))
        assert np.array_equal(geosim.sobol_sample(type(ten)(4), type(ten)(2)), geosim.sobol_sample(4, 2))
    assert want.to_json() == cli("run", *want.args, "--format", "json", "-q")[1]
    # A fraction is refused whatever its type, and what is no real number is a TypeError.
    for half in (np.float32(2.5), Fraction(5, 2), Decimal("2.5")):
        with pytest.raises(geosim.UsageError, match=r"^runs must be a whole number from 1 to 2\^40, got (2.5|5/2)$"):
            sc.run(runs=half)
        with pytest.raises(geosim.UsageError, match="^horizon must be a positive whole number of steps, got"):
            sc.run(runs=10, horizon=half)
    for nan in (np.float32("nan"), Decimal("NaN"), Decimal("sNaN")):
        with pytest.raises(geosim.UsageError, match=r"(?i)^seed must be a whole number from 0 to 2\^64 - 1, "
                                                    r"got s?nan$"):
            sc.run(runs=10, seed=nan)
    with pytest.raises(TypeError, match=r"^runs must be a whole number, got complex \(10\+0j\)$"):
        sc.run(runs=10 + 0j)


def test_sobol_functions_release_the_gil_and_stop_on_ctrl_c():
    assert _ticks_in_the_middle(lambda: geosim.sobol_sample(2**15, 20)) >= 3  # 2.9 million points
    # Minutes of work (100000 resamples of 65536 rows), stopped within seconds.
    _interrupted("import numpy as np; geosim.sobol_analyze(np.random.default_rng(0).random((5 << 16, 1)), 3, "
                 "bootstrap=100000)", 60, "sobol_analyze")


def test_ctrl_c_stops_sobol_analyze_within_its_bootstrap():
    # The bootstrap's intervals, at the end of sobol_analyze (2 d m sorts of `bootstrap`
    # values), take seconds for a wide Y, and Ctrl-C stopped the call only once they were over.
    # Here Y has two rows, so the bootstrap is all that is left once its sums are in memory
    # (zeroed as the call begins). A thread of the child watches for that moment: in a first
    # call, left to finish, to time the bootstrap; in a second, to send SIGINT.
    code = """
import os, signal, threading, time
import numpy as np
import geosim

d, m, B = 20, 20, 100000
Y = np.random.default_rng(0).random((2 * (d + 2), m))
sums = (B + 1) * m * (2 + 2 * d) * 8  # bytes of the resamples' sums

def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')

def when_summing(then):  # calls then() once the sums are in memory (a minute at most)
    base, until = rss(), time.monotonic() + 60
    def watch():
        while rss() - base < sums and time.monotonic() < until:
            time.sleep(0.005)
        then()
    t = threading.Thread(target=watch)
    t.start()
    return t

began = []
t = when_summing(lambda: began.append(time.monotonic()))
geosim.sobol_analyze(Y, d, bootstrap=B)
full = time.monotonic() - began[0]
t.join()
sent = []
t = when_summing(lambda: (sent.append(time.monotonic()), os.kill(os.getpid(), signal.SIGINT)))
try:
    geosim.sobol_analyze(Y, d, bootstrap=B)
    print('finished', full, time.monotonic() - sent[0])
except KeyboardInterrupt:
    print('interrupted', full, time.monotonic() - sent[0])
t.join()
"""
    code, out, err = _child(code, timeout=300)
    assert code == 0, err
    what, full, stopped = out.split()
    assert what == "interrupted", out
    # The bootstrap takes about 2 s on a two-core VM, where the call stops 0.3 s after the
    # signal; it stopped 2 s after it, once the bootstrap was over.
    assert float(stopped) < float(full) / 2, out


def test_text_with_surrogates_or_bytes_gets_a_clear_error():
    sc = geosim.load(TEACHING)
    bad = "\udcff"  # os.fsdecode(b"\xff")
    cases = [
        (lambda: geosim.load(TEACHING, set={"title" + bad: 1}), r"^set: the override 'title\\udcff=1' is not valid "
                                                                r"UTF-8 text"),
        (lambda: sc.run(runs=10, set={"title": '"x' + bad + '"'}), "^set: the override .* is not valid UTF-8 text"),
        (lambda: sc.run(runs=10, set=["title=x" + bad]), "^set: the override .* is not valid UTF-8 text"),
        (lambda: sc.run(runs=10, until="2020-06-01" + bad), r"^until: '2020-06-01\\udcff' is not valid UTF-8 text"),
        (lambda: sc.evaluate([[0.5]], ["levers.x" + bad]), r"^evaluate: the path 'levers.x\\udcff' is not valid "
                                                           r"UTF-8 text"),
    ]
    for call, message in cases:
        with pytest.raises(geosim.UsageError, match=message):
            call()
    with pytest.raises(TypeError, match=r"^set must be a dict \{path: value\}, .*got bytes .*decode"):
        geosim.load(TEACHING, set=b"levers.sanctions.intensity=0.3")
    with pytest.raises(TypeError, match=r"^set: \{'levers.sanctions.intensity': b'0.3'\} holds bytes"):
        geosim.load(TEACHING, set={"levers.sanctions.intensity": b"0.3"})
    with pytest.raises(TypeError, match="^set: each item of a list must be a 'PATH=VALUE' str, got bytes"):
        sc.run(runs=10, set=[b"levers.sanctions.intensity=0.3"])
    with pytest.raises(TypeError, match=r"^set must be a dict \{path: value\}, .*got int 5$"):
        geosim.load(TEACHING, set=5)


def test_until_takes_datetimes_at_midnight_and_numpy_dates():
    import datetime

    sc = geosim.load(TEACHING)
    want = sc.run(runs=200, until="2020-06-01")
    assert want.to_json() == cli("run", *want.args, "--format", "json", "-q")[1]
    for day in (datetime.date(2020, 6, 1), datetime.datetime(2020, 6, 1), pd.Timestamp("2020-06-01"),
                np.datetime64("2020-06-01"), np.datetime64("2020-06-01T00:00")):
        res = sc.run(runs=200, until=day)
        assert res.args == want.args and res.to_json() == want.to_json()
    # The module's own dates are Timestamps, each the last day of its step: the runs end with
    # that step, which the note says (the days before `until` are run, rounded up to steps).
    last = sc.run(runs=10).survival["date"].iloc[-1]
    with pytest.warns(UserWarning, match=f"^until={last.date()} falls inside week {sc.horizon}; the runs end with "
                                         f"that week, on {last.date()}$"):
        assert sc.run(runs=10, until=last).json["until"] == str(sc.until)
    for late in (datetime.datetime(2020, 6, 1, 12), pd.Timestamp("2020-06-01 00:00:01"),
                 np.datetime64("2020-06-01T06:00")):
        with pytest.raises(geosim.UsageError, match="^until must be a date, got .*, which has a time of day"):
            sc.run(runs=10, until=late)
    for none in (pd.NaT, np.datetime64("NaT")):
        with pytest.raises(geosim.UsageError, match="^until must be a date, got"):
            sc.run(runs=10, until=none)
    with pytest.raises(TypeError, match=r"^until must be a date \(datetime.date, .*got int 20200601$"):
        sc.run(runs=10, until=20200601)
    code, _, err = cli("run", TEACHING, "--until", "", "-n", "10", check=False)
    assert code == 2 and "--until is empty; give a value" in err
    with pytest.raises(geosim.UsageError, match="^until is empty; give a date YYYY-MM-DD$"):
        sc.run(runs=10, until="")


def test_until_inside_a_step_warns_as_the_command_notes():
    sc = geosim.load(TEACHING)
    _, _, err = cli("run", TEACHING, "--until", "2020-09-01", "-n", "10", "--format", "json")
    assert err.startswith("note: --until 2020-09-01 falls inside week 35;")
    with pytest.warns(UserWarning) as seen:
        res = sc.run(runs=10, until="2020-09-01")
    assert [str(w.message) for w in seen] == [err.strip().replace("note: --until ", "until=")]
    assert seen[0].filename == __file__  # the caller's line
    assert res.json["until"] == "2020-09-07"
    for call in (lambda: sc.lever_effects(runs=10, until="2020-09-01"),
                 lambda: sc.compare(TEACHING, runs=10, until="2020-09-01")):
        with pytest.warns(UserWarning, match="falls inside week 35") as seen:
            call()
        assert len(seen) == 1
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sc.run(runs=10, until="2020-06-01")  # the first day of a week: no note


def test_evaluate_takes_integer_columns_0_to_k_by_position():
    sc = geosim.load(TEACHING)
    arr = np.array([[0.1, 0.2], [0.7, 0.9]])
    want = sc.evaluate(arr, [SANCTIONS, STANCE], runs_per_point=50)
    for X in (pd.read_csv(io.StringIO("0.1,0.2\n0.7,0.9\n"), header=None), pd.DataFrame(arr).iloc[:, [0, 1]],
              pd.DataFrame(arr, columns=[np.int64(0), np.int64(1)])):
        assert not isinstance(X.columns, pd.RangeIndex)  # as the trial's were
        assert np.array_equal(sc.evaluate(X, [SANCTIONS, STANCE], runs_per_point=50), want)
    # Other labels are names, even integer ones.
    with pytest.raises(geosim.UsageError, match="X has no column"):
        sc.evaluate(pd.DataFrame(arr).iloc[:, [1, 0]], [SANCTIONS, STANCE], runs_per_point=50)


def test_evaluate_refuses_complex_masked_and_missing_values():
    sc = geosim.load(TEACHING)
    P = [SANCTIONS]
    with pytest.raises(TypeError, match="^evaluate: X must hold real numbers, one row per point; it holds complex"):
        sc.evaluate(np.array([[0.5 + 7j]]), P, runs_per_point=10)
    with pytest.raises(TypeError, match="it holds complex"):
        sc.evaluate(pd.DataFrame({SANCTIONS: [0.5 + 0j]}), runs_per_point=10)
    with pytest.raises(TypeError, match="^evaluate: X must hold real numbers"):
        sc.evaluate([["0.5x"]], P, runs_per_point=10)
    masked = np.ma.masked_array([[0.1], [0.9]], mask=[[False], [True]])
    with pytest.raises(geosim.UsageError, match="^evaluate: X has a masked value in row 1"):
        sc.evaluate(masked, P, runs_per_point=10)
    unmasked = np.ma.masked_array([[0.1], [0.9]])
    assert np.array_equal(sc.evaluate(unmasked, P, runs_per_point=10),
                          sc.evaluate([[0.1], [0.9]], P, runs_per_point=10))
    # Missing values are refused as NaN is.
    with pytest.raises(geosim.UsageError) as nan:
        sc.evaluate([[0.1], [np.nan]], P, runs_per_point=10)
    assert str(nan.value) == ("evaluate: row 1: levers.sanctions.intensity = nan is outside the values it may take, "
                              "[0, 1]")
    for missing in (pd.DataFrame({SANCTIONS: pd.array([0.1, None], dtype="Float64")}), [[0.1], [pd.NA]],
                    [[0.1], [None]], pd.DataFrame({SANCTIONS: [0.1, pd.NA]}), pd.DataFrame({SANCTIONS: [0.1, None]}),
                    pd.DataFrame({SANCTIONS: pd.array([1, None], dtype="Int64")}) / 10):
        with pytest.raises(geosim.UsageError) as e:
            sc.evaluate(missing, P, runs_per_point=10)
        assert str(e.value) == str(nan.value)


def test_evaluate_refuses_text_even_text_of_a_number():
    sc = geosim.load(TEACHING)
    P = [SANCTIONS]
    # numpy and pandas would read "0.2" as 0.2; the documentation says text is a TypeError.
    for X in ([["0.2"]], np.array([["0.2"]]), [[b"0.2"]], np.array([[b"0.2"]]), [[0.1], ["0.2"]],
              np.array([[0.1], ["0.2"]], dtype=object), pd.DataFrame({SANCTIONS: ["0.2"]}),
              pd.DataFrame({SANCTIONS: pd.array(["0.2"], dtype="string")})):
        with pytest.raises(TypeError, match="^evaluate: X must hold real numbers, one row per point; it holds "):
            sc.evaluate(X, P, runs_per_point=10)
    # Numbers of every kind still are numbers, with the same results.
    want = sc.evaluate([[0.2]], P, runs_per_point=10)
    for X in ([[np.float64(0.2)]], np.array([[0.2]], dtype=object), pd.DataFrame({SANCTIONS: [0.2]}),
              pd.DataFrame({SANCTIONS: pd.array([0.2], dtype="Float64")})):
        assert np.array_equal(sc.evaluate(X, P, runs_per_point=10), want)


def test_an_empty_path_is_a_usage_error_as_on_the_command_line(tmp_path):
    sc = geosim.load(TEACHING)
    for call, what in ((lambda: geosim.load(""), "path"), (lambda: sc.compare(""), "variant"),
                       (lambda: geosim.read_sweep(""), "dir")):
        with pytest.raises(geosim.UsageError, match=f"^{what} is empty; give a "):
            call()


def test_lever_effects_without_levers_has_the_usual_columns():
    eff = geosim.load(TEACHING, set={"levers": []}).lever_effects(runs=10).effects
    full = geosim.load(TEACHING).lever_effects(runs=10).effects
    assert len(eff) == 0 and list(eff.columns) == list(full.columns)
    assert list(full.columns)[:6] == ["base", "variant", "outcome", "p_base", "p_variant", "difference"]
