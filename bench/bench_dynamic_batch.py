"""Dynamic-batch vs static-batch latency of pt2tf's frozen graphs (issue 10's acceptance line:
a CNN converted with --dynamic-batch runs within 1.1x its static twin at batch 1).

  .venv/bin/python bench/bench_dynamic_batch.py [--models resnet50 ...] [--runs 30] [--rounds 3]

Each model (bench/models.py checkpoints) is converted twice, `pt2tf convert --model NAME -o
static.pb` and with `--dynamic-batch`; bench/tf_latency.py then times batch-1 inference of each
in its own process (median of --runs after warm-up, output checked against PyTorch), the two
alternating for --rounds rounds so that machine load hits both alike. Prints a markdown table
with the median over rounds of each and their ratio.
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import models  # noqa: E402

ROOT = models.ROOT
PT2TF = ROOT / "build" / "pt2tf"
PYTHON = ROOT / ".venv" / "bin" / "python"


def latency(pb, name, runs):
    out = subprocess.run([str(PYTHON), str(ROOT / "bench" / "tf_latency.py"), "--kind", "pb",
                          "--path", str(pb), "--model", name, "--runs", str(runs)],
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    tol = 1e-4 * max(1.0, result["max_abs_ref"])
    if not result["max_abs_diff"] <= tol:
        raise SystemExit(f"{pb}: output differs from PyTorch by {result['max_abs_diff']}")
    return result["latency_ms"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["resnet50", "mobilenet_v3_large"])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rows = ["| model | static batch 1 (ms) | dynamic batch, run at 1 (ms) | ratio |",
            "|---|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            d = models.prepare(name)
            pbs = {"static": pathlib.Path(tmp) / f"{name}_static.pb",
                   "dynamic": pathlib.Path(tmp) / f"{name}_dynamic.pb"}
            for kind, pb in pbs.items():
                extra = ["--dynamic-batch"] if kind == "dynamic" else []
                subprocess.run([str(PT2TF), "convert", "-i", str(d / f"{name}.pth"), "--model",
                                name, "-o", str(pb), "-q", *extra], check=True)
            times = {"static": [], "dynamic": []}
            for _ in range(args.rounds):
                for kind, pb in pbs.items():
                    times[kind].append(latency(pb, name, args.runs))
            s, dy = statistics.median(times["static"]), statistics.median(times["dynamic"])
            rows.append(f"| {name} | {s:.2f} | {dy:.2f} | {dy / s:.3f} |")
            print(rows[-1], file=sys.stderr)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
