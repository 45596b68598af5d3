"""PyTorch checkpoint → ONNX: `pt2tf convert` vs a torch.onnx.export script (issue 3).

  .venv/bin/python bench/bench_onnx_export.py [--models efficientnet-b3 resnet50] [--repeat 3]

For each model (bench/models.py: fixed-seed state_dict, cached under bench/results/models/):
  pt2tf:  build/pt2tf convert -i NAME.pth --model NAME -o out.onnx
  torch:  bench/peers/classic_pipeline.py without -o, in the main venv: start Python,
          import torch, build the model, load_state_dict(torch.load(NAME.pth)),
          torch.onnx.export(dynamo=False, opset 17): what a user runs to get the same file.
Median wall time and peak RSS over --repeat fresh processes (warm page cache), the speed-up
and pt2tf's peak RSS / checkpoint size. Goals: ≥ 50× faster, RSS < 2× the checkpoint.
Prints a markdown report and writes it to --doc.
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
    pth = mdir / f"{name}.pth"
    measure.warm_cache(pth)
    out = pathlib.Path(args.results) / "onnx_export" / name
    out.mkdir(parents=True, exist_ok=True)
    row = {"checkpoint_mb": pth.stat().st_size / 2**20}
    onnx_out = out / "pt2tf.onnx"
    row["pt2tf"] = pairwise.measure_tool(
        lambda: tools.pt2tf_cmd(tools.pt2tf_binary(args.build), pth, [onnx_out], model=name),
        [onnx_out], args.repeat)
    torch_out = out / "torch.onnx"
    row["torch"] = pairwise.measure_tool(
        lambda: tools.classic_cmd(tools.VENV / "python", name, pth, torch_out), [torch_out],
        args.repeat)
    return row


def main():
    args = pairwise.parse_args(__doc__.split("\n")[0], "onnx_export.md")
    machine = tools.machine_lines()
    rows = {name: measure_model(name, args) for name in args.models}
    L = ["# Benchmark: PyTorch checkpoint → ONNX (pt2tf vs torch.onnx.export)", "",
         f"Produced by `.venv/bin/python bench/bench_onnx_export.py` on {datetime.date.today()}"
         f", median of {args.repeat} fresh-process runs, warm page cache. The torch column is a "
         "Python script as a user runs it: interpreter start, `import torch`, building the "
         "model, `load_state_dict(torch.load(...))`, `torch.onnx.export(dynamo=False, "
         "opset_version=17)`. Goals: pt2tf ≥ 50× faster, peak RSS < 2× the checkpoint.", ""]
    L += machine + tools.versions_text(args.build)[:2] + ["",
          "| model | checkpoint | pt2tf convert → .onnx | torch.onnx.export script | "
          "speed-up | pt2tf RSS / checkpoint |", "|---|---:|---:|---:|---:|---:|"]
    for name, r in rows.items():
        ok = not isinstance(r["pt2tf"], str)
        rss = f"{r['pt2tf'].peak_rss_mb / r['checkpoint_mb']:.2f}×" if ok else "—"
        L.append(f"| {name} | {r['checkpoint_mb']:.1f} MiB | {pairwise.cell(r['pt2tf'])} | "
                 f"{pairwise.cell(r['torch'])} | {pairwise.speedup(r['torch'], r['pt2tf'])} | "
                 f"{rss} |")
    pairwise.write_doc(args.doc, L)


if __name__ == "__main__":
    main()
