"""--model models/civilnet.py:CivilNet: a Python model class converted through torch.export.

The one route that runs Python: the user's model file, imported by the user's Python; the
checkpoint is only read with torch.load(weights_only=True).
"""
import json
import os
import subprocess
import sys

import numpy as np
import onnxruntime as ort
import pytest
import torch

from conftest import PT2TF, ROOT
from tf_runner import tf_runner  # noqa: F401  (fixture)
from zoo_harness import load_civilnet_module

PYTHON = sys.executable
CKPT = ROOT / "examples" / "civilnet.pth"
MODEL = f"{ROOT / 'models' / 'civilnet.py'}:CivilNet"


def run(args, env_extra=None, drop=("PT2TF_PYTHON", "VIRTUAL_ENV")):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_extra or {})
    return subprocess.run([str(PT2TF), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=600)


def reference(x):
    net = load_civilnet_module().CivilNet()
    net.load_state_dict(torch.load(CKPT, weights_only=True))
    with torch.no_grad():
        return net.eval()(torch.from_numpy(x)).numpy()


def test_python_model_converts_from_its_pth(tmp_path, tf_runner):  # noqa: F811
    onnx_path, pb = tmp_path / "c.onnx", tmp_path / "c.pb"
    proc = run(["convert", "-i", CKPT, "--model", MODEL, "--python", PYTHON,
                "--model-args", '{"num_classes": 10}', "-o", onnx_path, "-o", pb, "--json"])
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["input_kind"] == "python-model"
    assert summary["inputs"] == [{"name": "input", "dtype": "float32", "shape": [1, 3, 32, 32]}]
    assert summary["graph_outputs"][0]["name"] == "output"
    x = np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32)
    ref = reference(x)
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    tol = 1e-4 * max(1.0, float(np.abs(ref).max()))
    assert np.abs(sess.run(None, {"input": x})[0] - ref).max() <= tol
    got = tf_runner.run_frozen(pb, {"input": x}, ["output"])["output"]
    assert np.abs(got - ref).max() <= tol


def test_python_found_through_env(tmp_path):
    proc = run(["convert", "-q", "-i", CKPT, "--model", MODEL, "-o", tmp_path / "c.onnx"],
               env_extra={"PT2TF_PYTHON": PYTHON})
    assert proc.returncode == 0, proc.stderr


def test_no_python_is_a_plain_usage_error(tmp_path):
    proc = run(["convert", "-i", CKPT, "--model", MODEL, "-o", tmp_path / "c.onnx"])
    assert proc.returncode == 2
    assert "needs a Python with torch" in proc.stderr and "--python" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args,needle", [
    (["--model-args", '{"num_classes": 7}'], "shape mismatches: fc3.weight (expected 7x84, found 10x84)"),
    (["--model-args", "[1, 2]"], "JSON object"),
    (["--model-args", "{not json"], "not JSON"),
])
def test_python_model_errors_are_one_line(args, needle, tmp_path):
    out = tmp_path / "c.onnx"
    proc = run(["convert", "-i", CKPT, "--model", MODEL, "--python", PYTHON, *args, "-o", out])
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert not out.exists()


def test_missing_class_and_bad_checkpoint(tmp_path):
    missing = run(["convert", "-i", CKPT, "--model", f"{ROOT / 'models' / 'civilnet.py'}:Nope",
                   "--python", PYTHON, "-o", tmp_path / "c.onnx"])
    assert missing.returncode == 1 and "defines no Nope" in missing.stderr
    # A whole-model pickle names a class: weights_only loading refuses it, nothing runs.
    whole = ROOT / "examples" / "civilnet_model.pth"
    proc = run(["convert", "-i", whole, "--model", MODEL, "--python", PYTHON,
                "-o", tmp_path / "c.onnx"])
    assert proc.returncode == 1 and "weights_only" in proc.stderr


def test_python_model_dynamic_and_pinned_batch(tmp_path, tf_runner):  # noqa: F811
    """--dynamic-batch exports the class with a dynamic dim 0 (at batch 2: torch.export fixes
    a dim whose example is 1); --batch N exports it at N."""
    onnx_path, pb = tmp_path / "d.onnx", tmp_path / "d.pb"
    proc = run(["convert", "-i", CKPT, "--model", MODEL, "--python", PYTHON, "--dynamic-batch",
                "-o", onnx_path, "-o", pb, "--json"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["inputs"][0]["shape"] == [-1, 3, 32, 32]
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    for n in (1, 3):
        x = np.random.default_rng(n).standard_normal((n, 3, 32, 32)).astype(np.float32)
        ref = reference(x)
        tol = 1e-4 * max(1.0, float(np.abs(ref).max()))
        assert np.abs(sess.run(None, {"input": x})[0] - ref).max() <= tol
        assert np.abs(tf_runner.run_frozen(pb, {"input": x}, ["output"])["output"] - ref).max() <= tol
    proc = run(["convert", "-i", CKPT, "--model", MODEL, "--python", PYTHON, "--batch", "4",
                "-o", tmp_path / "b.onnx", "--json"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["inputs"][0]["shape"] == [4, 3, 32, 32]
    proc = run(["convert", "-i", CKPT, "--model", MODEL, "--python", PYTHON, "--input-shape",
                "input:1x3x32x32", "-o", tmp_path / "e.onnx"])
    assert proc.returncode != 0 and "give its shape bare" in proc.stderr
