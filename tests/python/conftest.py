"""Shared fixtures for the reference tests: the pt2tf binary and a runner for it."""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PT2TF = pathlib.Path(os.environ.get("PT2TF", ROOT / "build" / "pt2tf"))


@pytest.fixture(scope="session")
def pt2tf_bin():
    if not PT2TF.exists():
        pytest.fail(f"{PT2TF} is missing: build first (make build)")
    return PT2TF


def run_pt2tf(*args, check=True, timeout=600):
    """Runs pt2tf; returns the CompletedProcess. check=True asserts exit code 0."""
    proc = subprocess.run([str(PT2TF), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"pt2tf {' '.join(map(str, args))} exited {proc.returncode}:\n"
                             f"{proc.stderr}")
    return proc


def run_pt2tf_json(*args):
    return json.loads(run_pt2tf(*args).stdout)
