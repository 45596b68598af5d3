"""Calibration speed: `pt2tf calibrate` (the float32 reference runner) on N random samples of a
zoo model with random weights, beside ONNX Runtime running the same samples through the .onnx
pt2tf writes (a reference point for the runner's kernels, not a competitor).

    .venv/bin/python bench/bench_calibrate.py                      # resnet50, 100 x 224x224
    .venv/bin/python bench/bench_calibrate.py --model mobilenet_v2 --samples 50 --threads 1

Prints one markdown table: wall and CPU time of the whole `pt2tf calibrate` process (model
read, samples read, runs, ranges), the runner's own wall time for the runs, and ORT's wall and
CPU time for the same runs (session creation excluded), with the load average: on a shared
machine the CPU times are the figures other jobs disturb least.
"""
import argparse
import json
import pathlib
import resource
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="resnet50")
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--threads", type=int, default=0, help="0 = all cores")
    ap.add_argument("--pt2tf", default=str(ROOT / "build" / "pt2tf"))
    args = ap.parse_args()

    import torch
    from zoo_harness import make_torch_model

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        ckpt = tmp / f"{args.model}.pth"
        torch.save(make_torch_model(args.model).state_dict(), ckpt)
        shape = (args.samples, 3, args.size, args.size)
        samples = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        np.save(tmp / "samples.npy", samples)
        cmd = [args.pt2tf, "calibrate", "-i", str(ckpt), "--model", args.model,
               "--input-shape", f"1x3x{args.size}x{args.size}",
               "--calibration", str(tmp / "samples.npy"), "--json",
               "--threads", str(args.threads)]
        start = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter() - start
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            sys.exit(f"pt2tf calibrate failed: {proc.stderr}")
        report = json.loads(proc.stdout)

        onnx_path = tmp / f"{args.model}.onnx"
        subprocess.run([args.pt2tf, "convert", "-i", str(ckpt), "--model", args.model,
                        "--input-shape", f"1x3x{args.size}x{args.size}", "-o", str(onnx_path),
                        "-q"], check=True)
        import onnxruntime as ort
        options = ort.SessionOptions()
        if args.threads:
            options.intra_op_num_threads = args.threads
        session = ort.InferenceSession(str(onnx_path), options,
                                       providers=["CPUExecutionProvider"])
        start, cpu_start = time.perf_counter(), time.process_time()
        for x in samples:
            session.run(None, {"input": x[None]})
        ort_seconds = time.perf_counter() - start
        ort_cpu = time.process_time() - cpu_start

    n = report["samples"]
    print(f"| model | samples | pt2tf calibrate wall (s) | its CPU (s) | runner wall (s) | "
          f"samples/s | ORT same runs wall (s) | ORT CPU (s) | tensors |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.model} {args.size}x{args.size} | {n} | {wall:.2f} | {cpu:.2f} | "
          f"{report['seconds']:.2f} | {n / report['seconds']:.1f} | {ort_seconds:.2f} | "
          f"{ort_cpu:.2f} | {len(report['tensors'])} |")
    print(f"\nload average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"\ncommand: {' '.join(cmd[:1] + ['calibrate'] + cmd[2:])}")


if __name__ == "__main__":
    main()
