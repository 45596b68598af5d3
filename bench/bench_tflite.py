"""`.pth` → `.tflite`: pt2tf against the routes users take today, and the files' latency.

  .venv/bin/python bench/bench_tflite.py [--models efficientnet-b3 resnet50 mobilenet_v3_large]
      [--repeat 3] [--budget 120] [--rounds 3] [--runs 30]
      [--tools pt2tf pt2tf-nhwc litert-torch onnx2tf tfliteconverter]

Per model (bench/models.py checkpoints, fixed seed), each route converts in fresh processes
(median of --repeat, warm page cache, outputs removed before each run; a tool stops
repeating once its runs on a model took --budget seconds, and the doc gives the run count):
  pt2tf            `pt2tf convert -i NAME.pth --model NAME -o NAME.tflite` (one process);
  pt2tf-nhwc       the same with `--input-layout nhwc` (an NHWC input, as onnx2tf's files
                   take: no TRANSPOSE at all);
  litert-torch     bench/peers/litert_torch_convert.py in .venv-litert: build, load_state_dict,
                   litert_torch.convert(...).export() (what Ultralytics' TFLite export uses);
  onnx2tf          the route without pt2tf: torch.onnx.export (bench/peers/classic_pipeline.py
                   without -o, main venv) then `onnx2tf -i torch.onnx -o DIR` (.venv-onnx2tf2,
                   onnx2tf 2.x on Python 3.12, else .venv-onnx2tf, the newest 1.x on 3.11);
                   times of the two steps added, peak RSS the larger; its *_float32.tflite;
  tfliteconverter  TensorFlow's own converter on pt2tf's SavedModel (bench/peers/
                   tflite_converter.py, builtins only); pt2tf's time added.
Then bench/tflite_latency.py runs every written file in the LiteRT interpreter (XNNPACK,
--threads 2, batch 1) in its own process, the tools alternating for --rounds rounds so machine
load hits all alike, and checks the output against PyTorch. Writes docs/benchmarks/tflite.md
and docs/benchmarks/tflite.png; raw numbers in bench/results/tflite.json.
"""
import argparse
import datetime
import json
import pathlib
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import measure  # noqa: E402
import models  # noqa: E402
import tools  # noqa: E402
from tools import Unavailable  # noqa: E402

ROOT = models.ROOT
PEERS = ROOT / "bench" / "peers"
VENV_LITERT = ROOT / ".venv-litert" / "bin"
TOOLS = ["pt2tf", "pt2tf-nhwc", "litert-torch", "onnx2tf", "tfliteconverter"]
DEFAULT_MODELS = ["efficientnet-b3", "resnet50", "mobilenet_v3_large", "yolov8n"]


def onnx2tf_venv():
    for v in (ROOT / ".venv-onnx2tf2" / "bin", tools.VENV_ONNX2TF):
        if (v / "onnx2tf").exists():
            return v
    return tools.VENV_ONNX2TF


def chain(*runs):
    """Two steps one after the other: times add, peak RSS is the larger step's."""
    return measure.Run(sum(r.seconds for r in runs), max(r.peak_rss_mb for r in runs),
                       runs[-1].stdout, min(r.runs for r in runs),
                       sum(r.cpu_seconds for r in runs))


def convert_all(name, args):
    """{tool: (Run or error text, .tflite path)} for one model."""
    mdir = models.prepare(name, args.results)
    pth, onnx_file = mdir / f"{name}.pth", mdir / "torch.onnx"
    zoo = models.MODELS[name].zoo
    src, zoo_name = (pth, name) if zoo else (onnx_file, None)  # what pt2tf reads
    measure.warm_cache(src)
    out = pathlib.Path(args.results) / "tflite" / name
    out.mkdir(parents=True, exist_ok=True)
    pt2tf = tools.pt2tf_binary(args.build)
    res = {}

    def conv(cmd, outputs, cwd=None):
        return tools.convert(cmd, outputs, args.repeat, cwd=cwd, budget_seconds=args.budget)

    def attempt(tool, fn, path):
        try:
            res[tool] = (fn(), path)
        except Unavailable as e:
            res[tool] = (str(e), None)
        print(f"{name} {tool}: {res[tool][0] if isinstance(res[tool][0], str) else 'done'}",
              file=sys.stderr)

    if "pt2tf" in args.tools:
        f = out / "pt2tf.tflite"
        attempt("pt2tf", lambda: conv(tools.pt2tf_cmd(pt2tf, src, [f], model=zoo_name), [f]),
                f)
    if "pt2tf-nhwc" in args.tools:
        f = out / "pt2tf_nhwc.tflite"
        attempt("pt2tf-nhwc", lambda: conv(
            tools.pt2tf_cmd(pt2tf, src, [f], model=zoo_name) + ["--input-layout", "nhwc"],
            [f]), f)
    if "litert-torch" in args.tools:
        f = out / "litert_torch.tflite"
        attempt("litert-torch", lambda: conv(
            [VENV_LITERT / "python", PEERS / "litert_torch_convert.py", "--model", name,
             "-i", pth, "-o", f], [f]), f)
    if "onnx2tf" in args.tools:
        exported, d = out / "export.onnx", out / "onnx2tf"
        # onnx2tf names its file after the ONNX file's stem.
        f = d / f"{(exported if zoo else onnx_file).stem}_float32.tflite"
        venv = onnx2tf_venv()

        def onnx2tf(onnx_in):
            return conv([venv / "onnx2tf", "-i", onnx_in, "-o", d, "-n"], [f],
                        cwd=tools.onnx2tf_workdir(args.results))
        if zoo:
            attempt("onnx2tf", lambda: chain(
                conv(tools.classic_cmd(tools.VENV / "python", name, pth, exported), [exported]),
                onnx2tf(exported)), f)
        else:
            attempt("onnx2tf", lambda: onnx2tf(onnx_file), f)
    if "tfliteconverter" in args.tools:
        saved, f = out / "pt2tf_saved", out / "tfliteconverter.tflite"
        attempt("tfliteconverter", lambda: chain(
            conv(tools.pt2tf_cmd(pt2tf, src, [f"{saved}/"], model=zoo_name), [saved]),
            conv([tools.VENV / "python", PEERS / "tflite_converter.py", "-i", saved, "-o", f],
                 [f])), f)
    return res


def latencies(name, files, args):
    """{tool: LiteRT latency JSON (medians over rounds) or error text}."""
    got = {t: [] for t in files}
    errors = {}
    for _ in range(args.rounds):
        for tool, path in files.items():
            if tool in errors:
                continue
            cmd = [tools.VENV / "python", ROOT / "bench" / "tflite_latency.py", "--path", path,
                   "--model", name, "--runs", args.runs, "--threads", args.threads,
                   "--results", args.results]
            try:
                run = measure.run_retrying(cmd, env=tools.quiet_env())
                got[tool].append(json.loads(run.stdout.strip().splitlines()[-1]))
            except RuntimeError as e:
                errors[tool] = tools.error_line(str(e))
    res = dict(errors)
    for tool, runs in got.items():
        if tool not in errors and runs:
            r = dict(runs[-1])
            r["latency_ms"] = statistics.median(x["latency_ms"] for x in runs)
            res[tool] = r
    return res


def as_json(run):
    if isinstance(run, str):
        return {"error": run}
    return {"seconds": run.seconds, "cpu_seconds": run.cpu_seconds,
            "peak_rss_mb": run.peak_rss_mb, "runs": run.runs}


def conv_cell(c, repeat):
    if "error" in c:
        return f"n/a ({c['error']})"
    runs = f" [{c['runs']} run{'s' if c['runs'] > 1 else ''}]" if c["runs"] < repeat else ""
    return (f"{c['seconds']:.2f} s (CPU {c['cpu_seconds']:.2f} s) / {c['peak_rss_mb']:.0f} MiB"
            f"{runs}")


def render(data, args):
    L = ["# Benchmark: `.pth` → `.tflite`", "",
         f"Produced by `.venv/bin/python bench/bench_tflite.py` on {data['date']}: conversion "
         f"median of {data['repeat']} fresh-process runs (warm page cache), LiteRT latency "
         f"median over {data['rounds']} alternating rounds of {data['runs']} timed batch-1 "
         f"runs each (XNNPACK, {data['threads']} threads). How each route runs: the "
         "docstring of bench/bench_tflite.py.", ""]
    L += data["machine"] + [f"- load average at end: {data['load_end']}"] + data["versions"]
    L += ["", "## Conversion: wall time (CPU time) / peak RSS", "",
          "| model | pt2tf input | " + " | ".join(data["tools"]) + " | onnx2tf ÷ pt2tf | "
          "pt2tf RSS ÷ input |", "|---|---:|" + "---:|" * (len(data["tools"]) + 2)]
    for name, m in data["models"].items():
        c = m["convert"]
        p, o = c.get("pt2tf", {}), c.get("onnx2tf", {})
        ratio = (f"{tools.fmt_ratio(o['seconds'], p['seconds'])} (CPU "
                 f"{tools.fmt_ratio(o['cpu_seconds'], p['cpu_seconds'])})"
                 if "seconds" in p and "seconds" in o else "—")
        rss = (f"{p['peak_rss_mb'] / m['checkpoint_mb']:.2f}×" if "seconds" in p else "—")
        L.append(f"| {name} | {m['checkpoint_mb']:.1f} MiB | " +
                 " | ".join(conv_cell(c[t], data["repeat"]) for t in data["tools"] if t in c) +
                 f" | {ratio} | {rss} |")
    L += ["", "## LiteRT latency (ms, batch 1) and max|diff| against PyTorch", "",
          "| model | " + " | ".join(data["tools"]) + " | pt2tf ÷ onnx2tf | pt2tf-nhwc ÷ onnx2tf |",
          "|---|" + "---:|" * (len(data["tools"]) + 2)]
    for name, m in data["models"].items():
        lat = m["latency"]
        cells = []
        for t in data["tools"]:
            r = lat.get(t)
            if r is None:
                cells.append("—")
            elif isinstance(r, str):
                cells.append(f"n/a ({r})")
            else:
                cells.append(f"{r['latency_ms']:.1f} ms ({r['max_abs_diff']:.1e}, "
                             f"{m['sizes_mb'][t]:.1f} MiB)")
        o = lat.get("onnx2tf")

        def ratio(tool):
            p = lat.get(tool)
            return (tools.fmt_ratio(p["latency_ms"], o["latency_ms"])
                    if isinstance(p, dict) and isinstance(o, dict) else "—")
        L.append(f"| {name} | " + " | ".join(cells) + f" | {ratio('pt2tf')} | "
                 f"{ratio('pt2tf-nhwc')} |")
    L += ["", "Cells: median latency (max|diff| against PyTorch eval on the bench input, file "
          "size). Goals (issue #9): conversion ≥ 100× faster than onnx2tf, peak RSS ≤ 1.3× the "
          "checkpoint, latency ≤ 0.9× onnx2tf's file.", "",
          "![.tflite conversion time and latency](tflite.png)"]
    return L


def chart(data, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(data["models"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.8 / max(1, len(data["tools"]))
    for i, t in enumerate(data["tools"]):
        conv = [data["models"][n]["convert"].get(t, {}).get("seconds", 0) for n in names]
        lat = [(data["models"][n]["latency"].get(t) or {}) for n in names]
        lat = [r.get("latency_ms", 0) if isinstance(r, dict) else 0 for r in lat]
        xs = [j + i * width for j in range(len(names))]
        axes[0].bar(xs, conv, width, label=t)
        axes[1].bar(xs, lat, width, label=t)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("conversion wall time (s, log)")
    axes[1].set_ylabel("LiteRT latency, batch 1 (ms)")
    for ax in axes:
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(names))], names, fontsize=8)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", nargs="+", default=DEFAULT_MODELS, choices=list(models.MODELS))
    ap.add_argument("--tools", nargs="+", default=TOOLS, choices=TOOLS)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--budget", type=float, default=120,
                    help="seconds of runs after which a tool stops repeating on a model")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--results", default=str(models.RESULTS))
    ap.add_argument("--doc", default=str(ROOT / "docs" / "benchmarks" / "tflite.md"))
    ap.add_argument("--from-json", help="re-render the doc and chart from this raw file")
    args = ap.parse_args()

    if args.from_json:
        data = json.loads(pathlib.Path(args.from_json).read_text())
    else:
        data = {"date": str(datetime.date.today()), "repeat": args.repeat,
                "rounds": args.rounds, "runs": args.runs, "threads": args.threads,
                "tools": args.tools, "machine": tools.machine_lines(), "models": {}}
        o2t = tools.package_versions(onnx2tf_venv() / "python",
                                     ["onnx2tf", "tensorflow", "onnx", "numpy"])
        lt = tools.package_versions(VENV_LITERT / "python",
                                    ["litert-torch", "torch", "ai-edge-litert"])
        main_v = tools.package_versions(tools.VENV / "python",
                                        ["torch", "tensorflow-cpu", "ai-edge-litert"])
        fmt = lambda d: ", ".join(f"{k} {v}" for k, v in d.items()) or "not installed"
        data["versions"] = [f"- pt2tf: {tools.pt2tf_version(args.build)}",
                            f"- main venv (export, TFLiteConverter, LiteRT latency): "
                            f"{fmt(main_v)}",
                            f"- litert-torch venv (.venv-litert): {fmt(lt)}",
                            f"- onnx2tf venv ({onnx2tf_venv().parent.name}): {fmt(o2t)}"]
        for name in args.models:
            conv = convert_all(name, args)
            files = {t: p for t, (r, p) in conv.items() if not isinstance(r, str)}
            data["models"][name] = {
                "checkpoint_mb": (models.model_dir(name, args.results) /
                                  (f"{name}.pth" if models.MODELS[name].zoo else "torch.onnx")
                                  ).stat().st_size / 2**20,
                "convert": {t: as_json(r) for t, (r, _) in conv.items()},
                "sizes_mb": {t: pathlib.Path(p).stat().st_size / 2**20
                             for t, p in files.items()},
                "latency": latencies(name, files, args)}
        data["load_end"] = " / ".join(f"{x:.1f}" for x in __import__("os").getloadavg())
        raw = pathlib.Path(args.results) / "tflite.json"
        raw.parent.mkdir(parents=True, exist_ok=True)
        raw.write_text(json.dumps(data, indent=1))
    text = "\n".join(render(data, args)) + "\n"
    doc = pathlib.Path(args.doc)
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)
    chart(data, doc.with_suffix(".png"))
    print(text)


if __name__ == "__main__":
    main()
