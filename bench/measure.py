"""Runs commands in fresh processes and measures wall time and peak RSS (shared by benches).

Peak RSS comes from the kernel's rusage of the finished child (ru_maxrss), so it covers the
whole process tree's largest member: the tool itself, not this script.
"""
import json
import os
import pathlib
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    stdout: str
    runs: int = 1  # how many runs the medians are over
    cpu_seconds: float = 0.0  # user + system CPU time: less sensitive to a busy machine


class Killed(RuntimeError):
    """Something outside the bench sent the command SIGTERM (it did not fail by itself)."""


class TimedOut(RuntimeError):
    """The command ran longer than its timeout and was killed (with its process group)."""


SPAWNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spawn_measured.py")


def run_measured(cmd, env=None, cwd=None, timeout=None):
    """One fresh run: (wall seconds, peak RSS MiB, stdout). Raises TimedOut or RuntimeError.

    The tool is started by bench/spawn_measured.py, which times it and reports its own
    rusage, so neither this process's size nor the spawner's start-up is counted."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".json") as result:
        t0 = time.perf_counter()
        # Own session, so a timeout can end the tool and any helper processes it started.
        proc = subprocess.Popen([sys.executable, "-S", SPAWNER, result.name,
                                 *map(str, cmd)], stdout=out, stderr=err, env=env, cwd=cwd,
                                start_new_session=True)
        timer = None
        if timeout is not None:
            timer = threading.Timer(timeout, os.killpg, (proc.pid, signal.SIGKILL))
            timer.start()
        proc.wait()
        elapsed = time.perf_counter() - t0
        if timer is not None:
            timer.cancel()
            if elapsed >= timeout:
                raise TimedOut(f"{' '.join(map(str, cmd[:2]))} killed after {timeout:.0f} s")
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        if proc.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM):
            raise Killed(f"{' '.join(map(str, cmd[:2]))} was sent SIGTERM from outside")
        if proc.returncode != 0:
            message = (f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n"
                       f"{err.read().decode(errors='replace')[-3000:]}")
            if proc.returncode == 128 + signal.SIGKILL:  # its last stderr line says nothing
                usage = json.load(open(result.name))
                total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
                message += (f"\nkilled by SIGKILL after {usage['seconds']:.0f} s at peak RSS "
                            f"{usage['maxrss_kb'] / 2**20:.1f} GiB (out of memory on this "
                            f"{total:.0f} GiB machine?)")
            raise RuntimeError(message)
        usage = json.load(open(result.name))
    return Run(usage["seconds"], usage["maxrss_kb"] / 1024.0, stdout,
               cpu_seconds=usage["cpu_seconds"])


def run_retrying(cmd, env=None, cwd=None, timeout=None, retries=2):
    """run_measured, run again (up to `retries` times) when killed from outside."""
    for attempt in range(retries + 1):
        try:
            return run_measured(cmd, env=env, cwd=cwd, timeout=timeout)
        except Killed as e:
            if attempt == retries:
                raise
            print(f"measure: {e}; running it again", file=sys.stderr, flush=True)


def median_runs(cmd, repeat=3, env=None, cwd=None, before_each=None, budget_seconds=None,
                timeout=None):
    """Median wall time and median peak RSS over `repeat` fresh runs.

    With `budget_seconds`, no further run starts once the runs so far took longer than that
    (so a tool needing many minutes per run is measured fewer times); Run.runs says how many.
    """
    runs = []
    for _ in range(repeat):
        if before_each:
            before_each()
        runs.append(run_retrying(cmd, env=env, cwd=cwd, timeout=timeout))
        if budget_seconds is not None and sum(r.seconds for r in runs) > budget_seconds:
            break
    return Run(statistics.median(r.seconds for r in runs),
               statistics.median(r.peak_rss_mb for r in runs), runs[-1].stdout, len(runs),
               statistics.median(r.cpu_seconds for r in runs))


def warm_cache(path):
    """Reads a file once so every tool then sees it in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def machine_description():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, "
            f"{mem_gb:.0f} GiB RAM, Python {platform.python_version()}")


def publish(data, render, doc, json_path=None):
    """Writes the raw results (`json_path`, when given) and the page `render(data)` to `doc`,
    and prints the page."""
    if json_path:
        pathlib.Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(json_path).write_text(json.dumps(data, indent=1) + "\n")
    text = render(data)
    pathlib.Path(doc).write_text(text)
    print(text)
