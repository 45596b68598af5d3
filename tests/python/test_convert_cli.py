"""`pt2tf convert` end to end: the CivilNet checkpoint to ONNX, several outputs from one read,
the JSON report, and usage errors (exit 2) vs conversion errors (exit 1)."""
import json
import pathlib
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from conftest import ROOT, run_pt2tf

CHECKPOINT = ROOT / "examples" / "civilnet.pth"


@pytest.fixture(scope="session")
def civilnet_reference():
    import torch
    sys.path.insert(0, str(ROOT / "examples"))
    from civilnet import INPUT_SHAPE, CivilNet
    net = CivilNet().eval()
    net.load_state_dict(torch.load(CHECKPOINT, map_location="cpu"))
    x = np.random.default_rng(0).standard_normal(INPUT_SHAPE).astype(np.float32)
    with torch.no_grad():
        return x, net(torch.from_numpy(x)).numpy()


def run_onnx(path, x):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {"input": x})[0]


def test_civilnet_to_several_onnx_outputs(pt2tf_bin, civilnet_reference, tmp_path):
    x, ref = civilnet_reference
    a, b = tmp_path / "a.onnx", tmp_path / "b.onnx"
    proc = run_pt2tf("convert", "-i", CHECKPOINT, "--model", "civilnet", "-o", a, "-o", b,
                     "--opset", "13", "--json")
    report = json.loads(proc.stdout)
    assert report["model"] == "civilnet" and report["input_kind"] == "torch-zip"
    assert [o["path"] for o in report["outputs"]] == [str(a), str(b)]
    assert report["weight_bytes"] == sum(t.numel() * 4 for t in __import__("torch").load(
        CHECKPOINT, map_location="cpu").values())
    assert a.read_bytes() == b.read_bytes()
    model = onnx.load(str(a))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 13 and model.ir_version == 7
    got = run_onnx(a, x)
    assert np.max(np.abs(got - ref)) <= 1e-4 * max(1.0, float(np.max(np.abs(ref))))


def test_quiet_prints_nothing(pt2tf_bin, tmp_path):
    proc = run_pt2tf("convert", "-q", "-i", CHECKPOINT, "--model", "civilnet", "-o",
                     tmp_path / "q.onnx")
    assert proc.stdout == "" and proc.stderr == ""


def test_help_lists_the_options(pt2tf_bin):
    proc = run_pt2tf("convert", "--help")
    for flag in ("--input", "--output", "--model", "--input-shape", "--opset", "--non-strict"):
        assert flag in proc.stdout


@pytest.mark.parametrize("args", [
    ["--input-shape", "1x3xAx32"],
    ["--input-shape", "1x0x32x32"],
    ["--opset", "99"],
    [],  # no -o
])
def test_usage_errors_exit_2(pt2tf_bin, tmp_path, args):
    out = [] if not args else ["-o", tmp_path / "out.onnx"]
    proc = run_pt2tf("convert", "-i", CHECKPOINT, "--model", "civilnet", *out, *args, check=False)
    assert proc.returncode == 2, proc.stderr
    assert not (tmp_path / "out.onnx").exists()


def test_model_flag_with_onnx_input_is_usage_error(pt2tf_bin, tmp_path):
    src = tmp_path / "civ.onnx"
    run_pt2tf("convert", "-i", CHECKPOINT, "--model", "civilnet", "-o", src)
    proc = run_pt2tf("convert", "-i", src, "--model", "resnet18", "-o", tmp_path / "o.onnx",
                     check=False)
    assert proc.returncode == 2 and "--model" in proc.stderr


def test_missing_output_directory_for_checkpoint(pt2tf_bin, tmp_path):
    out = tmp_path / "missing" / "out.onnx"
    proc = run_pt2tf("convert", "-i", CHECKPOINT, "--model", "civilnet", "-o", out, check=False)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and str(out) in proc.stderr
    assert not out.parent.exists()


def test_onnx_roundtrip_of_our_own_output_is_stable(pt2tf_bin, tmp_path, civilnet_reference):
    x, ref = civilnet_reference
    first, second = tmp_path / "first.onnx", tmp_path / "second.onnx"
    run_pt2tf("convert", "-i", CHECKPOINT, "--model", "civilnet", "-o", first)
    run_pt2tf("convert", "-i", first, "-o", second)
    got_first, got_second = run_onnx(first, x), run_onnx(second, x)
    tol = 1e-4 * max(1.0, float(np.max(np.abs(ref))))
    assert np.max(np.abs(got_first - ref)) <= tol  # both against PyTorch, not only each other
    assert np.max(np.abs(got_second - ref)) <= tol
    np.testing.assert_array_equal(got_second, got_first)
    assert len(onnx.load(str(second)).graph.node) == len(onnx.load(str(first)).graph.node)


def test_external_data_output(pt2tf_bin, civilnet_reference, tmp_path):
    x, ref = civilnet_reference
    out = tmp_path / "ext.onnx"
    run_pt2tf("convert", "-i", CHECKPOINT, "--model", "civilnet", "-o", out, "--external-data")
    data = tmp_path / "ext.onnx.data"
    assert data.exists() and out.stat().st_size < 10_000
    onnx.checker.check_model(str(out), full_check=True)
    model = onnx.load(str(out), load_external_data=False)
    assert all(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
    got = run_onnx(out, x)
    assert np.max(np.abs(got - ref)) <= 1e-4 * max(1.0, float(np.max(np.abs(ref))))
    # pt2tf reads its own external data back, and embeds it again by default.
    again = tmp_path / "again.onnx"
    run_pt2tf("convert", "-i", out, "-o", again)
    plain = tmp_path / "plain.onnx"
    run_pt2tf("convert", "-i", CHECKPOINT, "--model", "civilnet", "-o", plain)
    assert again.read_bytes() == plain.read_bytes()


def test_a_failed_output_leaves_no_output(pt2tf_bin, tmp_path):
    """One refused output fails the run, and the outputs written before it are removed: exit
    1, one line naming the refused output and the removed ones, nothing left on disk. Einsum
    converts to ONNX and a SavedModel, but the TFLite writer has no builtin for it."""
    from onnx import TensorProto, helper
    node = helper.make_node("Einsum", ["a", "b"], ["y"], equation="ij,jk->ik")
    graph = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3]),
                               helper.make_tensor_value_info("b", TensorProto.FLOAT, [3, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])])
    src = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), src)
    outs = [tmp_path / "out.onnx", tmp_path / "saved", tmp_path / "out.tflite"]
    proc = run_pt2tf("convert", "-i", src, "-o", outs[0], "-o", f"{outs[1]}/", "-o", outs[2],
                     check=False)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert "out.tflite" in lines[0] and "Einsum" in lines[0] and "removed" in lines[0], lines[0]
    assert not any(p.exists() for p in outs), [p for p in outs if p.exists()]
    assert not (tmp_path / "out.onnx.data").exists()
