"""ONNX → TensorFlow: `pt2tf convert -i model.onnx -o model.pb` vs `onnx-tf convert` (issue 4).

  .venv/bin/python bench/bench_onnx_to_tf.py [--models efficientnet-b3 resnet50] [--repeat 3]

Both tools get the same file: the model's torch.onnx.export (dynamo=False, opset 17) output
made by bench/models.py. onnx-tf 1.10 runs from .venv-onnxtf (TensorFlow 2.15, the last it works
with; bench/setup_peers.sh) through its own CLI, which writes a SavedModel directory. Median
wall time and peak RSS over --repeat fresh processes (warm page cache). Prints a markdown
report and writes it to --doc.
"""
import datetime
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import measure  # noqa: E402
import models  # noqa: E402
import pairwise  # noqa: E402
import tools  # noqa: E402


def measure_model(name, args):
    mdir = models.prepare(name, args.results)
    onnx_file = mdir / "torch.onnx"
    measure.warm_cache(onnx_file)
    out = pathlib.Path(args.results) / "onnx_to_tf" / name
    out.mkdir(parents=True, exist_ok=True)
    row = {"onnx_mb": onnx_file.stat().st_size / 2**20}
    pb = out / "pt2tf.pb"
    row["pt2tf"] = pairwise.measure_tool(
        lambda: tools.pt2tf_cmd(tools.pt2tf_binary(args.build), onnx_file, [pb]), [pb],
        args.repeat)
    saved = out / "onnx_tf_saved"
    row["onnx-tf"] = pairwise.measure_tool(lambda: tools.onnx_tf_cmd(onnx_file, saved), [saved],
                                           args.repeat)
    return row


def main():
    args = pairwise.parse_args(__doc__.split("\n")[0], "onnx_to_tf.md")
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
        L.append(f"| {name} | {r['onnx_mb']:.1f} MiB | {pairwise.cell(r['pt2tf'])} | "
                 f"{pairwise.cell(r['onnx-tf'])} | "
                 f"{pairwise.speedup(r['onnx-tf'], r['pt2tf'])} |")
    pairwise.write_doc(args.doc, L)


if __name__ == "__main__":
    main()
