"""The benchmark harness (bench/measure.py, bench/tools.py) measures what it claims to."""
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import measure  # noqa: E402
import tools  # noqa: E402

ALLOC = "import sys, time; b = bytearray(int(sys.argv[1]) << 20); b[::4096] = b'x' * len(b[::4096])"


def test_peak_rss_is_the_childs_own():
    small = measure.run_measured([sys.executable, "-c", ALLOC, "1"])
    big = measure.run_measured([sys.executable, "-c", ALLOC, "200"])
    assert big.peak_rss_mb >= 200
    # Not exactly 199: a forked child's ru_maxrss can include the parent's pre-exec pages.
    assert big.peak_rss_mb - small.peak_rss_mb > 150
    assert big.cpu_seconds > 0 and big.seconds >= big.cpu_seconds / 4


def test_failure_carries_stderr():
    with pytest.raises(RuntimeError, match="boom"):
        measure.run_measured([sys.executable, "-c", "import sys; sys.exit('boom')"])


def test_timeout_kills_and_says_so():
    with pytest.raises(measure.TimedOut):
        measure.run_measured([sys.executable, "-c", "import time; time.sleep(30)"],
                             timeout=0.5)


def test_budget_stops_repeating():
    run = measure.median_runs([sys.executable, "-c", "import time; time.sleep(0.3)"],
                              repeat=5, budget_seconds=0.1)
    assert run.runs == 1
    run = measure.median_runs([sys.executable, "-c", "pass"], repeat=3)
    assert run.runs == 3


def test_convert_reports_missing_output(tmp_path):
    with pytest.raises(tools.Unavailable, match="wrote no"):
        tools.convert([sys.executable, "-c", "pass"], [tmp_path / "out.pb"], repeat=1)
    with pytest.raises(tools.Unavailable, match="unknown model"):
        tools.convert([sys.executable, "-c", "import sys; sys.exit('x: unknown model')"],
                      [tmp_path / "out.pb"], repeat=1)


def test_sigterm_from_outside_is_retried(tmp_path):
    marker = tmp_path / "first"
    # Kills itself with SIGTERM on the first run only, as an outside `pkill` would.
    code = ("import os, signal, sys, pathlib; m = pathlib.Path(sys.argv[1]); "
            "first = not m.exists(); m.touch(); "
            "first and os.kill(os.getpid(), signal.SIGTERM)")
    run = measure.run_retrying([sys.executable, "-c", code, marker], retries=1)
    assert run.runs == 1 and marker.exists()
    marker.unlink()
    with pytest.raises(measure.Killed):
        measure.run_retrying([sys.executable, "-c", code, marker], retries=0)
