"""ONNX → TensorFlow: `pt2tf convert -i model.onnx -o model.pb` vs `onnx-tf convert` (issue 4).

  .venv/bin/python bench/bench_onnx_to_tf.py [--models efficientnet-b3 resnet50] [--repeat 3]

Both tools get the same file: the model's torch.onnx.export (dynamo=False, opset 17) output
made by bench/models.py. onnx-tf 1.10 runs from .venv-onnxtf (TensorFlow 2.15, the last it works
with; bench/setup_peers.sh) through its own CLI, which writes a SavedModel directory. Median
wall time and peak RSS over --repeat fresh processes (warm page cache). Prints a markdown
report and writes it to --doc.
"""
import argparse
import datetime
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import measure  # noqa: E402
import models  # noqa: E402
import tools  # noqa: E402
from tools import Unavailable  # noqa: E402

ROOT = models.ROOT


def measure_model(name, args):
    mdir = models.prepare(name, args.results)
    onnx_file = mdir / "torch.onnx"
    measure.warm_cache(onnx_file)
    out = pathlib.Path(args.results) / "onnx_to_tf" / name
    out.mkdir(parents=True, exist_ok=True)
    row = {"onnx_mb": onnx_file.stat().st_size / 2**20}
    try:
        binary = tools.pt2tf_binary(args.build)
        pb = out / "pt2tf.pb"
        row["pt2tf"] = tools.convert(tools.pt2tf_cmd(binary, onnx_file, [pb]), [pb],
                                     args.repeat)
    except Unavailable as e:
        row["pt2tf"] = str(e)
    try:
        saved = out / "onnx_tf_saved"
        row["onnx-tf"] = tools.convert(tools.onnx_tf_cmd(onnx_file, saved), [saved],
                                       args.repeat)
    except Unavailable as e:
        row["onnx-tf"] = str(e)
    return row


def cell(run):
    return f"n/a ({run})" if isinstance(run, str) else \
        f"{run.seconds:.2f} s (CPU {run.cpu_seconds:.2f} s) / {run.peak_rss_mb:.0f} MiB"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", nargs="+", default=["efficientnet-b3", "resnet50"],
                    choices=list(models.MODELS))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--results", default=str(models.RESULTS))
    ap.add_argument("--doc", default=str(ROOT / "docs" / "benchmarks" / "onnx_to_tf.md"))
    args = ap.parse_args()
    machine = tools.machine_lines()
    rows = {name: measure_model(name, args) for name in args.models}
    versions = tools.versions_text(args.build)
    L = ["# Benchmark: ONNX → TensorFlow (pt2tf vs onnx-tf)", "",
         f"Produced by `.venv/bin/python bench/bench_onnx_to_tf.py` on {datetime.date.today()}"
         f", median of {args.repeat} fresh-process runs, warm page cache. Input: the model's "
         "`torch.onnx.export(dynamo=False, opset_version=17)` file. pt2tf writes a frozen "
         "GraphDef (`-o model.pb`); `onnx-tf convert -i model.onnx -o DIR` writes a SavedModel "
         "directory (its only output format in 1.10).", ""]
    L += machine + [versions[0], versions[2], "",
                    "| model | ONNX file | pt2tf convert → .pb | onnx-tf convert | speed-up |",
                    "|---|---:|---:|---:|---:|"]
    for name, r in rows.items():
        both = not isinstance(r["pt2tf"], str) and not isinstance(r["onnx-tf"], str)
        speed = (f"{tools.fmt_ratio(r['onnx-tf'].seconds, r['pt2tf'].seconds)} (CPU "
                 f"{tools.fmt_ratio(r['onnx-tf'].cpu_seconds, r['pt2tf'].cpu_seconds)})"
                 if both else "—")
        L.append(f"| {name} | {r['onnx_mb']:.1f} MiB | {cell(r['pt2tf'])} | "
                 f"{cell(r['onnx-tf'])} | {speed} |")
    text = "\n".join(L) + "\n"
    pathlib.Path(args.doc).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.doc).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
