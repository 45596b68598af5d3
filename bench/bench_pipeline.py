"""PyTorch checkpoint → TensorFlow, side by side: pt2tf vs the classic pipeline vs onnx2tf.

  .venv/bin/python bench/bench_pipeline.py            # full default run → docs/BENCHMARKS.md
  .venv/bin/python bench/bench_pipeline.py --models resnet50 --repeat 1 --doc /tmp/b.md
  .venv/bin/python bench/bench_pipeline.py --from-json bench/results/pipeline.json

Needs `make build` (build/pt2tf) and `bench/setup_peers.sh` (the peers' venvs). For each model
(random init, fixed seed; bench/models.py makes and caches checkpoint, input, PyTorch reference
output and torch.onnx.export file under bench/results/models/):
  (a) pt2tf:   pt2tf convert -i NAME.pth --model NAME -o NAME.onnx -o NAME.pb
  (b) classic: bench/peers/classic_pipeline.py in .venv-onnxtf (build the model,
               load_state_dict, torch.onnx.export, onnx-tf → SavedModel), one process
  (c) onnx2tf: onnx2tf -i torch.onnx -o DIR -osd on the torch.onnx.export file (.venv-onnx2tf)
Conversion: median wall time and peak RSS over --repeat fresh runs. Then each tool's TF output
runs in the main venv's TensorFlow (bench/tf_latency.py, same threads for all): max|diff| vs
PyTorch eval and median batch-1 latency; plus the same architecture written in Keras
(tf.keras.applications, random weights) as the native reference. Writes the markdown report
(--doc), a PNG chart (--chart) and the raw numbers (--json).
"""
import argparse
import datetime
import json
import os
import pathlib
import signal
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import measure  # noqa: E402
import models  # noqa: E402
import tools  # noqa: E402
from tools import Unavailable  # noqa: E402

ROOT = models.ROOT
TOOLS = ["pt2tf", "classic", "onnx2tf"]
TOOL_LABEL = {"pt2tf": "pt2tf (.pth → .onnx + .pb)",
              "classic": "classic: torch.onnx.export + onnx-tf",
              "onnx2tf": "onnx2tf (on the torch.onnx.export file)",
              "keras": "Keras native (tf.keras.applications)"}
COMMAND = "`.venv/bin/python bench/bench_pipeline.py` (or `make bench`)"
GOALS = {"conv_vs_classic": 100.0, "conv_vs_onnx2tf": 10.0, "lat_vs_keras": 1.05,
         "lat_vs_onnxtf": 0.7}


def convert_one(tool, name, mdir, out, args):
    """Conversion of `name` by `tool`: ({seconds, peak_rss_mb}, TF artifact (kind, path, layout))."""
    pth = mdir / f"{name}.pth"
    onnx_file = mdir / "torch.onnx"
    if tool == "pt2tf":
        binary = tools.pt2tf_binary(args.build)
        outputs = [out / "pt2tf.onnx", out / "pt2tf.pb"]
        run = tools.convert(tools.pt2tf_cmd(binary, pth, outputs, model=name), outputs,
                            args.repeat, budget_seconds=args.budget,
                            timeout=args.timeout)
        artifact = ("pb", outputs[1], "nchw")
    elif tool == "classic":
        saved = out / "classic_saved"
        outputs = [out / "classic.onnx", saved]
        run = tools.convert(tools.classic_cmd(tools.VENV_ONNXTF / "python", name, pth,
                                              outputs[0], saved), outputs, args.repeat,
                            budget_seconds=args.budget,
                            timeout=args.timeout)
        artifact = ("savedmodel", saved, "nchw")
    else:
        saved = out / "onnx2tf_saved"
        run = tools.convert(tools.onnx2tf_cmd(onnx_file, saved), [saved], args.repeat,
                            cwd=tools.onnx2tf_workdir(args.results), budget_seconds=args.budget,
                            timeout=args.timeout)
        artifact = ("savedmodel", saved, "nhwc")
    return {"seconds": run.seconds, "cpu_seconds": run.cpu_seconds,
            "peak_rss_mb": run.peak_rss_mb, "runs": run.runs}, artifact


def bench_model(name, args, log):
    mdir = models.prepare(name, args.results)
    out = pathlib.Path(args.results) / "pipeline" / name
    out.mkdir(parents=True, exist_ok=True)
    for f in (mdir / f"{name}.pth", mdir / "torch.onnx", mdir / "input.npy"):
        measure.warm_cache(f)
    row = {"checkpoint_mb": (mdir / f"{name}.pth").stat().st_size / 2**20}
    artifacts = {}
    for tool in args.tools:
        log(f"{name}: converting with {tool} ({args.repeat} runs)")
        t0 = time.time()
        try:
            row[tool], artifacts[tool] = convert_one(tool, name, mdir, out, args)
            log(f"  {row[tool]['seconds']:.2f} s, {row[tool]['peak_rss_mb']:.0f} MiB "
                f"({time.time() - t0:.0f} s for all runs)")
        except Unavailable as e:
            row[tool] = {"error": str(e)}
            log(f"  unavailable: {e}")
    for tool, (kind, path, layout) in artifacts.items():
        log(f"{name}: TF inference of {tool}'s output")
        try:
            row[tool]["tf"] = tools.tf_latency(kind, name, path, layout, args.results, args.runs)
        except Unavailable as e:
            row[tool]["tf"] = {"error": f"TensorFlow could not run it: {e}"}
        log(f"  {row[tool]['tf']}")
    log(f"{name}: TF inference of the Keras-native model")
    try:
        row["keras"] = {"tf": tools.tf_latency("keras", name, None, "nhwc", args.results,
                                               args.runs)}
    except Unavailable as e:
        row["keras"] = {"tf": {"error": str(e)}}
    log(f"  {row['keras']['tf']}")
    return row


# ---- report ----

def _conv(row, tool, key="seconds"):
    return row.get(tool, {}).get(key)


def _lat(row, tool):
    return row.get(tool, {}).get("tf", {}).get("latency_ms")


def _cell_conv(row, tool, repeat):
    r = row.get(tool)
    if r is None:
        return "not run"
    if "error" in r:
        return f"n/a ({r['error']})"
    runs = r.get("runs", 1)
    note = f" ({runs} run{'s' if runs > 1 else ''})" if runs != repeat else ""
    return (f"{r['seconds']:.2f} s (CPU {r.get('cpu_seconds', 0):.2f} s) / "
            f"{r['peak_rss_mb']:.0f} MiB{note}")


def _cell_diff(row, tool):
    tf_ = row.get(tool, {}).get("tf")
    if tf_ is None:
        return "—"
    if "error" in tf_:
        return f"n/a ({tf_['error']})"
    return f"{tf_['max_abs_diff']:.1e}"


def _cell_lat(row, tool):
    tf_ = row.get(tool, {}).get("tf")
    if tf_ is None:
        return "—"
    if "error" in tf_:
        return "n/a"
    return f"{tf_['latency_ms']:.2f}"


def _goal(value, goal, higher_is_better):
    if value is None:
        return "—"
    ok = value >= goal if higher_is_better else value <= goal
    text = f"{value:.1f}×" if value >= 10 else f"{value:.2f}×"
    return f"{text} {'✔' if ok else '✘'}"


def ratios(row):
    def div(a, b):
        return None if a is None or b is None or b == 0 else a / b
    cpu = "cpu_seconds"
    return {"conv_vs_classic": div(_conv(row, "classic"), _conv(row, "pt2tf")),
            "conv_vs_onnx2tf": div(_conv(row, "onnx2tf"), _conv(row, "pt2tf")),
            "cpu_vs_classic": div(_conv(row, "classic", cpu), _conv(row, "pt2tf", cpu)),
            "cpu_vs_onnx2tf": div(_conv(row, "onnx2tf", cpu), _conv(row, "pt2tf", cpu)),
            "lat_vs_keras": div(_lat(row, "pt2tf"), _lat(row, "keras")),
            "lat_vs_onnxtf": div(_lat(row, "pt2tf"), _lat(row, "classic"))}


def render(data, chart_name):
    rows, meta = data["rows"], data["meta"]
    names = list(rows)
    L = ["# Benchmarks: PyTorch checkpoint → TensorFlow", "",
         f"Produced by {COMMAND} on {meta['date']} in {meta['total_minutes']:.0f} minutes "
         f"(median of {meta['repeat']} fresh-process runs per conversion, fewer where marked: "
         f"no run starts once a tool's runs on a model took {meta['budget']:.0f} s; "
         f"{meta['runs']} "
         f"timed inference runs after {5} warm-up runs). Every number below comes from that "
         "one run; `bench/results/pipeline.json` holds the raw values.", "",
         "## Setup", ""] + meta["machine"] + [
        f"- load average at the end: {meta['load_end']}", ""] + meta["versions"] + [
        f"- inference: every tool's output loaded in the main venv's TensorFlow "
        f"{meta['tf_version']}, intra-op threads {meta['threads']}, inter-op threads 1, "
        "batch 1, input = the model's nominal size", "",
        "Models are random-initialised with a fixed seed (BatchNorm weights and running "
        "statistics randomised too) and saved with `torch.save(model.state_dict())`; the "
        "input is a fixed standard-normal tensor. max|diff| compares each tool's TensorFlow "
        "output with the PyTorch eval output on that input.", "",
        "## Conversion: wall time / peak RSS", "",
        "| model | checkpoint | " + " | ".join(TOOL_LABEL[t] for t in TOOLS) + " |",
        "|---|---:|" + "---:|" * len(TOOLS)]
    for n in names:
        r = rows[n]
        L.append(f"| {n} | {r['checkpoint_mb']:.1f} MiB | "
                 + " | ".join(_cell_conv(r, t, meta["repeat"]) for t in TOOLS) + " |")
    L += ["", "## TensorFlow output: max|diff| vs PyTorch, and CPU latency (ms, median)", "",
          "| model | max\\|ref\\| | diff pt2tf .pb | diff onnx-tf | diff onnx2tf | "
          "latency pt2tf .pb | latency onnx-tf | latency onnx2tf | latency Keras native |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in names:
        r = rows[n]
        ref = next((r[t]["tf"].get("max_abs_ref") for t in TOOLS
                    if "tf" in r.get(t, {}) and r[t]["tf"].get("max_abs_ref") is not None), None)
        L.append(f"| {n} | {tools.fmt_float(ref, 2)} | "
                 + " | ".join(_cell_diff(r, t) for t in TOOLS) + " | "
                 + " | ".join(_cell_lat(r, t) for t in TOOLS + ["keras"]) + " |")
    L += ["", "## Against the goals", "",
          "Conversion speed-up is the other tool's wall time divided by pt2tf's (goal ≥ 100× "
          "vs the classic pipeline, ≥ 10× vs onnx2tf), with the same ratio of CPU time "
          "(user + system, less sensitive to other load on the machine) in brackets; latency ratio is pt2tf's `.pb` latency "
          "divided by the other (goal ≤ 1.05× Keras native, ≤ 0.7× onnx-tf's output). "
          "✔ met, ✘ missed, — not measurable in this run.", "",
          "| model | conversion vs classic | conversion vs onnx2tf | latency vs Keras | "
          "latency vs onnx-tf |", "|---|---:|---:|---:|---:|"]
    for n in names:
        q = ratios(rows[n])
        L.append(f"| {n} | {_goal(q['conv_vs_classic'], GOALS['conv_vs_classic'], True)} "
                 f"({tools.fmt_ratio(q['cpu_vs_classic'], 1)} CPU) | "
                 f"{_goal(q['conv_vs_onnx2tf'], GOALS['conv_vs_onnx2tf'], True)} "
                 f"({tools.fmt_ratio(q['cpu_vs_onnx2tf'], 1)} CPU) | "
                 f"{_goal(q['lat_vs_keras'], GOALS['lat_vs_keras'], False)} | "
                 f"{_goal(q['lat_vs_onnxtf'], GOALS['lat_vs_onnxtf'], False)} |")
    L += ["", f"![conversion time and inference latency]({chart_name})", "",
          "## Notes", "",
          "- Wall time covers each tool as a user runs it, from process start to exit: the "
          "classic pipeline's number includes starting Python, importing torch, TensorFlow "
          "and onnx-tf, building the model, `load_state_dict`, `torch.onnx.export` and "
          "onnx-tf's conversion; onnx2tf's includes its own start-up and imports. Peak RSS is "
          "the tool process's `ru_maxrss` (wait4); CPU time is its user + system time from the "
          "same rusage.",
          "- onnx-tf 1.10 writes a SavedModel directory (even when asked for `.pb`); the "
          "latency column times that SavedModel's `serving_default` signature.",
          "- onnx2tf always writes float32 and float16 `.tflite` files beside the SavedModel "
          "(no flag turns that off), and that time is part of its figure. It makes the input "
          "NHWC: its output is run on the transposed input. It wants a sample-data file it "
          "downloads from GitHub on every run; the bench supplies a random one in its working "
          "directory because the machine is offline (bench/tools.py).",
          "- The Keras-native models have random weights of their own, so they have no "
          "max|diff|; they time the same architecture written in TensorFlow.",
          "- The machine is shared: load averages are above. A load above the core count "
          "inflates every wall time and latency (for all tools alike, but not uniformly)."]
    for note in meta.get("notes", []):
        L.append(f"- {note}")
    L += ["", OTHER_BENCHMARKS]
    return "\n".join(L) + "\n"


# The other benches write their own pages (bench/README.md); this one links them.
OTHER_BENCHMARKS = """## Other benchmarks

- [`.pth` → `.tflite`](benchmarks/tflite.md): pt2tf vs litert-torch, torch.onnx.export + onnx2tf and TFLiteConverter, and LiteRT latency of their files (`bench/bench_tflite.py`)
- [live module → `.tflite` from Python](benchmarks/pt2.md): `pt2tf.convert(module)` (torch.export capture included) vs litert-torch vs torch.onnx.export + onnx2tf (`bench/bench_pt2.py`)
- [`.pth` → ONNX](benchmarks/onnx_export.md) (`bench/bench_onnx_export.py`) and [ONNX → TensorFlow](benchmarks/onnx_to_tf.md) (`bench/bench_onnx_to_tf.py`)
- [Graph size scaling](benchmarks/graph_scale.md): synthetic ONNX graphs of 10k–100k nodes through the whole pipeline (`bench/bench_graph_scale.py`)
- [SavedModel with `variables/`](benchmarks/saved_model_variables.md) (`bench/bench_saved_model_variables.py`)
- [Dynamic vs static batch](benchmarks/dynamic_batch.md): TensorFlow latency at batch 1 of `--dynamic-batch` graphs against their static twins (`bench/bench_dynamic_batch.py`)
- [int8 quantization](benchmarks/quantize.md): pt2tf `--quantize int8` vs onnx2tf `-oiqt` and TFLiteConverter with a representative dataset — conversion time and SNR in LiteRT (`bench/bench_quantize.py`)
- [Streaming weights](benchmarks/streaming.md): peak RSS and wall time of `.pth` → `.onnx` + `.pb` + SavedModel and `.pth` → `.tflite` (fp32, fp16) against the checkpoint size and `cat ckpt > out` per output, every zoo model with `--all` (`bench/bench_streaming.py`)
- [A model over 2 GiB](benchmarks/big_model.md): a 2.3 GiB random network (`.pt2` and ONNX with external data) → SavedModel with `variables/`, `.onnx` with external data and `.tflite`: peak RSS against 1.15× its size + 32 MiB, outputs checked against PyTorch, the frozen `.pb` refusal, and the classic pipeline and onnx2tf on the same model (`bench/bench_big.py`)"""


def chart(data, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    rows = data["rows"]
    names = list(rows)
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    x = np.arange(len(names))
    colors = {"pt2tf": "#2a9d8f", "classic": "#e76f51", "onnx2tf": "#e9c46a",
              "keras": "#264653"}
    labels = {"pt2tf": "pt2tf", "classic": "torch.onnx.export + onnx-tf", "onnx2tf": "onnx2tf",
              "keras": "Keras native"}
    nan = float("nan")
    for i, t in enumerate(TOOLS):
        vals = [_conv(rows[n], t) or nan for n in names]
        bars = axes[0].bar(x + (i - 1) * 0.27, vals, 0.27, label=labels[t], color=colors[t])
        axes[0].bar_label(bars, fmt="%.3g", fontsize=7)
    axes[0].set_ylabel("conversion wall time, s (log scale)")
    axes[0].set_title("Conversion, .pth → TensorFlow (lower is better)")
    for i, t in enumerate(TOOLS + ["keras"]):
        vals = [_lat(rows[n], t) or nan for n in names]
        bars = axes[1].bar(x + (i - 1.5) * 0.2, vals, 0.2, label=labels[t], color=colors[t])
        axes[1].bar_label(bars, fmt="%.3g", fontsize=7)
    axes[1].set_ylabel("batch-1 CPU latency, ms (log scale)")
    axes[1].set_title(f"TensorFlow {data['meta']['tf_version']} inference (lower is better)")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xticks(x)
        ax.set_xticklabels(names, rotation=15)
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", nargs="+", default=models.ZOO_MODELS,
                    choices=models.ZOO_MODELS)
    ap.add_argument("--tools", nargs="+", default=TOOLS, choices=TOOLS)
    ap.add_argument("--repeat", type=int, default=3, help="fresh runs per conversion")
    ap.add_argument("--budget", type=float, default=240,
                    help="seconds per tool and model after which no further run starts")
    ap.add_argument("--timeout", type=float, default=2700,
                    help="seconds after which one conversion run is killed and reported as such")
    ap.add_argument("--runs", type=int, default=20, help="timed inference runs")
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--results", default=str(models.RESULTS))
    ap.add_argument("--doc", default=str(ROOT / "docs" / "BENCHMARKS.md"))
    ap.add_argument("--chart", default=str(ROOT / "docs" / "benchmarks.png"))
    ap.add_argument("--json", default=str(models.RESULTS / "pipeline.json"))
    ap.add_argument("--from-json", help="re-render the doc and chart from saved results")
    ap.add_argument("--resume", action="store_true",
                    help="keep the models already measured in --json (same settings)")
    ap.add_argument("--note", action="append", default=[],
                    help="with --from-json: a note to add to the doc (says it was added later)")
    args = ap.parse_args()
    args.results = pathlib.Path(args.results)

    def log(msg):
        print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)

    if args.from_json:
        data = json.loads(pathlib.Path(args.from_json).read_text())
        data["meta"]["notes"] += [f"(Added when re-rendering with --from-json.) {n}"
                                  for n in args.note]
    else:
        # On a shared machine other jobs' cleanup has sent SIGTERM to long bench runs; log it
        # and carry on (Ctrl-C still stops the run). Results are saved after every model, and
        # --resume continues an interrupted run of the same settings.
        signal.signal(signal.SIGTERM, lambda *_: log("SIGTERM received and ignored"))
        json_path = pathlib.Path(args.json)
        settings = {"repeat": args.repeat, "runs": args.runs, "budget": args.budget,
                    "tools": args.tools}
        data = None
        if args.resume and json_path.exists():
            data = json.loads(json_path.read_text())
            if data["meta"].get("settings") != settings:
                raise SystemExit(f"--resume: {json_path} was made with other settings")
            log(f"resuming: {list(data['rows'])} already measured")
        if data is None:
            meta = {"date": f"{datetime.date.today()}", "repeat": args.repeat,
                    "runs": args.runs, "budget": args.budget, "settings": settings,
                    "machine": tools.machine_lines(), "versions": tools.versions_text(args.build),
                    "threads": os.cpu_count(), "notes": [], "minutes": 0.0, "sessions": 0}
            data = {"meta": meta, "rows": {}}
        meta = data["meta"]
        counted = False
        json_path.parent.mkdir(parents=True, exist_ok=True)
        for name in args.models:
            if name in data["rows"]:
                continue
            if not counted:
                meta["sessions"], counted = meta["sessions"] + 1, True
            start = time.time()
            data["rows"][name] = bench_model(name, args, log)
            meta["minutes"] += (time.time() - start) / 60
            json_path.write_text(json.dumps(data, indent=1, default=str))
        load = os.getloadavg()
        meta["load_end"] = f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min)"
        meta["total_minutes"] = meta["minutes"]
        meta["tf_version"] = next((r[t]["tf"]["tf_version"] for r in data["rows"].values()
                                   for t in TOOLS + ["keras"]
                                   if "tf_version" in r.get(t, {}).get("tf", {})), "?")
        if meta["sessions"] > 1:
            meta["notes"].append(f"Measured in {meta['sessions']} invocations (`--resume` "
                                 "after an interruption), all with the same settings.")
        if set(data["rows"]) != set(models.ZOO_MODELS) or args.tools != TOOLS:
            meta["notes"].append(f"Partial run: models {list(data['rows'])}, tools "
                                 f"{args.tools}.")
        json_path.write_text(json.dumps(data, indent=1, default=str))
    chart_path = pathlib.Path(args.chart)
    chart(data, chart_path)
    doc = render(data, os.path.relpath(chart_path, pathlib.Path(args.doc).parent))
    pathlib.Path(args.doc).write_text(doc)
    print(doc)


if __name__ == "__main__":
    main()
