"""torch.export (.pt2) archives through the native importer, against PyTorch eager.

Each model is exported with torch.export (random weights, eval mode) and saved with
torch.export.save; build/pt2tf converts the archive to .onnx, .pb, a SavedModel and .tflite
with an environment whose PATH holds no Python; ONNX Runtime, TensorFlow and the LiteRT
interpreter (ai-edge-litert, XNNPACK applied) run the results, against the eager module within
1e-4 x max(1, max|ref|). A representative set runs by default; PT2TF_PT2_ALL=1 runs every model
in pt2_models.MODELS.
"""
import json
import os
import subprocess

import numpy as np
import onnxruntime as ort
import pytest
import torch

import tflite_runner as tfl
from conftest import PT2TF
from pt2_models import MODELS, export
from tf_runner import tf_runner  # noqa: F401  (fixture)

DEFAULT = ["resnet18", "mobilenet_v3_small", "efficientnet-b0", "squeezenet1_1",
           "timm_vit_tiny", "hf_bert", "hf_gpt2", "hf_whisper_encoder", "yolov8n", "swin_t"]
SELECTED = list(MODELS) if os.environ.get("PT2TF_PT2_ALL") else DEFAULT


def convert_without_python(tmp_path, *args):
    """Runs pt2tf with PATH pointing at an empty directory: no Python can be found."""
    empty = tmp_path / "empty_path"
    empty.mkdir(exist_ok=True)
    env = {"PATH": str(empty), "HOME": str(tmp_path)}
    return subprocess.run([str(PT2TF), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=900)


def assert_close(got, ref, what):
    tol = 1e-4 * max(1.0, float(np.abs(ref).max()))
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != {ref.shape}"
    diff = float(np.abs(got.astype(np.float64) - ref.astype(np.float64)).max())
    assert diff <= tol, f"{what}: max|diff| {diff:.3g} > {tol:.3g}"


@pytest.mark.parametrize("name", SELECTED)
def test_pt2_model_matches_eager(name, tmp_path, tf_runner):  # noqa: F811
    pt2 = tmp_path / f"{name}.pt2"
    model, inputs = export(name, pt2)
    with torch.no_grad():
        ref = model(*inputs).numpy()
    onnx_path, pb = tmp_path / f"{name}.onnx", tmp_path / f"{name}.pb"
    saved, tflite = tmp_path / f"{name}_saved", tmp_path / f"{name}.tflite"
    proc = convert_without_python(tmp_path, "convert", "-i", pt2, "-o", onnx_path, "-o", pb,
                                  "-o", f"{saved}/", "-o", tflite, "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["input_kind"] == "pt2"
    assert [o["kind"] for o in summary["outputs"]] == ["onnx", "tf-graphdef", "tf-savedmodel",
                                                       "tflite"]
    in_names = [i["name"] for i in summary["inputs"]]
    out_name = summary["graph_outputs"][0]["name"]
    feeds = {n: t.numpy() for n, t in zip(in_names, inputs)}
    pt2.unlink()

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = sess.run(None, feeds)[0]
    assert_close(got, ref, f"{name} onnx")
    got_tf = tf_runner.run_frozen(pb, feeds, [out_name])[out_name]
    assert_close(got_tf, ref, f"{name} tf")
    got_saved = list(tf_runner.run_saved(saved, feeds).values())
    assert len(got_saved) == 1
    assert_close(got_saved[0], ref, f"{name} savedmodel")
    got_lite = list(tfl.run(tflite, feeds).values())
    assert len(got_lite) == 1
    assert_close(got_lite[0], ref, f"{name} tflite")
    # The comparison can fail: a different input gives a different answer.
    other = {n: (np.flip(v, -1).copy()) for n, v in feeds.items()}
    assert np.abs(sess.run(None, other)[0] - ref).max() > 1e-6


def test_pt2_inspect_lists_io_and_ops(tmp_path, pt2tf_bin):
    pt2 = tmp_path / "resnet18.pt2"
    export("resnet18", pt2)
    proc = convert_without_python(tmp_path, "inspect", pt2, "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["format"] == "pt2"
    assert info["inputs"][0]["shape"] == [1, 3, 224, 224]
    assert info["ops"]["aten.conv2d.default"] == 20
    assert info["unsupported_ops"] == []
    state = MODELS["resnet18"]()[0].state_dict()
    assert info["weight_count"] == len(state)
    assert info["weight_bytes"] == sum(t.numel() * t.element_size() for t in state.values())
    text = convert_without_python(tmp_path, "inspect", pt2)
    assert text.returncode == 0 and "aten.conv2d.default" in text.stdout


class Dynamic(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        return torch.relu(self.fc(x)).reshape(x.shape[0], -1) * 2


def test_pt2_dynamic_batch_stays_dynamic(tmp_path, tf_runner):  # noqa: F811
    model = Dynamic().eval()
    x = torch.randn(3, 5, 8)
    batch = torch.export.Dim("batch", min=1, max=64)
    program = torch.export.export(model, (x,), dynamic_shapes={"x": {0: batch}})
    pt2 = tmp_path / "dyn.pt2"
    torch.export.save(program, str(pt2))
    onnx_path, pb = tmp_path / "dyn.onnx", tmp_path / "dyn.pb"
    proc = convert_without_python(tmp_path, "convert", "-i", pt2, "-o", onnx_path, "-o", pb,
                                  "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["inputs"][0]["shape"] == [-1, 5, 8]
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    for n in (1, 7):
        xi = torch.randn(n, 5, 8)
        with torch.no_grad():
            ref = model(xi).numpy()
        assert_close(sess.run(None, {"x": xi.numpy()})[0], ref, f"dynamic onnx batch {n}")
        out = summary["graph_outputs"][0]["name"]
        assert_close(tf_runner.run_frozen(pb, {"x": xi.numpy()}, [out])[out], ref,
                     f"dynamic tf batch {n}")


def test_operators_doc_lists_the_op_table():
    import pt2_ops_doc
    assert pt2_ops_doc.current_section() == pt2_ops_doc.section(), \
        "docs/OPERATORS.md is stale: run python tests/python/pt2_ops_doc.py --write"
    assert len(pt2_ops_doc.table_entries()) > 150
