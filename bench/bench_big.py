"""A model over 2 GiB (#14): pt2tf on a > 2 GiB random network, in every output format.

  nice .venv/bin/python bench/bench_big.py [--dir DIR] [--keep] [--runs 3] [--inputs pt2 onnx]
      [--tflite auto|on|off] [--peers onnxtf onnx2tf] [--peer-timeout 1200] [--peer-rss-gib 20]
      [--peer-floor-gib 1.5] [--classic-opset 15] [--width 5120] [--blocks 3] [--tokens 16]
      [--doc docs/benchmarks/big_model.md] [--json FILE] [--from-json FILE]

Makes (fixed seed, in a fresh process) BLOCKS residual pre-LayerNorm MLP blocks of width WIDTH
(Linear -> 4x, GELU, Linear back) and a final LayerNorm (default 3 x 5120: 629 M float32
parameters, 2.34 GiB; LayerNorm weights randomised) and saves it as the inputs pt2tf reads
natively: `big.pt2` (torch.export.save) and `big.onnx` + `big.onnx.data` (torch.onnx.export,
TorchScript exporter, opset 17, its per-tensor external files gathered into one), with a fixed
[TOKENS, WIDTH] input and the PyTorch eager output on it. Then, per input, page cache warm, fresh
processes (medians of --runs, outputs deleted before each run), measured by bench/measure.py:
  copy      `cat INPUT > out` (the copy floor);
  each output alone: SavedModel (`--saved-model-weights variables`), `.onnx` (external data,
            automatic over 2 GiB), `.tflite` (only when the binary has `--tflite-buffers`);
  all       the outputs in one command; its outputs are then checked, each in its own process:
            SavedModel in TensorFlow (serving_default), .onnx in ONNX Runtime, .tflite in LiteRT,
            against PyTorch within 1e-4 x max(1, max|ref|).
Goal: peak RSS <= 1.15 x input size + 32 MiB. A frozen `.pb` must be refused (one line, exit
code non-zero, no file left). Peers (--peers) on the same model, once each, under a wall timeout
and a watchdog that SIGKILLs the tool when its process tree's RSS passes --peer-rss-gib or the
machine's MemAvailable falls under --peer-floor-gib:
  onnxtf    build + torch.load(big.pth) + load_state_dict + torch.onnx.export (--classic-opset:
            onnx-tf 1.10 has no LayerNormalization-17) + onnx-tf (.venv-onnxtf), one process, as
            bench/peers/classic_pipeline.py does for the zoo models; big.pth is written just
            before and deleted after;
  onnx2tf   `onnx2tf -i big.onnx -o DIR -osd -n` (.venv-onnx2tf) on the torch.onnx.export file
            (last: it rewrites its input in place).
Everything lives in one new work directory (under --dir, default the temp dir) whose disk use is
sampled every second; it is deleted at the end unless --keep. Peak disk: 11.7 GiB with the
defaults (docs/benchmarks/big_model.md).
"""
import argparse
import datetime
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import measure  # noqa: E402
import tools  # noqa: E402

ROOT = tools.ROOT
RSS_FACTOR, RSS_EXTRA_MIB = 1.15, 32.0
GIB, MIB = 2**30, 2**20
NAMES = {"saved": "SavedModel (variables)", "onnx": ".onnx", "tflite": ".tflite"}


# ---- the model (imported by the workers, in whichever venv has torch) ----

def build_model(width, blocks):
    """BLOCKS residual pre-LayerNorm MLP blocks (Linear width -> 4 width, GELU, Linear back),
    a final LayerNorm: the feed-forward half of a GPT-style transformer at a large width."""
    import torch
    import torch.nn as nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln, self.fc = nn.LayerNorm(width), nn.Linear(width, 4 * width)
            self.act, self.out = nn.GELU(), nn.Linear(4 * width, width)

        def forward(self, x):
            return x + self.out(self.act(self.fc(self.ln(x))))

    class BigNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.Sequential(*[Block() for _ in range(blocks)])
            self.ln = nn.LayerNorm(width)

        def forward(self, x):
            return self.ln(self.blocks(x))

    torch.manual_seed(0)
    model = BigNet().eval()
    with torch.no_grad():  # a fresh LayerNorm is an identity that would hide conversion bugs
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.copy_(1 + 0.1 * torch.randn(width))
                m.bias.copy_(0.1 * torch.randn(width))
    return model


def fixed_input(width, tokens):
    import torch
    return torch.randn(tokens, width, generator=torch.Generator().manual_seed(1))


# ---- workers: `python bench_big.py worker KIND ...`, each a fresh process ----

def worker_make(a):
    """Writes big.pt2, big.onnx(+.data), x.npy, ref.npy, model.json (or, with --pth, big.pth
    alone: the same weights again, just before the classic peer needs them)."""
    import numpy as np
    import onnx
    import torch
    d = pathlib.Path(a.dir)
    model, x = build_model(a.width, a.blocks), fixed_input(a.width, a.tokens)
    if a.pth:
        return torch.save(model.state_dict(), a.pth)
    with torch.no_grad():
        ref = model(x)
    np.save(d / "x.npy", x.numpy())
    np.save(d / "ref.npy", ref.numpy())
    params = sum(p.numel() for p in model.parameters())
    t = {}
    t0 = time.perf_counter()
    torch.export.save(torch.export.export(model, (x,)), str(d / "big.pt2"))
    t["pt2"] = time.perf_counter() - t0
    # The TorchScript exporter writes one file per weight beside the model when it passes
    # 2 GiB; gather them into one big.onnx.data as most tools write it.
    tmp = d / "onnx_export"
    tmp.mkdir()
    t0 = time.perf_counter()
    torch.onnx.export(model, (x,), str(tmp / "big.onnx"), dynamo=False, opset_version=17,
                      input_names=["x"], output_names=["y"])
    m = onnx.load(str(tmp / "big.onnx"))
    onnx.save_model(m, str(d / "big.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="big.onnx.data", size_threshold=1024)
    del m
    shutil.rmtree(tmp)
    t["onnx"] = time.perf_counter() - t0
    json.dump({"parameters": params, "weight_bytes": 4 * params, "seconds": t,
               "torch": torch.__version__}, open(d / "model.json", "w"))


def worker_classic(a):
    """The classic pipeline in one process; each stage's name goes to a.stage first."""
    def stage(name):
        pathlib.Path(a.stage).write_text(name)
    stage("build + torch.load + load_state_dict")
    import torch
    model = build_model(a.width, a.blocks)
    model.load_state_dict(torch.load(a.pth, map_location="cpu"))
    stage("torch.onnx.export")
    pathlib.Path(a.onnx).parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, (fixed_input(a.width, a.tokens),), a.onnx, dynamo=False,
                      opset_version=a.opset, input_names=["x"], output_names=["y"])
    del model
    stage("onnx.load")
    import onnx
    from onnx_tf.backend import prepare
    m = onnx.load(a.onnx)
    stage("onnx_tf.backend.prepare")
    rep = prepare(m)
    stage("export_graph")
    rep.export_graph(a.out)
    stage("done")


def worker_check(a):
    """Runs one converted file on x.npy; prints {max_abs_diff, max_ref, tol, ok} as JSON."""
    import numpy as np
    d = pathlib.Path(a.dir)
    x, ref = np.load(d / "x.npy"), np.load(d / "ref.npy")
    t0 = time.perf_counter()
    if a.kind == "tf":
        import tensorflow as tf
        fn = tf.saved_model.load(a.path).signatures["serving_default"]
        (name,) = fn.structured_input_signature[1]
        (got,) = [v.numpy() for v in fn(**{name: tf.constant(x)}).values()]
    elif a.kind == "ort":
        import onnxruntime as ort
        sess = ort.InferenceSession(a.path, providers=["CPUExecutionProvider"])
        got = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    else:
        from ai_edge_litert.interpreter import Interpreter
        it = Interpreter(model_path=a.path)
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        got = it.get_tensor(it.get_output_details()[0]["index"])
    diff = float(np.abs(got.astype(np.float64) - ref).max()) if got.shape == ref.shape else None
    max_ref = float(np.abs(ref).max())
    tol = 1e-4 * max(1.0, max_ref)
    print(json.dumps({"max_abs_diff": diff, "max_ref": max_ref, "tol": tol,
                      "ok": diff is not None and diff <= tol, "shape": list(got.shape),
                      "seconds": time.perf_counter() - t0}))


def worker(argv):
    p = argparse.ArgumentParser(prog="bench_big.py worker")
    p.add_argument("kind", choices=["make", "classic", "tf", "ort", "tflite"])
    for flag in ("--dir", "--path", "--pth", "--onnx", "--out", "--stage"):
        p.add_argument(flag)
    for flag, default in (("--width", 5120), ("--blocks", 3), ("--tokens", 16), ("--opset", 17)):
        p.add_argument(flag, type=int, default=default)
    a = p.parse_args(argv)
    {"make": worker_make, "classic": worker_classic}.get(a.kind, worker_check)(a)


# ---- the bench ----

def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_blocks * 512
            except OSError:
                pass
    return total


class DiskWatch(threading.Thread):
    """Samples the work directory's disk use every second; .peak is the largest seen."""
    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.peak, self.stop = path, 0, threading.Event()

    def run(self):
        while not self.stop.wait(1.0):
            self.peak = max(self.peak, dir_bytes(self.path))


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 1 << 62


class RssCap(threading.Thread):
    """While running, SIGKILLs every process below this one's children (the tool run by
    spawn_measured.py, and anything it started) once their RSS adds up to more than cap, or
    once the machine's MemAvailable falls under floor (other jobs share it: the kernel's OOM
    killer would otherwise pick a victim, maybe not the tool). .killed says which."""
    def __init__(self, cap_bytes, floor_bytes, skip_direct=True):
        super().__init__(daemon=True)
        self.cap, self.floor, self.skip_direct = cap_bytes, floor_bytes, skip_direct
        self.peak, self.killed, self.stop = 0, None, threading.Event()

    def tree(self):
        kids = {}
        for p in os.listdir("/proc"):
            try:
                ppid = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(p))
            except (OSError, ValueError, IndexError):
                pass
        out, stack = [], list(kids.get(os.getpid(), []))  # the spawners: not killed
        if not self.skip_direct:
            out = list(stack)
        while stack:
            for c in kids.get(stack.pop(), []):
                out.append(c)
                stack.append(c)
        return out

    def run(self):
        page = os.sysconf("SC_PAGE_SIZE")
        while not self.stop.wait(0.5):
            pids, total = self.tree(), 0
            for pid in pids:
                try:
                    total += int(open(f"/proc/{pid}/statm").read().split()[1]) * page
                except (OSError, ValueError, IndexError):
                    pass
            self.peak = max(self.peak, total)
            avail = mem_available()
            if total > self.cap or avail < self.floor:
                self.killed = (f"{total / GIB:.1f} GiB RSS (cap {self.cap / GIB:.0f} GiB)"
                               if total > self.cap else f"{total / GIB:.1f} GiB RSS, the machine "
                               f"down to {avail / GIB:.1f} GiB available (floor "
                               f"{self.floor / GIB:.1f} GiB)")
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass


def python_of(venv):
    return str(ROOT / venv / "bin" / "python")


def run_worker(venv, *args, check=True):
    cmd = [python_of(venv), __file__, "worker", *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=tools.quiet_env())
    if check and proc.returncode != 0:
        sys.exit(f"bench_big: {' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return proc


def measure_input(args, label, inp_files, work, binary, tflite):
    """Copy floor, each output alone, all outputs together, then the checks of the last."""
    inp = inp_files[0]
    size = sum(f.stat().st_size for f in inp_files)
    outs = {"saved": work / "out_saved", "onnx": work / "out.onnx", "tflite": work / "out.tflite"}
    copy_out = work / "copy.out"

    def clean():
        for p in [*outs.values(), work / "out.onnx.data", copy_out]:
            tools.remove(p)
        for f in inp_files:
            measure.warm_cache(f)

    flags = {"saved": ["-o", f"{outs['saved']}/", "--saved-model-weights", "variables"],
             "onnx": ["-o", outs["onnx"]], "tflite": ["-o", outs["tflite"]]}
    kinds = ["saved", "onnx"] + (["tflite"] if tflite else [])
    cases = [("copy", "`cat " + " ".join(f.name for f in inp_files) + " > out`",
              ["sh", "-c", " ".join(f"'{f}'" for f in ["cat", *inp_files]) + f" > '{copy_out}'"])]
    cases += [(k, f"pt2tf → {NAMES[k]} alone", [binary, "convert", "-q", "-i", inp, *flags[k]])
              for k in kinds]
    cases.append(("all", "pt2tf → " + " + ".join(NAMES[k] for k in kinds) + " (one command)",
                  [binary, "convert", "--json", "-i", inp, *sum((flags[k] for k in kinds), [])]))
    row = {"input": label, "files": [f.name for f in inp_files], "bytes": size, "cases": []}
    for key, what, cmd in cases:
        case = {"key": key, "what": what}
        try:
            run = measure.median_runs(cmd, repeat=args.runs, before_each=clean)
            case.update(seconds=run.seconds, cpu_seconds=run.cpu_seconds,
                        peak_rss_mib=run.peak_rss_mb, runs=run.runs)
            if key == "all":
                case["summary"] = json.loads(run.stdout)
        except RuntimeError as e:
            case["error"] = tools.error_line(str(e))
        row["cases"].append(case)
        print(f"{label} {key}: {case}", flush=True)
    checks = {}
    if "error" not in row["cases"][-1]:
        checks["onnx external data"] = {"ok": (work / "out.onnx.data").exists()}
        for k, kind in (("saved", "tf"), ("onnx", "ort"), ("tflite", "tflite")):
            if k in kinds:
                proc = run_worker(".venv", kind, "--dir", work, "--path", outs[k], check=False)
                checks[k] = (json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0
                             else {"ok": False, "error": tools.error_line(proc.stderr)})
                print(f"{label} check {k}: {checks[k]}", flush=True)
    row["checks"] = checks
    clean()
    # A frozen GraphDef cannot hold > 2 GiB of Consts: pt2tf must refuse it in one line.
    pb = work / "big.pb"
    proc = subprocess.run([binary, "convert", "-q", "-i", inp, "-o", pb], capture_output=True,
                          text=True)
    row["pb"] = {"returncode": proc.returncode, "stderr": proc.stderr.strip(),
                 "file_left": pb.exists()}
    tools.remove(pb)
    return row


def run_peer(args, name, work, dims):
    cap = RssCap(args.peer_rss_gib * GIB, args.peer_floor_gib * GIB)
    stage = work / "classic.stage"
    if name == "onnxtf":
        py = ROOT / ".venv-onnxtf" / "bin" / "python"
        outs = [work / "classic_onnx", work / "classic_saved", work / "big.pth"]
        cmd = [py, __file__, "worker", "classic", "--pth", outs[2], "--onnx",
               outs[0] / "big.onnx", "--out", outs[1], "--stage", stage, "--opset",
               args.classic_opset, *dims]
        cwd = None
        if py.exists():
            run_worker(".venv", "make", "--dir", work, "--pth", outs[2], *dims)
    else:
        py = ROOT / ".venv-onnx2tf" / "bin" / "python"
        outs = [work / "onnx2tf_out"]
        cmd = tools.onnx2tf_cmd(work / "big.onnx", outs[0])
        cwd = tools.onnx2tf_workdir(work)
    if not py.exists():
        return {"error": f"{py.parent.parent.name} missing (bench/setup_peers.sh {name})"}
    for f in [work / "big.pth", work / "big.onnx", work / "big.onnx.data"]:
        if f.exists():
            measure.warm_cache(f)
    res = {}
    cap.start()
    t0 = time.perf_counter()
    try:
        run = measure.run_measured(cmd, env=tools.quiet_env(), cwd=cwd,
                                   timeout=args.peer_timeout)
        res.update(seconds=run.seconds, cpu_seconds=run.cpu_seconds, peak_rss_mib=run.peak_rss_mb,
                   wrote=all(o.exists() for o in outs[:2]))
    except measure.TimedOut:
        res["error"] = f"did not finish within {args.peer_timeout:.0f} s (killed)"
    except RuntimeError as e:
        res["error"] = (f"killed by the bench at {cap.killed}" if cap.killed
                        else tools.error_line(str(e)))
        res["stderr_tail"] = str(e)[-1500:]
    cap.stop.set()
    res.update(wall_seconds=time.perf_counter() - t0, watched_peak_rss_mib=cap.peak / MIB)
    saved = outs[1] if name == "onnxtf" else outs[0]
    if res.get("wrote"):
        proc = run_worker(".venv", "tf", "--dir", work, "--path", saved, check=False)
        res["check"] = (json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0
                        else {"ok": False, "error": tools.error_line(proc.stderr)})
    if stage.exists():
        res["stage"] = stage.read_text()
    res["output_bytes"] = sum(dir_bytes(o) for o in outs[:2])
    for o in outs + [stage]:
        tools.remove(o)
    print(f"peer {name}: {res}", flush=True)
    return res


def run_bench(args):
    if args.dir:
        pathlib.Path(args.dir).mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="pt2tf_big_bench_", dir=args.dir))
    disk = DiskWatch(work)
    disk.start()
    binary = str(pathlib.Path(args.pt2tf).resolve())
    help_text = subprocess.run([binary, "convert", "--help"], capture_output=True, text=True).stdout
    has_buffers = "--tflite-buffers" in help_text
    tflite = args.tflite == "on" or (args.tflite == "auto" and has_buffers)
    dims = ["--width", args.width, "--blocks", args.blocks, "--tokens", args.tokens]
    load = os.getloadavg()
    data = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": " ".join(sys.argv), "machine": measure.machine_description(),
            "load_start": load, "pt2tf": tools.pt2tf_version(args.build), "binary": binary,
            "head": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                   capture_output=True, text=True).stdout.strip(),
            "dims": dict(width=args.width, blocks=args.blocks, tokens=args.tokens),
            "classic_opset": args.classic_opset,
            "runs": args.runs, "tflite": tflite, "tflite_buffers_flag": has_buffers,
            "peer_timeout": args.peer_timeout, "peer_rss_gib": args.peer_rss_gib,
            "peer_floor_gib": args.peer_floor_gib,
            "versions": tools.versions_text(args.build)[1:], "rows": [], "peers": {}}
    checks = tools.package_versions(python_of(".venv"), ["onnxruntime", "ai-edge-litert"])
    data["versions"].append("- checks (main venv): " + ", ".join(f"{k} {v}" for k, v in checks.items()))
    t0 = time.perf_counter()
    run_worker(".venv", "make", "--dir", work, *dims)
    data["model"] = json.loads((work / "model.json").read_text())
    data["model"]["make_wall_seconds"] = time.perf_counter() - t0
    data["model"]["files"] = {f.name: f.stat().st_size for f in sorted(work.glob("big.*"))}
    print(f"model: {data['model']}", flush=True)
    inputs = {"pt2": [work / "big.pt2"], "onnx": [work / "big.onnx", work / "big.onnx.data"]}
    for label in args.inputs:
        data["rows"].append(measure_input(args, label, inputs[label], work, binary, tflite))
    tools.remove(work / "big.pt2")  # the peers start from big.pth and big.onnx
    for name in [n for n in ("onnxtf", "onnx2tf") if n in args.peers]:  # onnx2tf rewrites
        data["peers"][name] = run_peer(args, name, work, dims)           # big.onnx: last
    data["load_end"] = os.getloadavg()
    disk.stop.set()
    data["disk_peak_bytes"] = max(disk.peak, dir_bytes(work))
    if not args.keep:
        shutil.rmtree(work)
    return data


# ---- the doc ----

def render(d):
    m = d["model"]
    dims = d["dims"]
    w = m["weight_bytes"]
    L = ["# A model over 2 GiB in every format", "",
         "Made by `bench/bench_big.py` (issue #14). The bench makes a random-weight network "
         f"itself: {dims['blocks']} residual pre-LayerNorm MLP blocks of width {dims['width']} "
         f"(Linear {dims['width']} → {4 * dims['width']}, GELU, Linear back; the feed-forward half "
         "of a GPT-style transformer) and a final LayerNorm, LayerNorm weights randomised, seed 0, "
         f"input [{dims['tokens']}, {dims['width']}] float32. It is saved as the two inputs pt2tf "
         "reads natively, without Python: `big.pt2` (`torch.export.save`) and `big.onnx` + "
         "`big.onnx.data` (`torch.onnx.export`, TorchScript exporter, opset 17; over 2 GiB it "
         "writes one file per weight, which the bench gathers into one `.data` file with "
         "`onnx.save_model`). `big.pth` (`torch.save(state_dict)`) is written just before the "
         "classic peer runs, for it alone.", "",
         f"- command: `{d['command']}`",
         f"- date: {d['date']}",
         f"- machine: {d['machine']}",
         f"- load average at start: {' / '.join(f'{x:.1f}' for x in d['load_start'])}; at end: "
         f"{' / '.join(f'{x:.1f}' for x in d['load_end'])} (1/5/15 min)",
         f"- repository HEAD: {d['head']}; pt2tf: {d['pt2tf']} (binary copied to `{d['binary']}` "
         "before the run)",
         *d["versions"],
         f"- model: {m['parameters']:,} parameters, {w:,} bytes of float32 weights "
         f"({w / GIB:.2f} GiB; {'>' if w > 2**31 else 'NOT >'} 2^31 = 2,147,483,648); files: "
         + ", ".join(f"`{k}` {v / MIB:,.0f} MiB" if v >= MIB else f"`{k}` {v / 1024:.1f} KiB"
                     for k, v in m["files"].items())
         + f"; made in {m['make_wall_seconds']:.0f} s (torch {m['torch']})",
         f"- medians of {d['runs']} fresh runs per cell, page cache warm (inputs read once before "
         "each run), outputs deleted before each run; goal: peak RSS ≤ 1.15 × input + 32 MiB", ""]
    L += ["| input | command | wall s | CPU s | peak RSS MiB | RSS / input | ≤ 1.15× + 32 MiB |",
          "|---|---|---:|---:|---:|---:|---|"]
    for row in d["rows"]:
        size_mib = row["bytes"] / MIB
        for c in row["cases"]:
            what = f"{c['what']}"
            first = f"`{row['files'][0]}` ({size_mib:,.0f} MiB)"
            if "error" in c:
                L.append(f"| {first} | {what} | failed: {c['error']} | | | | ✘ |")
                continue
            bound = RSS_FACTOR * size_mib + RSS_EXTRA_MIB
            goal = "" if c["key"] == "copy" else (
                f"{'✔' if c['peak_rss_mib'] <= bound else '✘'} (≤ {bound:,.0f})")
            L.append(f"| {first} | {what} | {c['seconds']:.2f} | {c['cpu_seconds']:.2f} | "
                     f"{c['peak_rss_mib']:,.0f} | {c['peak_rss_mib'] / size_mib:.2f} | {goal} |")
    L += ["", "Commands: `pt2tf convert -q -i INPUT` with `-o out_saved/ --saved-model-weights "
          "variables`, `-o out.onnx` (external data `out.onnx.data`, chosen automatically at 2 GiB)"
          + (", `-o out.tflite`" if d["tflite"] else "") + "; the one-command row passes them all "
          "(with `--json` instead of `-q`).", "",
          "## Correctness", "",
          "The outputs of the one-command run, each loaded in a fresh process of the main venv "
          "on the fixed input, against the PyTorch eager output (tolerance 1e-4 × max(1, max|ref|)):", "",
          "| input | output | run in | max\\|diff\\| | max\\|ref\\| | within tolerance |",
          "|---|---|---|---:|---:|---|"]
    where = {"saved": "TensorFlow `tf.saved_model.load(dir).signatures[\"serving_default\"]`",
             "onnx": "ONNX Runtime (CPU)", "tflite": "LiteRT `Interpreter(model_path=...)`"}
    for row in d["rows"]:
        for k, c in row["checks"].items():
            if k == "onnx external data":
                continue
            if "error" in c:
                L.append(f"| `{row['files'][0]}` | {NAMES[k]} | {where[k]} | failed: {c['error']} | | ✘ |")
            else:
                L.append(f"| `{row['files'][0]}` | {NAMES[k]} | {where[k]} | {c['max_abs_diff']:.2e} | "
                         f"{c['max_ref']:.2f} | {'✔' if c['ok'] else '✘'} |")
    L += [""]
    for row in d["rows"]:
        summary = row["cases"][-1].get("summary", {})
        if summary:
            L.append(f"- `{row['files'][0]}` one-command outputs: " + ", ".join(
                f"{o['kind']} {o['bytes'] / MIB:,.0f} MiB" for o in summary["outputs"])
                + f" ({summary['nodes']} IR nodes, {summary['weight_bytes']:,} weight bytes).")
        ext = row["checks"].get("onnx external data", {}).get("ok")
        L.append(f"- `{row['files'][0]}` → `out.onnx`: external data file written: "
                 f"{'yes' if ext else 'no'}.")
        pb = row["pb"]
        L.append(f"- `{row['files'][0]}` → `big.pb` (frozen GraphDef): exit code {pb['returncode']}, "
                 f"{len(pb['stderr'].splitlines())} line(s) on stderr, file left behind: "
                 f"{'yes' if pb['file_left'] else 'no'}:")
        L += ["", "  ```", *("  " + s for s in pb["stderr"].splitlines()), "  ```", ""]
    if d["tflite"]:
        L.append("- `.tflite` written with the binary's default `--tflite-buffers auto` (offset "
                 "buffers after the FlatBuffer once the file would pass 2 GiB).")
    else:
        L.append("- `.tflite` was **not measured**: this binary's `convert --help` has no "
                 "`--tflite-buffers` (TFLite files over 2 GiB, buffers after the FlatBuffer, are "
                 "not in it yet). `--tflite on` forces the path.")
    L += ["", "## Peers on the same model", "",
          f"Each once, wall timeout {d['peer_timeout'] / 60:.0f} min, killed by the bench's "
          f"watchdog if its process tree's RSS passes {d['peer_rss_gib']} GiB"
          + (f" or the machine's MemAvailable falls under {d['peer_floor_gib']} GiB"
             if "peer_floor_gib" in d else "") + " (24 GiB, no swap, shared with other jobs). Peak RSS is the tool's `ru_maxrss` when it exited "
          "by itself, else the largest of the watchdog's samples (every 0.5 s) of its process tree. A SavedModel a peer writes is checked like pt2tf's. The "
          f"classic pipeline exports at opset {d['classic_opset']}: onnx-tf 1.10's handlers stop at "
          "opset 15 and at 17 it fails on this model whatever its size (`BackendIsNotSupposedTo"
          "ImplementIt: LayerNormalization is not implemented.`, checked on a width-256 copy).", "",
          "| peer | outcome | stage reached | wall s | CPU s | peak RSS MiB |", "|---|---|---|---:|---:|---:|"]
    names = {"onnxtf": "classic: torch.load + torch.onnx.export + onnx-tf (.venv-onnxtf)",
             "onnx2tf": "onnx2tf on `big.onnx` (.venv-onnx2tf)"}
    for name, p in d["peers"].items():
        if "seconds" in p:
            outcome = "exited 0 but wrote no output"
            if p.get("wrote"):
                c = p.get("check", {})
                outcome = ("wrote a SavedModel; TF: " + (f"max\\|diff\\| {c['max_abs_diff']:.2e} "
                           f"{'✔' if c['ok'] else '✘'}" if "max_abs_diff" in c
                           else f"failed: {c.get('error')}"))
            L.append(f"| {names[name]} | {outcome} | {p.get('stage', '—')} | {p['seconds']:.1f} | "
                     f"{p['cpu_seconds']:.1f} | {p['peak_rss_mib']:,.0f} |")
        else:
            L.append(f"| {names[name]} | failed: {p['error']} | {p.get('stage', '—')} | "
                     f"{p.get('wall_seconds', 0):.1f} | — | {p.get('watched_peak_rss_mib', 0):,.0f} "
                     "(sampled) |")
    L += ["", "onnx2tf 2.x (`.venv-onnx2tf2`) needs Python ≥ 3.12, which this machine lacks: "
          "only onnx2tf 1.x ran.", "",
          f"## Disk", "", f"Peak disk use of the work directory (sampled every second): "
          f"{d['disk_peak_bytes'] / GIB:.1f} GiB; the directory was removed at the end.", ""]
    if d.get("notes"):  # added by hand to the --json file after a run, kept by --from-json
        L += ["## Notes", "", *(f"- {n}" for n in d["notes"]), ""]
    return "\n".join(L) + "\n"


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        return worker(sys.argv[2:])
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dir", help="where the work directory is made (default: the temp dir)")
    p.add_argument("--keep", action="store_true", help="do not delete the work directory")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--inputs", nargs="+", default=["pt2", "onnx"], choices=["pt2", "onnx"])
    p.add_argument("--tflite", default="auto", choices=["auto", "on", "off"],
                   help="measure .tflite too (auto: when convert --help has --tflite-buffers)")
    p.add_argument("--peers", nargs="*", default=["onnxtf", "onnx2tf"], choices=["onnxtf", "onnx2tf"])
    p.add_argument("--peer-timeout", type=float, default=1200)
    p.add_argument("--peer-rss-gib", type=float, default=20)
    p.add_argument("--peer-floor-gib", type=float, default=1.5,
                   help="also kill a peer when the machine's MemAvailable falls under this")
    p.add_argument("--pt2tf", default=str(ROOT / "build" / "pt2tf"))
    p.add_argument("--build", default=str(ROOT / "build"), help="build dir named in the doc")
    p.add_argument("--width", type=int, default=5120)
    p.add_argument("--blocks", type=int, default=3)
    p.add_argument("--tokens", type=int, default=16, help="the input is [tokens, width]")
    p.add_argument("--classic-opset", type=int, default=15,
                   help="opset of the classic peer's export (onnx-tf 1.10 lacks LayerNormalization-17)")
    p.add_argument("--doc", default=str(ROOT / "docs" / "benchmarks" / "big_model.md"))
    p.add_argument("--json", help="also write the raw results here")
    p.add_argument("--from-json", help="re-render the doc from a --json file")
    args = p.parse_args()
    data = json.loads(pathlib.Path(args.from_json).read_text()) if args.from_json else run_bench(args)
    measure.publish(data, render, args.doc, None if args.from_json else args.json)


if __name__ == "__main__":
    main()
