"""`pip install ./python --no-build-isolation` into a fresh virtual environment, then import.

The environment is made with --system-site-packages (it sees Debian's setuptools, numpy and
pandas; pip reaches no registry: PIP_NO_INDEX). The extension comes from the build tree the
tests run in (GEOSIM_BUILD_DIR), so the install compiles nothing new."""
import csv
import io
import os
import subprocess
import sys

from conftest import BUILD_DIR, ROOT, cli


def test_pip_install_into_a_fresh_venv_and_run(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", GEOSIM_BUILD_DIR=str(BUILD_DIR))
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "./python", "--no-build-isolation"],
                   cwd=ROOT, env=env, check=True)
    script = ("import geosim, sys; r = geosim.load('scenarios/venezuela-2019.yaml').run(runs=10000, seed=7); "
              "print(geosim.__file__, file=sys.stderr); print(r.outcomes[['id', 'probability']].to_csv(index=False))")
    p = subprocess.run([str(venv / "bin" / "python"), "-c", script], cwd=ROOT, env=env, capture_output=True,
                       text=True, check=True)
    assert str(venv) in p.stderr, "geosim was imported from outside the virtual environment"
    mine = {r["id"]: float(r["probability"]) for r in csv.DictReader(io.StringIO(p.stdout))}
    out = cli("run", "scenarios/venezuela-2019.yaml", "--runs", "10000", "--seed", "7", "--format", "csv", "-q")[1]
    # (rows named regime.* and ruler.* follow the outcomes when the scenario names a leader)
    # (and two comment lines, "# geosim ..." and "# reproduce: ...", come first)
    rows = csv.DictReader(line for line in io.StringIO(out) if not line.startswith("#"))
    theirs = {r["outcome"]: float(r["probability"]) for r in rows if "." not in r["outcome"]}
    assert mine == theirs
