"""Data-dependent control flow (ONNX If / Loop) through the TensorFlow writers (issue 10).

Small PyTorch models with Python `if` / `for` / `while` on tensor values are scripted
(torch.jit.script) and exported with torch.onnx.export(dynamo=False), which writes ONNX If
and Loop nodes; each is converted to a frozen graph and a SavedModel and run in TensorFlow
on inputs that take different branches and different trip counts, against PyTorch eager:
max|diff| <= 1e-4 * max(1, max|ref|). A test first checks that the exported file really has
the control-flow op (so a model the exporter unrolled would not pass for nothing) and that
the inputs really take different paths.
"""
import numpy as np
import onnx
import pytest
import torch

from conftest import run_pt2tf
from test_dynamic import run_batches
from zoo_harness import assert_close

nn = torch.nn


class Branch(nn.Module):
    """If on the sign of a reduction; the branches read an outer Linear's weights."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x):
        if x.sum() > 0:
            y = torch.relu(self.fc(x)) * 2.0
        else:
            y = torch.tanh(x) - 1.0
        return y


class CountedLoop(nn.Module):
    """for i in range(n) with n a run-time input; the iteration index is used."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 5)

    def forward(self, x, n):
        y = x
        for i in range(int(n)):
            y = torch.tanh(self.fc(y)) + float(i) * 0.1
        return y


class WhileLoop(nn.Module):
    """while on a tensor condition: the trip count depends on the data."""

    def forward(self, x):
        y = x
        while bool(y.abs().max() > 1.0):
            y = y * 0.5
        return y


class NestedIfInLoop(nn.Module):
    """A Loop whose body holds an If (nested subgraphs; the If reads outer values)."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor([1.5, -0.5, 2.0, 0.25]))

    def forward(self, x, n):
        y = x
        for _ in range(int(n)):
            if y.mean() > 0:
                y = y - self.scale
            else:
                y = y * self.scale + 1.0
        return y


def feed_x(shape, seed, sign=None, scale=1.0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32) * scale
    if sign is not None:
        x = np.abs(x) * sign
    return x


# (model, input names, feeds taking different paths, ONNX op that must appear)
CASES = {
    "if": (Branch, ["x"], [{"x": feed_x((2, 6), 1, +1)}, {"x": feed_x((2, 6), 2, -1)}], "If"),
    "for": (CountedLoop, ["x", "n"],
            [{"x": feed_x((3, 5), 3), "n": np.array(1, np.int64)},
             {"x": feed_x((3, 5), 4), "n": np.array(4, np.int64)},
             {"x": feed_x((3, 5), 5), "n": np.array(0, np.int64)}], "Loop"),
    "while": (WhileLoop, ["x"], [{"x": feed_x((4,), 6, scale=0.3)}, {"x": feed_x((4,), 7, scale=20)}],
              "Loop"),
    "nested": (NestedIfInLoop, ["x", "n"],
               [{"x": feed_x((4,), 8, +1), "n": np.array(3, np.int64)},
                {"x": feed_x((4,), 9, -1), "n": np.array(2, np.int64)}], "Loop"),
}


def export(model, names, sample, path):
    scripted = torch.jit.script(model)
    args = tuple(torch.from_numpy(sample[n]) for n in names)
    torch.onnx.export(scripted, args, str(path), dynamo=False, opset_version=17,
                      input_names=names, output_names=["y"])


def op_types(graph):
    """Every op type in `graph` and its subgraphs."""
    ops = set()
    for node in graph.node:
        ops.add(node.op_type)
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                ops |= op_types(a.g)
    return ops


@pytest.mark.parametrize("name", sorted(CASES))
def test_control_flow_matches_pytorch(name, pt2tf_bin, tmp_path):
    cls, names, feeds, op = CASES[name]
    torch.manual_seed(0)
    model = cls().eval()
    path = tmp_path / f"{name}.onnx"
    export(model, names, feeds[0], path)
    assert op in op_types(onnx.load(str(path)).graph), f"the exporter wrote no {op}"
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", path, "-o", pb, "-o", f"{saved}/", "-q")
    with torch.no_grad():
        refs = [model(*(torch.from_numpy(f[n]) for n in names)).numpy() for f in feeds]
    # The feeds take different paths: a model that ignored them would not match both.
    assert not np.allclose(refs[0], refs[1]), "the inputs give the same output"
    _, frozen, served = run_batches(pb, ["y"], saved, feeds)
    for i, (ref, got_f, got_s) in enumerate(zip(refs, frozen, served)):
        assert_close(got_f["y"], ref, f"{name} frozen, feed {i}")
        assert_close(got_s["y"], ref, f"{name} SavedModel, feed {i}")


def test_constant_condition_is_inlined(pt2tf_bin, tmp_path):
    """An If on a constant leaves no If behind: the taken branch is spliced in."""
    from onnx import helper, TensorProto

    then_g = helper.make_graph([helper.make_node("Relu", ["x"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", TensorProto.FLOAT, [3])])
    else_g = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", TensorProto.FLOAT, [3])])
    graph = helper.make_graph(
        [helper.make_node("Constant", [], ["c"], value=helper.make_tensor("c", TensorProto.BOOL,
                                                                          [], [False])),
         helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
    path = tmp_path / "c.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    out = tmp_path / "o.onnx"
    run_pt2tf("convert", "-i", path, "-o", out, "-q")
    assert op_types(onnx.load(str(out)).graph) == {"Neg"}
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", path, "-o", pb, "-o", f"{saved}/", "-q")
    import onnxruntime as ort

    x = np.array([1.0, -2.0, 3.0], np.float32)
    ref = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    _, frozen, served = run_batches(pb, ["y"], saved, [{"x": x}])
    assert_close(frozen[0]["y"], ref, "frozen")
    assert_close(served[0]["y"], ref, "SavedModel")
