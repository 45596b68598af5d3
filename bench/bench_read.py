"""Reading a >=1 GB state_dict: pt2tf vs torch.load(mmap=True), one run, markdown table out.

  .venv/bin/python bench/bench_read.py [--dir DIR] [--runs 3]

Creates DIR/state_dict_1gb.pth (100 float32 tensors x 2.5 M = 1.0 GB) once, reads it once to
warm the page cache (so both tools see a warm cache), then runs each measurement in a fresh
process, `runs` times, and reports medians:
  - in-process seconds: parse + touch every tensor byte (pt2tf: the read_checkpoint binary,
    uint64 sum; torch: torch.load(mmap=True) then .sum() over every tensor)
  - wall seconds including process start (and for torch, interpreter + `import torch`)
  - peak RSS of that process (from wait4's rusage), and its ratio to the file size.
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

TORCH_READER = r"""
import sys, time
import torch
path = sys.argv[1]
t0 = time.perf_counter()
sd = torch.load(path, mmap=True, weights_only=True)
total = 0.0
for v in sd.values():
    total += float(v.sum())
print(f"seconds={time.perf_counter() - t0:.6f} sum={total}")
"""


MAKER = r"""
import sys, torch
g = torch.Generator().manual_seed(0)
sd = {f"layer{i}.weight": torch.randn(2_500_000, generator=g) for i in range(100)}
torch.save(sd, sys.argv[1])
"""


def make_checkpoint(path):
    # In a child process: this process stays small, so the children it forks do not start
    # with a copy of a large RSS (Linux counts pre-exec RSS in the child's ru_maxrss).
    if not path.exists():
        subprocess.run([sys.executable, "-c", MAKER, str(path)], check=True)


def warm(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def measure(cmd):
    """Runs cmd in a fresh process: (stdout, wall seconds, peak RSS bytes)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err}")
    return out, wall, usage.ru_maxrss * 1024


def inner_seconds(out):
    for field in out.split():
        if field.startswith("seconds="):
            return float(field.split("=", 1)[1])
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--build", default=str(ROOT / "build"))
    args = ap.parse_args()
    d = pathlib.Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    path = d / "state_dict_1gb.pth"
    make_checkpoint(path)
    size = path.stat().st_size
    warm(path)
    build = pathlib.Path(args.build)
    cases = [
        ("pt2tf (bench/read_checkpoint: load + uint64 sum)", [str(build / "read_checkpoint"),
                                                             str(path)]),
        ("pt2tf inspect --hash (load + SHA-256 per tensor)", [str(build / "pt2tf"), "inspect",
                                                              "--hash", "--json", str(path)]),
        ("torch.load(mmap=True) + sum", [sys.executable, "-c", TORCH_READER, str(path)]),
    ]
    rows = []
    for name, cmd in cases:
        inner, walls, rss = [], [], []
        for _ in range(args.runs):
            out, wall, peak = measure(cmd)
            inner.append(inner_seconds(out))
            walls.append(wall)
            rss.append(peak)
        rows.append((name, statistics.median(inner) if inner[0] is not None else None,
                     statistics.median(walls), max(rss)))
    print(f"File: {path} ({size / 1e9:.2f} GB, 100 tensors x 2.5 M float32), warm page cache, "
          f"median of {args.runs} fresh processes, {os.cpu_count()} CPUs\n")
    print("| reader | in-process s | wall s (incl. startup) | peak RSS MB | RSS / file |")
    print("|---|---:|---:|---:|---:|")
    for name, inner, wall, rss in rows:
        inner_text = f"{inner:.3f}" if inner is not None else "-"
        print(f"| {name} | {inner_text} | {wall:.3f} | {rss / 2**20:.0f} | {rss / size:.2f} |")
    ours, torch_row = rows[0], rows[2]
    print(f"\ntorch / pt2tf: {torch_row[1] / ours[1]:.1f}x in-process, "
          f"{torch_row[2] / ours[2]:.1f}x wall; pt2tf peak RSS = {ours[3] / size:.2f}x file size")


if __name__ == "__main__":
    main()
