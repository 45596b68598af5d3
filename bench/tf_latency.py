"""Loads one TensorFlow model, checks its output and times batch-1 CPU inference (one process).

  .venv/bin/python bench/tf_latency.py --kind pb|savedmodel|keras --path P --model NAME \
      [--layout nchw|nhwc] [--runs 20] [--warmup 5] [--threads N]

Every tool's output runs here, in the main venv's TensorFlow, with the same thread settings,
so the latencies compare the graphs and not the runtimes:
  pb          a frozen GraphDef: import_graph_def inside tf.compat.v1.wrap_function, pruned
              from its Placeholder to the node `output` (else the last node);
  savedmodel  tf.saved_model.load(path).signatures["serving_default"];
  keras       models.build_keras(NAME): the same architecture written in TensorFlow itself
              (random weights: no output check).
Each is a concrete function, so TF's graph optimiser treats all of them alike. The input is
the model's bench/results/models/NAME/input.npy (NCHW), transposed to NHWC for `--layout
nhwc` (onnx2tf's inputs, Keras); the output is compared with reference.npy (PyTorch eval).
Prints one JSON line: latency_ms (median), latency_min_ms, max_abs_diff, max_abs_ref,
tf_version, threads.
"""
import argparse
import json
import os
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import models  # noqa: E402


def load_frozen_graph(path):
    import tensorflow as tf
    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(pathlib.Path(path).read_bytes())
    inputs = [n.name for n in graph_def.node if n.op == "Placeholder"]
    if len(inputs) != 1:
        raise SystemExit(f"{path}: expected one Placeholder, found {inputs}")
    names = {n.name for n in graph_def.node}
    output = "output" if "output" in names else graph_def.node[-1].name
    wrapped = tf.compat.v1.wrap_function(
        lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
    fn = wrapped.prune(wrapped.graph.as_graph_element(inputs[0] + ":0"),
                       wrapped.graph.as_graph_element(output + ":0"))
    return lambda x: fn(x)


def load_saved_model(path):
    import tensorflow as tf
    sig = tf.saved_model.load(str(path)).signatures["serving_default"]
    (key,) = sig.structured_input_signature[1].keys()
    out_key = sorted(sig.structured_outputs)[0]
    return lambda x: sig(**{key: x})[out_key]


def load_keras(name, input_shape):
    import tensorflow as tf
    model = models.build_keras(name, input_shape)
    return tf.function(lambda x: model(x, training=False))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", required=True, choices=["pb", "savedmodel", "keras"])
    ap.add_argument("--path")
    ap.add_argument("--model", required=True, choices=sorted(models.MODELS))
    ap.add_argument("--layout", default="nchw", choices=["nchw", "nhwc"])
    ap.add_argument("--results", default=str(models.RESULTS))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()

    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)

    d = models.model_dir(args.model, args.results)
    x = np.load(d / "input.npy")
    if args.layout == "nhwc":
        x = x.transpose(0, 2, 3, 1).copy()
    if args.kind == "pb":
        fn = load_frozen_graph(args.path)
    elif args.kind == "savedmodel":
        fn = load_saved_model(args.path)
    else:
        fn = load_keras(args.model, models.MODELS[args.model].input_shape)
    xt = tf.constant(x)
    out = np.asarray(fn(xt))
    for _ in range(args.warmup):
        fn(xt)
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        np.asarray(fn(xt))  # forces the result to the host
        times.append(time.perf_counter() - t0)
    result = {"latency_ms": statistics.median(times) * 1e3,
              "latency_min_ms": min(times) * 1e3,
              "tf_version": tf.__version__, "threads": args.threads,
              "max_abs_diff": None, "max_abs_ref": None}
    if args.kind != "keras":
        ref = np.load(d / "reference.npy")
        result["max_abs_ref"] = float(np.abs(ref).max())
        result["max_abs_diff"] = (float(np.abs(out.reshape(ref.shape) - ref).max())
                                  if out.size == ref.size else float("nan"))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
