"""How each converter is invoked, timed and versioned (shared by the bench_* scripts).

Every conversion runs in a fresh process through measure.median_runs (wall time and peak RSS
of the tool's own process), with its output removed before each run so no run reuses another's
files, and with the input files' pages already in the page cache (measure.warm_cache).
"""
import json
import os
import re
import pathlib
import shutil
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import measure  # noqa: E402
import models  # noqa: E402

ROOT = models.ROOT
BENCH = ROOT / "bench"
VENV = ROOT / ".venv" / "bin"
VENV_ONNXTF = ROOT / ".venv-onnxtf" / "bin"
VENV_ONNX2TF = ROOT / ".venv-onnx2tf" / "bin"
CLASSIC = BENCH / "peers" / "classic_pipeline.py"
# onnx2tf checks its conversion on a 20x128x128x3 sample it downloads from GitHub on every run
# unless this file is in its working directory; the bench machine is offline, so we write a
# random one there (same name, shape and dtype). A user online pays the download on top.
ONNX2TF_SAMPLE = "calibration_image_sample_data_20x128x128x3_float32.npy"


class Unavailable(Exception):
    """A tool could not do this conversion; the message (one line) goes in the table."""


def error_line(text, limit=240):
    """The most telling line of a failed tool's stderr, for a table cell.

    A Python traceback ends in `SomeError: message`, often followed by detail lines (Keras
    adds the offending shapes there); other tools' last line is their error.
    """
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", l).strip() for l in text.splitlines()]
    lines = [l for l in lines if l]
    for i in range(len(lines) - 1, -1, -1):
        if re.match(r"^[A-Za-z_.]*(Error|Exception): ", lines[i]):
            detail = [l for l in lines[i + 1:i + 3]
                      if not l.startswith(("File ", "Traceback", "Call arguments", "•"))]
            return " ".join([lines[i]] + detail)[:limit].replace("|", "/")
    return lines[-1][:limit].replace("|", "/") if lines else "failed"


def remove(path):
    path = pathlib.Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def quiet_env():
    """The environment for peer tools: no GPU probing, fewer log lines, nothing else changed."""
    env = dict(os.environ)
    env.update(CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="2")
    return env


def convert(cmd, outputs, repeat, cwd=None, budget_seconds=None, timeout=None):
    """Median wall time / peak RSS of `cmd` over `repeat` fresh runs; outputs removed first.

    `budget_seconds` stops repeating once the runs so far took that long (measure.median_runs).

    Raises Unavailable with the tool's last error line when it fails.
    """
    def clean():
        for out in outputs:
            remove(out)
    try:
        run = measure.median_runs(cmd, repeat=repeat, env=quiet_env(), cwd=cwd,
                                  before_each=clean, budget_seconds=budget_seconds,
                                  timeout=timeout)
    except measure.TimedOut:
        raise Unavailable(f"did not finish within {timeout / 60:.0f} min (killed)") from None
    except RuntimeError as e:
        raise Unavailable(error_line(str(e))) from None
    except FileNotFoundError as e:
        raise Unavailable(f"not found: {e.filename}") from None
    for out in outputs:
        if not pathlib.Path(out).exists():
            raise Unavailable(f"ran but wrote no {pathlib.Path(out).name}")
    return run


# ---- the tools ----

def pt2tf_binary(build_dir):
    path = pathlib.Path(build_dir) / "pt2tf"
    if not path.exists():
        raise Unavailable(f"pt2tf: {path} not built (make build)")
    return path


def pt2tf_cmd(binary, inp, outputs, model=None):
    cmd = [binary, "convert", "-i", inp]
    if model:
        cmd += ["--model", model]
    for out in outputs:
        cmd += ["-o", out]
    return cmd


def classic_cmd(python, name, pth, onnx_path, saved_model=None):
    """The classic script: build + load_state_dict + torch.onnx.export [+ onnx-tf]."""
    cmd = [python, CLASSIC, "--model", name, "-i", pth, "--onnx", onnx_path]
    if saved_model:
        cmd += ["-o", saved_model]
    return cmd


def onnx_tf_cmd(onnx_path, out_dir):
    return [VENV_ONNXTF / "onnx-tf", "convert", "-i", onnx_path, "-o", out_dir]


def onnx2tf_cmd(onnx_path, out_dir):
    # -osd: a serving_default signature in the SavedModel (what tf.saved_model.load users
    # call); -n: non-verbose. The input is made NHWC, as onnx2tf always does for images.
    return [VENV_ONNX2TF / "onnx2tf", "-i", onnx_path, "-o", out_dir, "-osd", "-n"]


def onnx2tf_workdir(results):
    """A working directory for onnx2tf holding its sample-data file (see ONNX2TF_SAMPLE)."""
    d = pathlib.Path(results) / "onnx2tf_cwd"
    d.mkdir(parents=True, exist_ok=True)
    sample = d / ONNX2TF_SAMPLE
    if not sample.exists():
        subprocess.run([VENV / "python", "-c",
                        "import numpy as np, sys; np.save(sys.argv[1], np.random.default_rng(0)"
                        ".random((20, 128, 128, 3), dtype=np.float32))", sample], check=True)
    return d


# ---- TF inference (always in the main venv's TensorFlow) ----

def tf_latency(kind, name, path=None, layout="nchw", results=models.RESULTS, runs=20):
    """Runs bench/tf_latency.py in a fresh process; its JSON result, or Unavailable."""
    cmd = [VENV / "python", BENCH / "tf_latency.py", "--kind", kind, "--model", name,
           "--layout", layout, "--results", results, "--runs", runs]
    if path is not None:
        cmd += ["--path", path]
    try:
        run = measure.run_retrying(cmd, env=quiet_env())
    except RuntimeError as e:
        raise Unavailable(error_line(str(e))) from None
    return json.loads(run.stdout.strip().splitlines()[-1])


# ---- versions ----

_VERSION_SCRIPT = r"""
import importlib.metadata as m, json, sys
out = {}
for p in sys.argv[1:]:
    try:
        out[p] = m.version(p)
    except m.PackageNotFoundError:
        pass
print(json.dumps(out))
"""


def package_versions(python, packages):
    """{package: version} of the given venv's python (missing packages left out)."""
    try:
        out = subprocess.run([str(python), "-c", _VERSION_SCRIPT, *packages], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)
    except (OSError, subprocess.CalledProcessError):
        return {}


def _build_source_dir(build_dir):
    """The source tree a CMake build directory was configured from (else the repo root)."""
    cache = pathlib.Path(build_dir) / "CMakeCache.txt"
    if cache.exists():
        for line in cache.read_text(errors="replace").splitlines():
            if line.startswith("CMAKE_HOME_DIRECTORY:INTERNAL="):
                return pathlib.Path(line.split("=", 1)[1])
    return ROOT


def pt2tf_version(build_dir):
    """`pt2tf --version` plus the git commit of the tree the binary was built from."""
    src = _build_source_dir(build_dir)
    # The last commit that changed what the binary is built from (bench/ edits do not count).
    commit = subprocess.run(["git", "-C", str(src), "log", "-1", "--format=%h %s", "--",
                             "src", "include", "models", "proto", "CMakeLists.txt"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--", "src",
                            "include", "models", "proto"],
                           capture_output=True, text=True).stdout.strip()
    text = f"sources as of commit {commit}{' (modified)' if dirty else ''}"
    binary = pathlib.Path(build_dir) / "pt2tf"
    if binary.exists():
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            text = f"{out.stdout.strip().splitlines()[0]}, {text}"
    else:
        text += ", not built"
    return text


def versions_text(build_dir):
    """Markdown lines naming every tool's version (for the docs)."""
    main = package_versions(VENV / "python", ["torch", "torchvision", "efficientnet_pytorch",
                                              "onnx", "tensorflow-cpu", "tensorflow", "keras",
                                              "numpy"])
    onnxtf = package_versions(VENV_ONNXTF / "python",
                              ["torch", "torchvision", "efficientnet_pytorch", "onnx",
                               "onnx-tf", "tensorflow-cpu", "tensorflow-addons",
                               "tensorflow-probability", "numpy", "protobuf"])
    onnx2tf = package_versions(VENV_ONNX2TF / "python",
                               ["onnx2tf", "tensorflow", "tf_keras", "onnx", "onnxruntime",
                                "onnxsim", "numpy"])

    def fmt(d):
        return ", ".join(f"{k} {v}" for k, v in d.items()) or "not installed"
    return [f"- pt2tf: {pt2tf_version(build_dir)}",
            f"- main venv (reference outputs, TF inference, Keras): {fmt(main)}",
            f"- classic pipeline venv (.venv-onnxtf): {fmt(onnxtf)}",
            f"- onnx2tf venv (.venv-onnx2tf): {fmt(onnx2tf)}"]


def machine_lines():
    load = os.getloadavg()
    return [f"- machine: {measure.machine_description()}",
            f"- load average at start: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
            f"(1/5/15 min)"]


def fmt_float(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"


def fmt_ratio(num, den):
    if num is None or den is None or den == 0:
        return "—"
    return f"{num / den:.1f}×" if num / den >= 10 else f"{num / den:.2f}×"
