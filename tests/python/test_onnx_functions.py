"""Model-local ONNX functions are inlined at import (src/onnx/inline_functions.cpp): the
converted file matches ONNX Runtime on the original; a recursive function is a one-line
refusal."""
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto as T
from onnx import helper as h

from conftest import run_pt2tf


def scale_function(recursive=False):
    k = h.make_node("Constant", [], ["k"], value_float=1.0)
    k.attribute[0].ref_attr_name = "alpha"
    k.attribute[0].ClearField("f")
    body = [k, h.make_node("Scale" if recursive else "Mul", ["X", "k"] if not recursive else ["X"],
                           ["Y"], domain="my" if recursive else "")]
    return h.make_function("my", "Scale", ["X"], ["Y"], body, [h.make_opsetid("", 17)],
                           attributes=["alpha"])


def model(path, recursive=False):
    g = h.make_graph([h.make_node("Scale", ["x"], ["t"], domain="my", alpha=2.5),
                      h.make_node("Scale", ["t"], ["y"], domain="my", alpha=-3.0)], "g",
                     [h.make_tensor_value_info("x", T.FLOAT, [3])],
                     [h.make_tensor_value_info("y", T.FLOAT, [3])])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17), h.make_opsetid("my", 1)],
                     functions=[scale_function(recursive)])
    onnx.save(m, str(path))


def test_local_function_is_inlined(pt2tf_bin, tmp_path):
    src, out = tmp_path / "fn.onnx", tmp_path / "out.onnx"
    model(src)
    run_pt2tf("convert", "-i", src, "-o", out, "-q")
    converted = onnx.load(str(out))
    assert len(converted.functions) == 0 and {n.op_type for n in converted.graph.node} == {"Mul"}
    x = np.array([1, -2, 3], np.float32)
    ref = ort.InferenceSession(str(src)).run(None, {"x": x})[0]
    got = ort.InferenceSession(str(out)).run(None, {"x": x})[0]
    np.testing.assert_allclose(got, ref, rtol=1e-6)
    assert np.abs(ref - x).max() > 1  # the attributes were applied (-7.5x), not dropped


def test_recursive_function_is_refused(pt2tf_bin, tmp_path):
    src, out = tmp_path / "rec.onnx", tmp_path / "out.onnx"
    model(src, recursive=True)
    proc = run_pt2tf("convert", "-i", src, "-o", out, check=False)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert "nest deeper than 16" in lines[0] and str(src) in lines[0]
    assert not out.exists()
