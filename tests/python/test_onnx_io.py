"""pt2tf's ONNX reader and writer against ONNX's checker and ONNX Runtime.

Sources: a small CNN exported by torch.onnx.export (legacy exporter, opsets 11 and 17, so
old op forms get upgraded) and a hand-built opset-21 model using the ops whose form changed
after opset 13 (so the writer's lowering is exercised). Each is converted to opsets 13, 17
and 21, checked with onnx.checker.check_model(full_check=True) and run in ONNX Runtime
against the reference (PyTorch eager, or ORT on the original model).
"""
import pathlib

import numpy as np
import onnx
import onnx.helper as oh
import onnx.numpy_helper as onh
import onnx.shape_inference
import onnxruntime as ort
import pytest

from conftest import run_pt2tf

IR_FOR_OPSET = {13: 7, 17: 8, 21: 10}
RNG = np.random.default_rng(0)


def ort_run(path, feeds):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def assert_close(got, ref):
    for g, r in zip(got, ref):
        assert g.shape == r.shape and g.dtype == r.dtype
        tol = 1e-4 * max(1.0, float(np.max(np.abs(r))))
        assert float(np.max(np.abs(g - r))) <= tol


@pytest.fixture(scope="session")
def torch_models(tmp_path_factory):
    """{name: (onnx path, input, PyTorch output)} for a small CNN exported at opsets 9/11/17."""
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.bn = nn.BatchNorm2d(8)
            self.dw = nn.Conv2d(8, 8, 3, groups=8, stride=2)
            self.fc = nn.Linear(8, 6)
            self.ln = nn.LayerNorm(6)

        def forward(self, x):
            x = nn.functional.hardswish(self.bn(self.conv(x)))
            x = nn.functional.relu6(self.dw(x))
            x = nn.functional.interpolate(x, scale_factor=2, mode="nearest")
            x = x.mean(dim=(2, 3))
            x = self.ln(nn.functional.gelu(self.fc(x)))
            a, b = torch.split(x, 3, dim=1)
            return torch.softmax(torch.cat([b, a], dim=1).unsqueeze(1), dim=-1)

    torch.manual_seed(0)
    net = Net().eval()
    with torch.no_grad():
        net.bn.running_mean.uniform_(-1, 1)
        net.bn.running_var.uniform_(0.5, 2)
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        ref = net(x).numpy()
    out = tmp_path_factory.mktemp("torch")
    models = {}
    for opset in (9, 11, 17):
        path = out / f"net_opset{opset}.onnx"
        torch.onnx.export(net, (x,), str(path), dynamo=False, opset_version=opset,
                          input_names=["input"], output_names=["output"])
        models[f"torch_opset{opset}"] = (path, x.numpy(), ref)
    return models


def make_modern_model(path):
    """An opset-21 model using forms newer than opset 13, with its input and ORT output."""
    f32 = onnx.TensorProto.FLOAT
    w = RNG.standard_normal((8, 3, 3, 3)).astype(np.float32)
    inits = [
        onh.from_array(w, "w"),
        onh.from_array(np.array([2, 3], np.int64), "axes23"),
        onh.from_array(np.array([1, 1, 0, 2], np.int64), "pads"),
        onh.from_array(np.array([2, 3], np.int64), "pad_axes"),
        onh.from_array(RNG.standard_normal(8).astype(np.float32), "gn_scale"),
        onh.from_array(RNG.standard_normal(8).astype(np.float32), "gn_bias"),
        onh.from_array(RNG.standard_normal(8).astype(np.float32), "ln_scale"),
        onh.from_array(np.array([0], np.int64), "axis0"),
        onh.from_array(np.array([2], np.int64), "axis2"),
    ]
    nodes = [
        oh.make_node("Conv", ["input", "w"], ["c"], pads=[1, 1, 1, 1]),
        oh.make_node("Gelu", ["c"], ["g1"]),
        oh.make_node("Gelu", ["g1"], ["g2"], approximate="tanh"),
        oh.make_node("HardSwish", ["g2"], ["hs"]),
        oh.make_node("Mish", ["hs"], ["mi"]),
        oh.make_node("Pad", ["mi", "pads", "", "pad_axes"], ["pd"], mode="reflect"),
        oh.make_node("ReduceMean", ["pd", "axes23"], ["rm"], keepdims=1),
        oh.make_node("ReduceMax", ["pd"], ["rx"], keepdims=0),
        oh.make_node("Squeeze", ["rm", "axes23"], ["sq"]),
        oh.make_node("LayerNormalization", ["sq", "ln_scale"], ["ln"], axis=1),
        oh.make_node("Split", ["ln"], ["s0", "s1", "s2"], axis=1, num_outputs=3),
        oh.make_node("Concat", ["s2", "s0", "s1"], ["cat"], axis=1),
        oh.make_node("Shape", ["pd"], ["shp"], start=1, end=3),
        oh.make_node("CastLike", ["shp", "cat"], ["shpf"]),
        oh.make_node("Unsqueeze", ["rx", "axis0"], ["rx1"]),
        oh.make_node("Mul", ["cat", "rx1"], ["m"]),
        oh.make_node("ReduceSum", ["shpf"], ["ss"], keepdims=1),
        oh.make_node("Add", ["m", "ss"], ["a"]),
        oh.make_node("Unsqueeze", ["a", "axis2"], ["a3"]),
        oh.make_node("GroupNormalization", ["a3", "gn_scale", "gn_bias"], ["output"],
                     num_groups=2, epsilon=1e-5),
    ]
    graph = oh.make_graph(nodes, "modern", [oh.make_tensor_value_info("input", f32, [2, 3, 5, 5])],
                          [oh.make_tensor_value_info("output", f32, [2, 8, 1])], inits)
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 21)], ir_version=10)
    # Intermediate shapes in value_info, as exporters write them (Pad's axes need a rank).
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))
    x = RNG.standard_normal((2, 3, 5, 5)).astype(np.float32)
    return x, ort_run(path, {"input": x})[0]


@pytest.fixture(scope="session")
def sources(torch_models, tmp_path_factory):
    path = tmp_path_factory.mktemp("modern") / "modern.onnx"
    x, ref = make_modern_model(path)
    return {**torch_models, "modern_opset21": (path, x, ref)}


@pytest.mark.parametrize("opset", [13, 17, 21])
@pytest.mark.parametrize("source", ["torch_opset9", "torch_opset11", "torch_opset17", "modern_opset21"])
def test_convert_to_opset(pt2tf_bin, sources, source, opset, tmp_path):
    src, x, ref = sources[source]
    out = tmp_path / "out.onnx"
    run_pt2tf("convert", "-i", src, "-o", out, "--opset", opset)
    model = onnx.load(str(out))
    onnx.checker.check_model(model, full_check=True)
    assert [(o.domain, o.version) for o in model.opset_import] == [("", opset)]
    assert model.ir_version == IR_FOR_OPSET[opset]
    assert model.producer_name == "pt2tf"
    assert [i.name for i in model.graph.input] == ["input"]
    assert [o.name for o in model.graph.output] == ["output"]
    assert all(t.HasField("raw_data") for t in model.graph.initializer)
    if opset < 20:
        assert "Gelu" not in {n.op_type for n in model.graph.node}
    assert_close(ort_run(out, {"input": x}), [ref])


def test_default_opset_is_17(pt2tf_bin, sources, tmp_path):
    out = tmp_path / "out.onnx"
    run_pt2tf("convert", "-i", sources["torch_opset11"][0], "-o", out)
    assert onnx.load(str(out)).opset_import[0].version == 17


def test_external_data_is_read(pt2tf_bin, sources, tmp_path):
    src, x, ref = sources["torch_opset17"]
    model = onnx.load(str(src))
    ext = tmp_path / "ext"
    ext.mkdir()
    onnx.save(model, str(ext / "m.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
              location="weights.bin", size_threshold=0)
    out = tmp_path / "out.onnx"
    run_pt2tf("convert", "-i", ext / "m.onnx", "-o", out)
    assert_close(ort_run(out, {"input": x}), [ref])


def test_external_data_outside_model_dir_is_refused(pt2tf_bin, sources, tmp_path):
    model = onnx.load(str(sources["torch_opset17"][0]))
    inner = tmp_path / "inner"
    inner.mkdir()
    onnx.save(model, str(tmp_path / "m.onnx"), save_as_external_data=True,
              all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
    m = onnx.load(str(tmp_path / "m.onnx"), load_external_data=False)
    for t in m.graph.initializer:
        for e in t.external_data:
            if e.key == "location":
                e.value = "../weights.bin"
    onnx.save(m, str(inner / "m.onnx"))
    out = tmp_path / "out.onnx"
    proc = run_pt2tf("convert", "-i", inner / "m.onnx", "-o", out, check=False)
    assert proc.returncode == 1
    assert "outside the model's directory" in proc.stderr and str(inner / "m.onnx") in proc.stderr
    assert not out.exists()


def test_initializer_listed_as_graph_input_is_constant(pt2tf_bin, tmp_path):
    w = RNG.standard_normal((3, 3)).astype(np.float32)
    graph = oh.make_graph(
        [oh.make_node("MatMul", ["input", "w"], ["output"])], "g",
        [oh.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [2, 3]),
         oh.make_tensor_value_info("w", onnx.TensorProto.FLOAT, [3, 3])],
        [oh.make_tensor_value_info("output", onnx.TensorProto.FLOAT, [2, 3])],
        [onh.from_array(w, "w")])
    src = tmp_path / "in.onnx"
    onnx.save(oh.make_model(graph, opset_imports=[oh.make_opsetid("", 9)], ir_version=4), str(src))
    out = tmp_path / "out.onnx"
    run_pt2tf("convert", "-i", src, "-o", out)
    model = onnx.load(str(out))
    assert [i.name for i in model.graph.input] == ["input"]
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(ort_run(out, {"input": x})[0], x @ w, rtol=1e-5, atol=1e-6)


# --- bad input: one line naming the file, exit 1 (2 for usage), no output left -----------

def assert_refused(proc, out, *, code=1, mentions=()):
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pt2tf: error:") or code == 2, proc.stderr
    for m in mentions:
        assert str(m) in proc.stderr
    assert not pathlib.Path(out).exists()
    assert not list(pathlib.Path(out).parent.glob(pathlib.Path(out).name + ".tmp*"))


def test_truncated_onnx(pt2tf_bin, sources, tmp_path):
    data = pathlib.Path(sources["torch_opset17"][0]).read_bytes()
    bad = tmp_path / "truncated.onnx"
    bad.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out.onnx"
    proc = run_pt2tf("convert", "-i", bad, "-o", out, check=False)
    assert_refused(proc, out, mentions=[bad, "not a valid ONNX model"])


@pytest.mark.parametrize("content", [b"", b"\x00" * 64, b"hello, not protobuf at all\xff\xff"])
def test_garbage_onnx(pt2tf_bin, tmp_path, content):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(content)
    out = tmp_path / "out.onnx"
    proc = run_pt2tf("convert", "-i", bad, "-o", out, check=False)
    assert_refused(proc, out, mentions=[bad])


def test_missing_input(pt2tf_bin, tmp_path):
    out = tmp_path / "out.onnx"
    proc = run_pt2tf("convert", "-i", tmp_path / "nope.onnx", "-o", out, check=False)
    assert_refused(proc, out, mentions=["nope.onnx"])


@pytest.mark.parametrize("opset", ["12", "22", "abc", "-1"])
def test_bad_opset_is_usage_error(pt2tf_bin, sources, tmp_path, opset):
    out = tmp_path / "out.onnx"
    proc = run_pt2tf("convert", "-i", sources["torch_opset17"][0], "-o", out, "--opset", opset,
                     check=False)
    assert_refused(proc, out, code=2)
    assert "opset" in proc.stderr


def test_output_directory_missing(pt2tf_bin, sources, tmp_path):
    out = tmp_path / "no_such_dir" / "out.onnx"
    proc = run_pt2tf("convert", "-i", sources["torch_opset17"][0], "-o", out, check=False)
    assert_refused(proc, out, mentions=[out, "No such file or directory"])


def test_unknown_output_kind_is_usage_error(pt2tf_bin, sources, tmp_path):
    out = tmp_path / "out.txt"
    proc = run_pt2tf("convert", "-i", sources["torch_opset17"][0], "-o", out, check=False)
    assert_refused(proc, out, code=2, mentions=["unknown output kind"])


def test_unwritable_op_leaves_no_file(pt2tf_bin, sources, tmp_path):
    # Pad's 'wrap' mode has no form before opset 19: refused, nothing written.
    graph = oh.make_graph(
        [oh.make_node("Pad", ["input", "pads"], ["output"], mode="wrap")], "g",
        [oh.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [2, 3])],
        [oh.make_tensor_value_info("output", onnx.TensorProto.FLOAT, [4, 3])],
        [onh.from_array(np.array([1, 0, 1, 0], np.int64), "pads")])
    src = tmp_path / "wrap.onnx"
    onnx.save(oh.make_model(graph, opset_imports=[oh.make_opsetid("", 21)]), str(src))
    out = tmp_path / "out.onnx"
    proc = run_pt2tf("convert", "-i", src, "-o", out, "--opset", "17", check=False)
    assert_refused(proc, out, mentions=[out, "Pad", "wrap", "opset 17"])
    run_pt2tf("convert", "-i", src, "-o", out, "--opset", "19")
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_array_equal(ort_run(out, {"input": x})[0], ort_run(src, {"input": x})[0])


def test_if_with_a_runtime_condition_is_kept(pt2tf_bin, tmp_path):
    """An If whose condition is a graph input stays an If with both branches in the ONNX
    written, and runs like the original in ONNX Runtime for either condition."""
    then = oh.make_graph([oh.make_node("Identity", ["input"], ["t"])], "then", [],
                         [oh.make_tensor_value_info("t", onnx.TensorProto.FLOAT, [2])])
    other = oh.make_graph([oh.make_node("Neg", ["input"], ["e"])], "else", [],
                          [oh.make_tensor_value_info("e", onnx.TensorProto.FLOAT, [2])])
    graph = oh.make_graph(
        [oh.make_node("If", ["cond"], ["output"], name="my_if", then_branch=then,
                      else_branch=other)], "g",
        [oh.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [2]),
         oh.make_tensor_value_info("cond", onnx.TensorProto.BOOL, [])],
        [oh.make_tensor_value_info("output", onnx.TensorProto.FLOAT, [2])])
    src = tmp_path / "if.onnx"
    onnx.save(oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)]), str(src))
    out = tmp_path / "out.onnx"
    run_pt2tf("convert", "-i", src, "-o", out)
    written = onnx.load(str(out))
    assert [n.op_type for n in written.graph.node] == ["If"]
    x = np.array([1.5, -2.0], dtype=np.float32)
    for cond in (True, False):
        feeds = {"input": x, "cond": np.array(cond)}
        ref = ort.InferenceSession(str(src), providers=["CPUExecutionProvider"]).run(None, feeds)
        got = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"]).run(None, feeds)
        np.testing.assert_array_equal(got[0], ref[0])
        np.testing.assert_array_equal(got[0], x if cond else -x)


# --- old op forms, upgraded on read (each compared with ONNX Runtime on the original) -----

F32, F64, I64 = onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.INT64
OLD_FORMS = {
    # name: (opset, nodes, inputs [(name, elem, shape)], initializers)
    "softmax11_axis1_rank3": (11, [oh.make_node("Softmax", ["input"], ["output"], axis=1)],
                              [("input", F32, [2, 3, 4])], []),
    "logsoftmax11_axis0": (11, [oh.make_node("LogSoftmax", ["input"], ["output"], axis=0)],
                           [("input", F32, [2, 3, 4])], []),
    "hardmax11_default_axis": (11, [oh.make_node("Hardmax", ["input"], ["output"])],
                               [("input", F32, [2, 3, 4])], []),
    "softmax11_unknown_rank": (11, [oh.make_node("Softmax", ["input"], ["output"], axis=1)],
                               [("input", F32, None)], []),
    "pad2_value": (9, [oh.make_node("Pad", ["input"], ["output"], pads=[0, 1, 1, 2],
                                    value=1.5)], [("input", F32, [2, 3])], []),
    "slice1_attrs": (9, [oh.make_node("Slice", ["input"], ["output"], starts=[1, 0], ends=[3, -1],
                                      axes=[0, 1])], [("input", F32, [4, 5])], []),
    "topk1_k_attr": (9, [oh.make_node("TopK", ["input"], ["output", "idx"], k=2, axis=1)],
                     [("input", F32, [3, 5])], []),
    "clip6_after_neg": (9, [oh.make_node("Neg", ["input"], ["n"]),  # dtype known through Neg
                            oh.make_node("Clip", ["n"], ["output"], min=-0.5, max=0.25)],
                        [("input", F32, [3, 4])], []),
    "clip6_only_max": (9, [oh.make_node("Clip", ["input"], ["output"], max=0.25)],
                       [("input", F32, [3, 4])], []),
    "batchnorm7_spatial": (7, [oh.make_node("BatchNormalization", ["input", "s", "b", "m", "v"],
                                            ["output"], spatial=1, epsilon=1e-3)],
                           [("input", F32, [2, 3, 4, 4])],
                           [onh.from_array(RNG.uniform(0.5, 2, 3).astype(np.float32), n)
                            for n in ("s", "b", "m", "v")]),
    "dropout7": (7, [oh.make_node("Dropout", ["input"], ["output"], ratio=0.3)],
                 [("input", F32, [2, 3])], []),
    "upsample7_scales_attr": (7, [oh.make_node("Upsample", ["input"], ["output"],
                                               scales=[1.0, 1.0, 2.0, 3.0])],
                              [("input", F32, [1, 2, 3, 3])], []),
    "upsample9_linear": (9, [oh.make_node("Upsample", ["input", "sc"], ["output"], mode="linear")],
                         [("input", F32, [1, 2, 3, 3])],
                         [onh.from_array(np.array([1, 1, 2, 2], np.float32), "sc")]),
    "resize10_nearest_down": (10, [oh.make_node("Resize", ["input", "sc"], ["output"])],
                              [("input", F32, [1, 1, 6, 6])],
                              [onh.from_array(np.array([1, 1, 0.5, 0.5], np.float32), "sc")]),
    "scatter9": (9, [oh.make_node("Scatter", ["input", "idx", "upd"], ["output"], axis=1)],
                 [("input", F32, [2, 4])],
                 [onh.from_array(np.array([[1, 3], [0, 2]], np.int64), "idx"),
                  onh.from_array(np.ones((2, 2), np.float32), "upd")]),
    "split2_attr": (9, [oh.make_node("Split", ["input"], ["a", "b"], axis=1, split=[1, 3]),
                        oh.make_node("Concat", ["b", "a"], ["output"], axis=1)],
                    [("input", F32, [2, 4])], []),
    "split11_equal": (11, [oh.make_node("Split", ["input"], ["a", "b"], axis=0),
                           oh.make_node("Sub", ["b", "a"], ["output"])],
                      [("input", F32, [4, 3])], []),
    "reducesum11_axes_attr": (11, [oh.make_node("ReduceSum", ["input"], ["output"], axes=[0, 2],
                                                keepdims=0)], [("input", F32, [2, 3, 4])], []),
    "squeeze11_unsqueeze11": (11, [oh.make_node("Unsqueeze", ["input"], ["u"], axes=[0, 3]),
                                   oh.make_node("Squeeze", ["u"], ["output"], axes=[0])],
                              [("input", F32, [2, 3])], []),
}


@pytest.mark.parametrize("name", sorted(OLD_FORMS))
def test_old_op_forms_are_upgraded(pt2tf_bin, tmp_path, name):
    opset, nodes, inputs, inits = OLD_FORMS[name]
    graph = oh.make_graph(nodes, name, [oh.make_tensor_value_info(n, t, s) for n, t, s in inputs],
                          [oh.make_tensor_value_info("output", F32 if inputs[0][1] == F32 else F64,
                                                     None)], inits)
    src = tmp_path / "old.onnx"
    onnx.save(oh.make_model(graph, opset_imports=[oh.make_opsetid("", opset)], ir_version=4),
              str(src))
    rng = np.random.default_rng(1)
    shape = inputs[0][2] or [2, 3, 4]
    x = rng.standard_normal(shape).astype(np.float64 if inputs[0][1] == F64 else np.float32)
    ref = ort_run(src, {"input": x})[0]
    for opset_out in (13, 17, 21):
        out = tmp_path / f"new{opset_out}.onnx"
        run_pt2tf("convert", "-i", src, "-o", out, "--opset", opset_out)
        got = ort_run(out, {"input": x})[0]
        assert got.dtype == ref.dtype and got.shape == ref.shape
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)


def _shape_graph(name, nodes, inputs, inits):
    """A model of `nodes` whose output is 'y' (float, rank unknown)."""
    from onnx import TensorProto
    g = oh.make_graph(nodes, name, inputs, [oh.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                          initializer=[onh.from_array(np.array(v), k) for k, v in inits])
    return oh.make_model(g, opset_imports=[oh.make_opsetid("", 17)])


def _hostile_shape_models():
    from onnx import TensorProto
    x = lambda *dims: [oh.make_tensor_value_info("x", TensorProto.FLOAT, list(dims))]
    i64 = lambda *v: np.array(v, np.int64)
    shape_of = oh.make_node("Shape", ["x"], ["s"])
    return {
        # a Reshape whose -1 resolves to 2^31 through the shape of a run-time batch
        "dim_past_int32": (_shape_graph("m", [
            shape_of, oh.make_node("Gather", ["s", "i0"], ["b"]),
            oh.make_node("Unsqueeze", ["b", "ax"], ["bu"]),
            oh.make_node("Concat", ["bu", "rest"], ["t"], axis=0),
            oh.make_node("Reshape", ["x", "t"], ["y"])], x("N", 2**31, 2**31),
            [("i0", np.array(0, np.int64)), ("ax", i64(0)), ("rest", i64(-1, 0))]),
            "does not fit"),
        # steps of +-2^63 over a shape vector
        "slice_extreme_steps": (_shape_graph("m", [
            shape_of, oh.make_node("Slice", ["s", "st", "en", "ax", "sp"], ["t"]),
            oh.make_node("Reshape", ["x", "t"], ["y"])], x("N", 3, 4),
            [("st", i64(1)), ("en", i64(2**63 - 1)), ("ax", i64(0)), ("sp", i64(2**63 - 1))]),
            None),
        "gather_index_min": (_shape_graph("m", [
            shape_of, oh.make_node("Gather", ["s", "i0"], ["b"]),
            oh.make_node("Unsqueeze", ["b", "ax"], ["bu"]),
            oh.make_node("Reshape", ["x", "bu"], ["y"])], x("N", 3),
            [("i0", np.array(-2**63, np.int64)), ("ax", i64(0))]),
            "out of range"),
        # a negative-step Slice of the empty shape of a scalar
        "slice_of_empty_shape": (_shape_graph("m", [
            shape_of, oh.make_node("Slice", ["s", "st", "en", "ax", "sp"], ["t"]),
            oh.make_node("Cast", ["t"], ["tf"], to=TensorProto.FLOAT),
            oh.make_node("Add", ["x", "tf"], ["y"])], x(),
            [("st", i64(-1)), ("en", i64(-10)), ("ax", i64(0)), ("sp", i64(-1))]),
            None),
        "scatternd_index_out_of_range": (_shape_graph("m", [
            oh.make_node("ScatterND", ["d", "i", "u"], ["y"])], [],
            [("d", np.zeros((2, 2), np.float32)), ("i", i64([5, 0])), ("u", np.ones(1, np.float32))]),
            "out of range"),
    }


@pytest.mark.parametrize("name", sorted(_hostile_shape_models()))
def test_hostile_shape_arithmetic(pt2tf_bin, tmp_path, name):
    """Shape data and constant folding on extreme values (dims past int32, steps and indices
    of +-2^63, a scatter out of bounds): each output is written or refused in one line naming
    the file, never a crash or a wrapped value."""
    model, needle = _hostile_shape_models()[name]
    src = tmp_path / "m.onnx"
    onnx.save(model, src)
    for ext in ("onnx", "pb", "tflite"):
        out = tmp_path / f"out.{ext}"
        proc = run_pt2tf("convert", "-i", src, "-o", out, "-q", check=False)
        assert proc.returncode in (0, 1), proc.stderr
        if proc.returncode == 1:
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("pt2tf: error: "), proc.stderr
            assert not out.exists()
            if needle:
                assert needle in lines[0], lines[0]
        elif needle and ext != "onnx":
            raise AssertionError(f"{ext}: converted, expected a refusal containing {needle!r}")


def test_shape_data_does_not_pair_broadcast_entries(pt2tf_bin, tmp_path):
    """[2,1] + [1,2] over a shape's entries broadcasts to four values; shape data must not
    pair them entry by entry and fold a wrong constant: the converted .onnx agrees with
    ONNX Runtime on the original at two batch sizes."""
    from onnx import TensorProto
    i64 = lambda *v: np.array(v, np.int64)
    model = _shape_graph("m", [
        oh.make_node("Shape", ["x"], ["s"]), oh.make_node("Unsqueeze", ["s", "ax1"], ["u"]),
        oh.make_node("Add", ["u", "c"], ["a"]), oh.make_node("Reshape", ["a", "four"], ["r"]),
        oh.make_node("Gather", ["r", "i1"], ["g"]), oh.make_node("Cast", ["g"], ["gf"], to=TensorProto.FLOAT),
        oh.make_node("Mul", ["x", "gf"], ["y"])],
        [oh.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [("ax1", i64(1)), ("c", np.array([[1, 2]], np.int64)), ("four", i64(4)),
         ("i1", np.array(1, np.int64))])
    src, out = tmp_path / "m.onnx", tmp_path / "out.onnx"
    onnx.save(model, src)
    run_pt2tf("convert", "-i", src, "-o", out, "-q")
    for n in (2, 5):
        x = np.ones((n, 3), np.float32)
        want = ort.InferenceSession(str(src)).run(None, {"x": x})[0]
        got = ort.InferenceSession(str(out)).run(None, {"x": x})[0]
        np.testing.assert_array_equal(got, want)
