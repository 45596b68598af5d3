"""Loads one `.tflite` in the LiteRT interpreter, checks its output and times batch-1 inference.

  .venv/bin/python bench/tflite_latency.py --path M.tflite --model NAME [--runs 30] \
      [--warmup 5] [--threads 2]

Every tool's file runs here, in the main venv's ai-edge-litert with XNNPACK (the interpreter's
default CPU delegate) and the same thread count, so the latencies compare the files. The input
is bench/results/models/NAME/input.npy (NCHW); a file whose input is NHWC (onnx2tf's) gets it
transposed (and a channel-last 3-D output transposed back). The output is compared with
reference.npy (PyTorch eval). Prints one JSON line:
latency_ms (median), latency_min_ms, max_abs_diff, max_abs_ref, litert_version, threads.
"""
import argparse
import importlib.metadata
import json
import pathlib
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import models  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--path", required=True)
    ap.add_argument("--model", required=True, choices=sorted(models.MODELS))
    ap.add_argument("--results", default=str(models.RESULTS))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    from ai_edge_litert.interpreter import Interpreter
    d = models.model_dir(args.model, args.results)
    x = np.load(d / "input.npy")
    ref = np.load(d / "reference.npy")
    interp = Interpreter(model_path=args.path, num_threads=args.threads)
    interp.allocate_tensors()
    (inp,) = interp.get_input_details()
    if tuple(inp["shape"]) != x.shape:
        nhwc = x.transpose(0, 2, 3, 1)
        if tuple(inp["shape"]) != nhwc.shape:
            raise SystemExit(f"{args.path}: input shape {tuple(inp['shape'])}, expected "
                             f"{x.shape} or {nhwc.shape}")
        x = nhwc
    out = interp.get_output_details()[0]

    def run():
        interp.set_tensor(inp["index"], x)
        interp.invoke()
    for _ in range(args.warmup):
        run()
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1e3)
    y = interp.get_tensor(out["index"]).astype(np.float32)
    if y.shape != ref.shape and y.ndim == 3 and y.transpose(0, 2, 1).shape == ref.shape:
        y = y.transpose(0, 2, 1)  # onnx2tf makes a 3-D output channel-last
    if y.shape != ref.shape:
        raise SystemExit(f"{args.path}: output shape {y.shape}, PyTorch gives {ref.shape}")
    print(json.dumps({"latency_ms": statistics.median(times), "latency_min_ms": min(times),
                      "max_abs_diff": float(np.abs(y - ref).max()),
                      "max_abs_ref": float(np.abs(ref).max()),
                      "litert_version": importlib.metadata.version("ai-edge-litert"),
                      "threads": args.threads}))


if __name__ == "__main__":
    main()
