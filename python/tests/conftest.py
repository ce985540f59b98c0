"""Shared pieces of the Python tests: where the checkout and the geosim binary are, and
running the command line on the same inputs as the API."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("GEOSIM_SOURCE_DIR", Path(__file__).resolve().parents[2])).resolve()
BINARY = Path(os.environ.get("GEOSIM_BINARY", ROOT / "build" / "geosim")).resolve()
BUILD_DIR = Path(os.environ.get("GEOSIM_BUILD_DIR", ROOT / "build")).resolve()

TEACHING = "scenarios/teaching.yaml"


@pytest.fixture(autouse=True)
def in_checkout(monkeypatch):
    """Scenario paths are relative to the checkout, for the API and the command alike."""
    monkeypatch.chdir(ROOT)


def cli(*args, check=True):
    """`geosim ARGS` in the checkout: (exit code, stdout, stderr)."""
    p = subprocess.run([str(BINARY), *map(str, args)], cwd=ROOT, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"geosim {' '.join(map(str, args))} failed ({p.returncode}): {p.stderr}")
    return p.returncode, p.stdout, p.stderr


def cli_json(*args):
    return json.loads(cli(*args)[1])
