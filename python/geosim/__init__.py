"""geosim from Python: load a scenario, run it, compare variants, evaluate parameter matrices.

The API follows the command line (docs/python.md):

    import geosim
    sc = geosim.load("scenarios/teaching.yaml", set={"levers.sanctions.intensity": 0.2})
    res = sc.run(runs=10000, seed=7)          # geosim run ... --runs 10000 --seed 7
    res.outcomes                              # a pandas DataFrame (a list of dicts without pandas)
    res.to_json()                             # the bytes of `geosim run ... --format json`
    sc.compare("variant.yaml", runs=10000)    # geosim compare
    sc.lever_effects(runs=10000)              # geosim run --lever-effects
    sc.evaluate(X, paths, runs_per_point=200) # outcome probabilities per row of X (SALib, EMA)
    geosim.read_sweep("out/grid")             # a sweep's results.csv

Mistakes in input files raise geosim.InputError with the same `file:line:col` messages as
the command; bad arguments raise geosim.UsageError. Both are ValueErrors.
"""
from __future__ import annotations

import datetime as _dt
import json as _json
import numbers as _numbers
import os as _os
import sys as _sys
import warnings as _warnings

from . import _geosim
from ._geosim import InputError, UsageError

__version__ = _geosim.__version__
__all__ = ["load", "read_sweep", "sobol_sample", "sobol_analyze", "Scenario", "RunResult", "CompareResult", "StepCheckResult", "InputError", "UsageError"]

try:  # optional: DataFrames when pandas is there, lists of dicts otherwise
    import pandas as _pd
except ImportError:  # pragma: no cover - exercised only without pandas
    _pd = None


def _yaml_value(value) -> str:
    """A Python value as the YAML text of a --set VALUE. A str is taken as YAML text itself,
    as after `--set PATH=` on the command line."""
    value = _plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (dict, list)):
        return _json.dumps(value)  # JSON is YAML
    if value is None:
        return "~"
    return str(value)


def _plain(value):
    """numpy's numbers and bools as Python's, in dicts and lists too (a distribution's
    {"min": np.float32(0.2)}), so that they are written as the numbers they are: json cannot
    write numpy's scalars, and str() made numpy.bool_ "False", which YAML reads as text. A
    numpy float is the number its shortest text gives (np.float32(0.2) is 0.2, as written)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    np = _sys.modules.get("numpy")  # looked up only when imported: no value is numpy's otherwise
    if np is None:
        return value
    # np.float64 is a float, but numpy 2 writes its repr() as "np.float64(0.2)": made a float.
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(str(value))
    if isinstance(value, np.ndarray):
        return _plain(list(value)) if value.ndim else _plain(value[()])
    return value


def _path(path, what: str = "path", expected: str = "a file name") -> str:
    """A file name as the command takes it: str or os.PathLike (pathlib.Path). str() would
    turn None into the file "None" and b"x.yaml" into "b'x.yaml'", both "no such file"."""
    try:
        p = _os.fspath(path)
    except TypeError:
        raise TypeError(f"{what} must be {expected} (str or os.PathLike), got {type(path).__name__} "
                        f"{path!r}") from None
    if not isinstance(p, str):
        raise TypeError(f"{what} must be a file name as str (or an os.PathLike giving one), got {type(p).__name__} "
                        f"{p!r}; decode it with os.fsdecode()")
    try:
        p.encode("utf-8")
    except UnicodeEncodeError:
        # A name that is not UTF-8 on disk, as os.fsdecode() or os.listdir() give it (its bad
        # bytes as surrogates): refused as the command refuses it, the bytes shown as \xff.
        try:
            raw = _os.fsencode(p)
        except UnicodeError:
            raw = p.encode("utf-8", "surrogatepass")
        if len(raw) > 160:  # as the command shortens a long name in its messages
            raw = raw[:80] + b"..." + raw[-60:] + f" ({len(raw)} characters)".encode()
        raise InputError(f"{raw.decode('utf-8', 'backslashreplace')}: the file name is not valid UTF-8; "
                         "rename the file; outputs name it and must be UTF-8") from None
    if not p:  # as the command says of an empty argument (a usage error, not "no such file")
        raise UsageError(f"{what} is empty; give {expected}")
    return p


def _utf8(text: str, what: str) -> str:
    """text for the module, which takes UTF-8: a str holding a surrogate (an undecodable byte
    as os.fsdecode() or os.listdir() give it, '\\udcff') has none, and is refused by name."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{what} {text!r} is not valid UTF-8 text (it holds a surrogate, as os.fsdecode() makes of "
                         "a byte that is not UTF-8)") from None
    return text


_BYTES = (bytes, bytearray, memoryview)


def _sets(set) -> list[str]:
    """`set=` as PATH=VALUE strings: a dict {path: value}, a list of "PATH=VALUE" strings,
    or one such str. bytes are refused (a list of them would be read byte by byte)."""
    if set is None:
        return []
    if isinstance(set, _BYTES):
        raise TypeError(f"set must be a dict {{path: value}}, a list of 'PATH=VALUE' str or one such str, got "
                        f"{type(set).__name__} {set!r}; decode it with .decode()")
    if isinstance(set, dict):
        out = []
        for path, v in set.items():
            if isinstance(path, _BYTES) or isinstance(v, _BYTES):
                raise TypeError(f"set: {{{path!r}: {v!r}}} holds bytes; a path and a text value must be str: decode "
                                "bytes with .decode()")
            out.append(f"{path}={_yaml_value(v)}")
    elif isinstance(set, str):
        out = [set]
    else:
        try:
            out = list(set)
        except TypeError:
            raise TypeError(f"set must be a dict {{path: value}}, a list of 'PATH=VALUE' str or one such str, got "
                            f"{type(set).__name__} {set!r}") from None
        for s in out:
            if not isinstance(s, str):
                raise TypeError(f"set: each item of a list must be a 'PATH=VALUE' str, got {type(s).__name__} {s!r}"
                                + ("; decode it with .decode()" if isinstance(s, _BYTES) else ""))
    return [_utf8(s, "set: the override") for s in out]


class _TextHint:
    """Adds a note to an InputError about an override given as a str in set={...}: a str is
    YAML text, as after --set PATH= on the command line, so text that YAML reads otherwise
    ("Plan B: x", "yes", "1.0") must be quoted inside it."""

    def __init__(self, set):
        self.paths = [str(p) for p, v in set.items() if isinstance(v, str)] if isinstance(set, dict) else []

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if (kind is not None and issubclass(kind, InputError) and hasattr(error, "add_note")
                and any(p in str(error) for p in self.paths)):
            error.add_note("note: a str in set={...} is YAML text, as after --set PATH= on the command line; "
                           "quote text in it, e.g. {'path': '\"Plan B: x\"'}, or give numbers and bools as "
                           "Python values")
        return False


def _whole(value) -> str:
    """A whole-number argument as the command line writes it ("10000" for 1e4, np.float32(1e4)
    or Fraction(10000) as well). The value itself goes to the module, which refuses a fraction
    or a number out of range with the argument's name and range: int() here would cut
    runs=1.7 to 1."""
    try:
        number = _geosim._whole(value, "")
    except TypeError:
        number = None  # no number: the module says so, naming the argument
    return str(value) if number is None else str(number)


def _until(until) -> str:
    """until= as the text of --until: a date, a datetime at midnight (a pandas.Timestamp, as
    this module's date columns hold) or numpy's datetime64 at midnight, or a str (as after
    --until, checked by the scenario's loader)."""
    if isinstance(until, str):
        text = until
    elif isinstance(until, _dt.date):  # a datetime.datetime (pandas.Timestamp) is a date too
        if until != until:  # pandas.NaT
            raise UsageError(f"until must be a date, got {until!r}")
        if isinstance(until, _dt.datetime):
            if until.time() != _dt.time(0):
                raise UsageError(f"until must be a date, got {until!r}, which has a time of day; the runs end on a "
                                 "whole day: give its date (.date())")
            until = until.date()
        text = until.isoformat()
    elif _is_numpy_datetime(until):
        import numpy as np

        day = until.astype("datetime64[D]")
        if np.isnat(until) or day != until:
            raise UsageError(f"until must be a date, got {until!r}" +
                             ("" if np.isnat(until) else ", which has a time of day; the runs end on a whole day"))
        text = str(day)
    else:
        raise TypeError(f"until must be a date (datetime.date, pandas.Timestamp at midnight, or str 'YYYY-MM-DD'), "
                        f"got {type(until).__name__} {until!r}")
    if not text.strip():
        raise UsageError("until is empty; give a date YYYY-MM-DD")
    return _utf8(text, "until:")


def _is_numpy_datetime(value) -> bool:
    np = _sys.modules.get("numpy")
    return np is not None and isinstance(value, np.datetime64)


def _horizon_sets(until, horizon) -> tuple[list[str], list[str], list[str]]:
    """(sets, their labels, command-line args) for until= / horizon=, as --until / --horizon
    do: the overrides the command makes of them, and its messages' name for them."""
    if until is not None and horizon is not None:
        raise UsageError("give until or horizon, not both")
    if until is not None:
        until = _until(until)
        return [f"until={until}", "horizon=~"], [f"--until {until}"] * 2, ["--until", until]
    if horizon is not None:
        # As the module checks runs=: no number at all (text, a bool) is a TypeError; a
        # fraction or a number below 1 is a UsageError.
        steps = _geosim._whole(horizon, "horizon", "a whole number of steps")
        if steps is None or steps <= 0:
            raise UsageError(f"horizon must be a positive whole number of steps, got {horizon}")
        return [f"horizon={steps}", "until=~"], [f"--horizon {steps}"] * 2, ["--horizon", str(steps)]
    return [], [], []


def _note_until(handle, until) -> None:
    """As the command's note: a date inside a step ends the runs with that step."""
    if until is None:
        return
    text = _until(until)
    info = handle.info()
    if info["until"] != text:
        last = _dt.date.fromisoformat(info["until"]) - _dt.timedelta(days=1)
        _warnings.warn(f"until={text} falls inside {info['step']} {info['horizon']}; the runs end with that "
                       f"{info['step']}, on {last}", UserWarning, stacklevel=3)


def _progress(progress, what: str):
    """A (done, total) callback for `progress=`: False/None none, True a bar, or a callable."""
    if progress is None or progress is False:
        return None, None
    if callable(progress):
        return progress, None
    if progress is not True:  # progress=5 or "no" is a mistake, not a request for a bar
        raise TypeError(f"progress must be True, False, None or a callable f(done, total), got {progress!r}")
    try:
        from tqdm import tqdm

        bar = tqdm(total=0, unit=" " + what, unit_scale=True)

        def update(done, total):
            if bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        return update, bar.close
    except ImportError:
        last = [-1]

        def update(done, total):
            pct = int(100 * done / total) if total else 100
            if pct != last[0]:
                last[0] = pct
                print(f"\rgeosim: {done:,} of {total:,} {what} ({pct}%)", end="", file=_sys.stderr, flush=True)

        return update, lambda: print(file=_sys.stderr)


def _call(progress, what, fn, *args):
    cb, close = _progress(progress, what)
    try:
        return fn(*args, cb)
    finally:
        if close:
            close()


def _frame(rows, columns=None):
    if _pd is None:
        return rows
    return _pd.DataFrame(rows, columns=columns)


class Scenario:
    """A loaded, validated scenario (geosim.load)."""

    def __init__(self, handle, args: list[str]):
        self._h = handle
        self._args = args  # command-line arguments that load it: PATH and --set ...
        info = handle.info()
        self.id: str = info["id"]
        self.title: str = info["title"]
        self.description: str = info["description"]
        self.path: str = info["path"]  # as given to load()
        self.file: str = info["file"]
        self.sets: list[str] = info["sets"]
        self.start = _dt.date.fromisoformat(info["start"])
        self.until = _dt.date.fromisoformat(info["until"])
        self.step: str = info["step"]  # "week" or "day"
        self.horizon: int = info["horizon"]
        self.levers: list[dict] = info["levers"]
        self.parameters: list[dict] = info["parameters"]
        self.outcomes: list[dict] = info["outcomes"]
        self.outcome_ids: list[str] = [o["id"] for o in self.outcomes]
        self.fans: list[str] = info["fans"]

    def __repr__(self):
        return (f"<geosim.Scenario {self.id!r}: {len(self.parameters)} parameters, {len(self.levers)} levers, "
                f"outcomes {', '.join(self.outcome_ids)}; {self.start} to {self.until}>")

    def parameter(self, path: str) -> dict:
        """One parameter: path, value (None when uncertain), distribution (as text), uncertain,
        doc, evidence, min, max, ..."""
        for p in self.parameters:
            if p["path"] == path:
                return p
        raise KeyError(path)

    @property
    def uncertain(self) -> list[str]:
        """Paths of the parameters that differ between runs."""
        return [p["path"] for p in self.parameters if p["uncertain"]]

    def parameters_frame(self):
        """The parameters as a DataFrame (path, value, distribution, uncertain, doc, min, max, ...)."""
        return _frame(self.parameters)

    def _variant(self, set, until, horizon):
        """This scenario with more overrides; returns (scenario handle, args). The overrides
        apply to the scenario as loaded: the file is not read again, so an edit made since
        load() changes nothing (load() again to see it)."""
        extra = _sets(set)
        hsets, hlabels, hargs = _horizon_sets(until, horizon)
        if not extra and not hsets:
            return self._h, self._args
        with _TextHint(set):
            handle = self._h.variant(extra + hsets, [""] * len(extra) + hlabels)
        args = list(self._args)
        for s in extra:
            args += ["--set", s]
        return handle, args + hargs

    def run(self, runs: int = 10000, seed: int = 1, threads: int = 0, until=None, horizon=None, set=None,
            progress=False) -> "RunResult":
        """`geosim run`: the odds of each outcome over `runs` runs.

        until: a date to stop at (datetime.date, a Timestamp at midnight, or "YYYY-MM-DD"; a
        date inside a step ends the runs with that step, with a UserWarning as the command's
        note); horizon: a number of steps (not both);
        set: more overrides ({path: value}); threads: 0 = all cores (never changes results);
        progress: True for a bar (tqdm when installed), or a callable(done, total).
        """
        handle, args = self._variant(set, until, horizon)
        _note_until(handle, until)
        args = args + ["--runs", _whole(runs), "--seed", _whole(seed)]
        command = _geosim.reproduce_command("run", args)
        text = _call(progress, "runs", handle.run, runs, seed, threads, command)
        return RunResult(text, args)

    def compare(self, variant, runs: int = 10000, seed: int = 1, threads: int = 0, until=None, horizon=None,
                set=None, progress=False) -> "CompareResult":
        """`geosim compare BASE VARIANT`: paired effects under common random numbers.

        variant: a path (read now) or a Scenario loaded from one (as loaded, with its own set=
        overrides); set, until and horizon apply to both arms, as on the command line.
        """
        base, _ = self._variant(set, until, horizon)
        _note_until(base, until)
        if isinstance(variant, Scenario):
            vpath, vsets = variant.path, variant.sets
            other, _ = variant._variant(set, until, horizon)
        else:
            vpath, vsets = _path(variant, "variant", "a Scenario or a file name"), []
            hsets, hlabels, _ = _horizon_sets(until, horizon)
            extra = _sets(set)
            with _TextHint(set):
                other = _geosim.load(vpath, extra + hsets, [""] * len(extra) + hlabels)
        # The command line that gives the same bytes; none when an arm has overrides of its
        # own (the command applies every --set to both arms).
        command = ""
        if not self.sets and not vsets:
            args = [self.path, vpath] + [a for s in _sets(set) for a in ("--set", s)]
            args += _horizon_sets(until, horizon)[2] + ["--runs", _whole(runs), "--seed", _whole(seed)]
            command = _geosim.reproduce_command("compare", args)
        text = _call(progress, "run pairs", base.compare, other, runs, seed, threads, command)
        return CompareResult(text)

    def lever_effects(self, runs: int = 10000, seed: int = 1, threads: int = 0, until=None, horizon=None,
                      set=None, progress=False) -> "CompareResult":
        """`geosim run --lever-effects`: each lever switched off in turn, its paired effect."""
        handle, args = self._variant(set, until, horizon)
        _note_until(handle, until)
        args = args + ["--lever-effects", "--runs", _whole(runs), "--seed", _whole(seed)]
        command = _geosim.reproduce_command("run", args)
        text = _call(progress, "run pairs", handle.lever_effects, runs, seed, threads, command)
        return CompareResult(text)

    def step_check(self, runs: int = 40000, seed: int = 1, threads: int = 0, until=None, horizon=None, set=None,
                   progress=False) -> "StepCheckResult":
        """`geosim validate --step-check`: whether the outcomes depend on the step length.

        Runs this scenario (format 2, weekly steps) and the same in daily steps over the same
        days, run r of both with the same draws, and tests each outcome (exact McNemar,
        Bonferroni over the outcomes at a family-wise 0.05). A format 1 or daily scenario
        raises UsageError.
        """
        handle, _ = self._variant(set, until, horizon)
        _note_until(handle, until)
        return StepCheckResult(_call(progress, "run pairs", handle.step_check, runs, seed, threads))

    def evaluate(self, X, paths=None, runs_per_point: int = 100, seed: int = 1, threads: int = 0, progress=False):
        """Outcome probabilities at each row of X: a numpy array, one row per row of X and one
        column per outcome (Scenario.outcome_ids order).

        X: a matrix with one column per path, in the parameters' own units. A pandas
        DataFrame names its columns by path: with paths=None all of them are used, with
        paths given the columns of those names are (in paths' order; others are ignored,
        and a path that is no column is a UsageError); a DataFrame with unnamed columns
        (0, 1, ..., as pd.DataFrame(array) makes) is taken by position, as an array. Missing
        values (NaN, None, pd.NA, masked) are a UsageError, complex numbers a TypeError.
        Every row uses the same seed and run indices 0..runs_per_point-1 (common random
        numbers), as a sweep point does. The GIL is released while the rows run.
        """
        frame = _pd is not None and isinstance(X, _pd.DataFrame)
        if paths is None:
            if frame:
                paths = [str(c) for c in X.columns]
            else:
                raise UsageError("evaluate: name the parameter of each column of X with paths=[...]")
        elif frame and _unnamed(X.columns):
            pass  # unnamed columns (pd.DataFrame(array), read_csv(header=None)): by position, as an array's
        elif frame:
            # A DataFrame's named columns are taken by name, never by position: X[paths].
            if isinstance(paths, str):
                paths = [paths]
            paths = [str(p) for p in paths]
            names = [str(c) for c in X.columns]
            for p in paths:
                if p not in names:
                    shown = ", ".join(names[:10]) + (f", ... ({len(names)} in all)" if len(names) > 10 else "")
                    raise UsageError(f"evaluate: X has no column {p!r}; a DataFrame's columns are matched to paths by "
                                     f"name, and X's are: {shown}")
                if names.count(p) > 1:
                    raise UsageError(f"evaluate: X has {names.count(p)} columns named {p!r}; give each path one column")
            X = X.iloc[:, [names.index(p) for p in paths]]
        if isinstance(paths, str):
            paths = [paths]
        paths = list(paths)
        for p in paths:
            if not isinstance(p, str):
                raise TypeError(f"evaluate: each path must be a parameter's path as str, got {type(p).__name__} {p!r}")
            _utf8(p, "evaluate: the path")
        X = _real_matrix(X)
        if X.ndim == 1 and len(paths) == 1:
            X = X.reshape(-1, 1)
        return _call(progress, "runs", self._h.evaluate, X, paths, runs_per_point, seed, threads)


def _unnamed(columns) -> bool:
    """Whether a DataFrame's columns are the unnamed 0, 1, ..., k - 1 of pd.DataFrame(array)
    or pd.read_csv(header=None), whatever kind of index holds them."""
    return all(isinstance(c, _numbers.Integral) and not isinstance(c, bool) and c == i for i, c in enumerate(columns))


def _real_matrix(X):
    """X as a float array for evaluate. Missing values (NaN, None, pd.NA) become NaN, which the
    module refuses (naming the row, path and value); a masked value of a numpy masked array is
    a UsageError too; complex numbers, whose imaginary part numpy would drop, and text are a
    TypeError."""
    import numpy as np

    def no_reals(detail):
        return TypeError(f"evaluate: X must hold real numbers, one row per point; {detail}")

    if _pd is not None and isinstance(X, (_pd.DataFrame, _pd.Series)):
        # As it holds them (nullable columns as objects holding pd.NA), checked as an array is.
        X = X.to_numpy()
    if np.ma.isMaskedArray(X):
        # A masked value is a missing one; np.asarray would take the value hidden under the mask.
        mask = np.ma.getmaskarray(X)
        if mask.any():
            raise UsageError(f"evaluate: X has a masked value in row {int(np.argwhere(mask)[0][0])}; a masked value is "
                             "missing: fill it (X.filled(value)) or drop its row")
        X = np.ma.getdata(X)
    try:
        a = np.asarray(X)
    except (TypeError, ValueError) as e:  # rows of different lengths
        raise no_reals(e) from None
    if a.dtype.kind == "c":
        raise no_reals("it holds complex numbers")
    # Text, even text of a number ("0.2", b"0.2"), is not a number: numpy would read it as one.
    if a.dtype.kind in "USV":
        raise no_reals(f"it holds text ({a.dtype})")
    if a.dtype.kind == "O":
        text = next((v for v in a.flat if isinstance(v, (str, bytes, bytearray, complex, np.complexfloating))), None)
        if text is not None:
            raise no_reals(f"it holds {type(text).__name__} {text!r}")
        if _pd is not None:
            a = np.where(_pd.isna(a), np.nan, a)  # None and pd.NA as NaN, refused as NaN is
    try:
        return np.asarray(a, dtype=float)
    except (TypeError, ValueError) as e:
        raise no_reals(e) from None


def load(path, set=None) -> Scenario:
    """Loads and validates a scenario file, like every geosim command does.

    set: overrides, as --set: {"levers.sanctions.intensity": 0.2} or ["PATH=VALUE", ...];
    a value may be a distribution, {"dist": "uniform", "min": 0, "max": 1}. A str value is
    YAML text, as after --set PATH=: quote text in it ('"Plan B: x"'). None is YAML's ~: it
    clears the key, so that the engine's default applies (not the file's value).
    Raises InputError (file:line:col messages) when the file or an override is wrong.
    The file is read once, here: the Scenario stays what it was when loaded, even for calls
    with more overrides, should the file be edited or deleted since.
    """
    path = _path(path)
    sets = _sets(set)
    args = [path]
    for s in sets:
        args += ["--set", s]
    with _TextHint(set):
        handle = _geosim.load(path, sets)
    return Scenario(handle, args)


def _step_dates(start: _dt.date, step: str, steps):
    # The one calendar of every output (docs/output.md, "Dates"): the date of step k, or of
    # the state after k steps, is the last day of step k (k = 0: the day before the start).
    days = 7 if step == "week" else 1
    return [start + _dt.timedelta(days=days * int(s) - 1) if s is not None else None for s in steps]


class RunResult:
    """The result of Scenario.run: what `geosim run --format json` writes, as tables."""

    def __init__(self, text: str, args: list[str]):
        self._text = text
        self.args = args  # `geosim run ARGS --format json` writes the bytes of to_json()
        self.json: dict = _json.loads(text)
        j = self.json
        self.command: str = j["command"]
        self.runs: int = j["runs"]
        self.seed: int = j["seed"]
        self.start = _dt.date.fromisoformat(j["start"])
        self.step: str = j["step"]
        self.horizon: int = j["horizon"]

    def to_json(self) -> str:
        """The exact text `geosim run ARGS --format json` writes (ARGS: self.args)."""
        return self._text

    def __repr__(self):
        rows = [f"{o['id']}: {o['probability']:.4f} [{o['ci95'][0]:.4f}, {o['ci95'][1]:.4f}]"
                for o in self.json["outcomes"]]
        return f"<geosim.RunResult {self.json['scenario']!r}, {self.runs} runs, seed {self.seed}: " + "; ".join(rows) + ">"

    @property
    def outcomes(self):
        """One row per outcome: id, label, count, probability, ci_low, ci_high (Wilson 95 %),
        steps_p10/median/p90 and date_p10/median/p90 (when it happens, among runs that reach it)."""
        rows = []
        for o in self.json["outcomes"]:
            t = o["time_to_outcome"] or {}
            steps = [t.get("p10"), t.get("median"), t.get("p90")]
            dates = _step_dates(self.start, self.step, steps)
            rows.append({
                "id": o["id"], "label": o["label"], "count": o["count"], "probability": o["probability"],
                "ci_low": o["ci95"][0], "ci_high": o["ci95"][1],
                "steps_p10": steps[0], "steps_median": steps[1], "steps_p90": steps[2],
                "date_p10": dates[0], "date_median": dates[1], "date_p90": dates[2],
                "default": o["default"], "removes_incumbent": o["removes_incumbent"],
            })
        if _pd is None:
            return rows
        df = _pd.DataFrame(rows)
        for c in ("steps_p10", "steps_median", "steps_p90"):
            df[c] = df[c].astype("Int64")
        for c in ("date_p10", "date_median", "date_p90"):
            df[c] = _pd.to_datetime(df[c])
        return df

    @property
    def survival(self):
        """P(the incumbent still rules) after each step: step, date, survival."""
        s = self.json["survival"]
        rows = [{"step": k, "date": d, "survival": v}
                for k, (d, v) in enumerate(zip(_step_dates(self.start, self.step, range(len(s))), s))]
        if _pd is None:
            return rows
        df = _pd.DataFrame(rows)
        df["date"] = _pd.to_datetime(df["date"])
        return df

    def _table(self, key, columns):
        rows = [{c: (r["ci95"][0] if c == "ci_low" else r["ci95"][1] if c == "ci_high" else r[c]) for c in columns}
                for r in self.json.get(key, [])]
        if _pd is None:
            return rows
        return _pd.DataFrame(rows, columns=columns)

    @property
    def regime(self):
        """Format 2 with a leader: the regime's fate at the horizon (continues, transition,
        collapse): id, count, probability, ci_low, ci_high. Empty without a leader."""
        return self._table("regime", ["id", "count", "probability", "ci_low", "ci_high"])

    @property
    def joint(self):
        """Format 2 with a leader: every pair of how the leader left and the regime's fate that
        occurs: leader, regime, count, probability, ci_low, ci_high."""
        return self._table("joint", ["leader", "regime", "count", "probability", "ci_low", "ci_high"])

    @property
    def ruler(self):
        """Format 2 with a leader: who rules at the horizon: id, name, count, probability,
        ci_low, ci_high."""
        return self._table("ruler", ["id", "name", "count", "probability", "ci_low", "ci_high"])

    @property
    def fans(self):
        """Spread of the fan-chart variables: var, step, date, p5, p25, p50, p75, p95 (long form)."""
        rows = []
        for f in self.json["fans"]:
            dates = _step_dates(self.start, self.step, f["steps"])
            for i, step in enumerate(f["steps"]):
                rows.append({"var": f["var"], "step": step, "date": dates[i],
                             **{q: f[q][i] for q in ("p5", "p25", "p50", "p75", "p95")}})
        if _pd is None:
            return rows
        df = _pd.DataFrame(rows, columns=["var", "step", "date", "p5", "p25", "p50", "p75", "p95"])
        df["date"] = _pd.to_datetime(df["date"])
        return df

    @property
    def parameters(self):
        """Every parameter's path, value, distribution, evidence, as the JSON lists them."""
        return _frame(self.json["parameters"])


class CompareResult:
    """Paired effects (Scenario.compare, Scenario.lever_effects), as `--format json` writes them."""

    def __init__(self, text: str):
        self._text = text
        self.json: dict = _json.loads(text)
        self.runs: int = self.json["runs"]
        self.seed: int = self.json["seed"]

    def to_json(self) -> str:
        """The exact text of `geosim compare ... --format json` (or `run --lever-effects`)."""
        return self._text

    def __repr__(self):
        return f"<geosim.CompareResult {len(self.json['comparisons'])} comparison(s), {self.runs} runs per arm>"

    @property
    def effects(self):
        """One row per comparison and outcome: base, variant, outcome, p_base, p_variant,
        difference, paired_low/high (paired 95 % interval), unpaired_low/high, counts."""
        rows = []
        for c in self.json["comparisons"]:
            for o in c["outcomes"]:
                rows.append({
                    "base": c["base"], "variant": c["variant"], "outcome": o["id"],
                    "p_base": o["base"]["probability"], "p_variant": o["variant"]["probability"],
                    "difference": o["difference"],
                    "paired_low": o["paired_ci95"][0], "paired_high": o["paired_ci95"][1],
                    "unpaired_low": o["unpaired_ci95"][0], "unpaired_high": o["unpaired_ci95"][1],
                    "base_count": o["base"]["count"], "variant_count": o["variant"]["count"],
                    "variant_only": o["discordant"]["variant_only"], "base_only": o["discordant"]["base_only"],
                })
        return _frame(rows, columns=["base", "variant", "outcome", "p_base", "p_variant", "difference", "paired_low",
                                     "paired_high", "unpaired_low", "unpaired_high", "base_count", "variant_count",
                                     "variant_only", "base_only"])


class StepCheckResult:
    """A scenario in its step against daily steps (Scenario.step_check)."""

    def __init__(self, text: str):
        self._text = text
        self.json: dict = _json.loads(text)
        self.runs: int = self.json["runs"]
        self.seed: int = self.json["seed"]
        self.step: str = self.json["step"]
        self.warnings: list[str] = self.json["warnings"]  # as `geosim validate --step-check` prints them
        self.differs: list[str] = [o["id"] for o in self.json["outcomes"] if o["differs"]]
        self.per_step_numbers: list[str] = self.json["per_step_numbers"]  # file:line:col of a format 1 base's

    def to_json(self) -> str:
        return self._text

    def __repr__(self):
        verdict = ", ".join(self.differs) if self.differs else "no outcome"
        return (f"<geosim.StepCheckResult {self.step}ly against daily steps, {self.runs} paired runs: "
                f"{verdict} differs>")

    @property
    def outcomes(self):
        """One row per outcome: outcome, p_own (the scenario's step), p_daily, difference
        (daily - own), paired_low/high (95 %), own_only, daily_only (discordant runs),
        p_value (exact McNemar), differs (below the Bonferroni level)."""
        rows = [{
            "outcome": o["id"], "p_own": o["own"]["probability"], "p_daily": o["daily"]["probability"],
            "difference": o["difference"], "paired_low": o["paired_ci95"][0], "paired_high": o["paired_ci95"][1],
            "own_only": o["discordant"]["own_only"], "daily_only": o["discordant"]["daily_only"],
            "p_value": o["p_value"], "differs": o["differs"],
        } for o in self.json["outcomes"]]
        return _frame(rows, columns=["outcome", "p_own", "p_daily", "difference", "paired_low", "paired_high",
                                     "own_only", "daily_only", "p_value", "differs"])


def read_sweep(dir):
    """A finished sweep's results (DIR/results.csv, or the CSV itself) as a DataFrame with the
    CSV's columns: point, status, one per parameter path, runs, p_/lo_/hi_<outcome>, q05_/q50_/q95_<var>.
    A damaged file raises InputError at file:line:col."""
    cols = _geosim.read_sweep(_path(dir, "dir", "a folder or file name"))
    if _pd is None:
        return cols
    return _pd.DataFrame(cols)


def sobol_sample(n: int, d: int, seed: int = 1):
    """geosim's own Sobol design (as `geosim sensitivity --method sobol`): n (d + 2) points of
    the unit cube [0, 1]^d, blocks A, B, AB_1..AB_d of n rows each. Scale each column to the
    parameter's bounds before evaluate()."""
    return _geosim.sobol_sample(n, d, seed)


def sobol_analyze(Y, d: int, bootstrap: int = 1000, seed: int = 0) -> list:
    """First-order (S1) and total (ST) Sobol indices of each column of Y, evaluated at
    sobol_sample(n, d)'s points in order, with bootstrap 95 % intervals (S1_ci95, ST_ci95):
    one dict per column."""
    import numpy as np

    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    return _geosim.sobol_analyze(Y, d, bootstrap, seed)
