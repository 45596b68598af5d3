"""torch.cond to TensorFlow, through ONNX and through .pt2 (issues 10 and 12).

Small modules whose forward calls torch.cond on a data-dependent predicate are
- exported with torch.onnx.export(dynamo=True), which writes an ONNX If whose branches read
  outer values (the operands, the module's parameters, constants hoisted to the main graph);
- exported with torch.export and saved as .pt2, whose graph has a torch.ops.higher_order.cond
  node with the branch graphs inline; pt2tf converts it with no Python on PATH.
Each file is converted to a frozen graph and a SavedModel (the .pt2 also to .onnx, run in ONNX
Runtime) and run on inputs that take every branch, against PyTorch eager: max|diff| <= 1e-4 *
max(1, max|ref|). Each case first checks that the exported file really has the If / cond (an
export that folded the predicate would pass for nothing) and that the feeds really take
different paths (each model names its path for an input).
"""
import json
import zipfile

import numpy as np
import onnxruntime as ort
import onnx
import pytest
import torch

from conftest import run_pt2tf
from test_pt2_import import convert_without_python
from test_control_flow import op_types
from tf_runner import tf_runner  # noqa: F401  (fixture)
from zoo_harness import assert_close

nn = torch.nn


class ReductionPred(nn.Module):
    """Predicate from a reduction; the true branch reads a captured Linear."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x):
        return torch.cond(x.sum() > 0, lambda x: torch.relu(self.fc(x)) * 2.0,
                          lambda x: torch.tanh(x) - 1.0, (x,))

    @staticmethod
    def path(x):
        return bool(x.sum() > 0)


class ScalarInputPred(nn.Module):
    """Predicate from comparing two run-time inputs (a 0-d threshold), no shapes involved."""

    def forward(self, x, t):
        return torch.cond(t > x.mean(), lambda x, t: x * t, lambda x, t: x - t * 3.0, (x, t))

    @staticmethod
    def path(x, t):
        return bool(t > x.mean())


class BoolInputPred(nn.Module):
    """The predicate is a bool input itself."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 4))

    def forward(self, flag, x):
        return torch.cond(flag, lambda x: x @ self.w, lambda x: x.abs() + 0.5, (x,))

    @staticmethod
    def path(flag, x):
        return bool(flag)


class NestedMulti(nn.Module):
    """A cond inside a cond branch, two outputs, captured parameters in both levels."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.p = nn.Parameter(torch.randn(6))

    def forward(self, x, y):
        def inner_t(x, y):
            return x * self.p + y, x - y

        def inner_f(x, y):
            return x - self.p, y * 2.0

        def outer_t(x, y):
            return torch.cond(y.mean() > 0, inner_t, inner_f, (x, y))

        def outer_f(x, y):
            return torch.tanh(self.fc(x)), y + 1.0

        return torch.cond(x.sum() > y.sum(), outer_t, outer_f, (x, y))

    @staticmethod
    def path(x, y):
        outer = bool(x.sum() > y.sum())
        return (outer, bool(y.mean() > 0)) if outer else (outer,)


class DynamicBatch(nn.Module):
    """A dynamic batch dim through both branches (a Reshape that reads it)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x):
        return torch.cond(x.sum() > 0, lambda x: torch.relu(self.fc(x)).reshape(x.shape[0], 2, 3),
                          lambda x: x.reshape(-1, 2, 3) * 2.0, (x,))

    @staticmethod
    def path(x):
        return bool(x.sum() > 0), x.shape[0]


class ShapePred(nn.Module):
    """A predicate on a dynamic dim: with a static dim the exporter would fold it."""

    def forward(self, x):
        return torch.cond(x.shape[0] > 2, lambda x: x * 2.0, lambda x: x.cumsum(0) + 1.0, (x,))

    @staticmethod
    def path(x):
        return x.shape[0] > 2


class ShapedBranches(nn.Module):
    """The branches give different static shapes (the exporter's output dim is unbacked)."""

    def forward(self, x):
        return torch.cond(x.sum() > 0, lambda x: x[:2] * 2.0, lambda x: x[:3] + 1.0, (x,))

    @staticmethod
    def path(x):
        return bool(x.sum() > 0)


class IntBranches(nn.Module):
    """Branches with an int64 output and a float output (argmax vs. a sum)."""

    def forward(self, x):
        def t(x):
            return x.argmax(-1), x.softmax(-1)

        def f(x):
            return x.argmin(-1), x.abs().cumsum(-1)

        return torch.cond(x.max() > 1.5, t, f, (x,))

    @staticmethod
    def path(x):
        return bool(x.max() > 1.5)


def feed(shape, seed, sign=None, scale=1.0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32) * scale
    if sign is not None:
        x = np.abs(x) * sign
    return x


# name: (module class, input names, output names, feeds taking different paths)
CASES = {
    "reduction": (ReductionPred, ["x"], ["y"],
                  [{"x": feed((2, 6), 1, +1)}, {"x": feed((2, 6), 2, -1)}]),
    "scalar_input": (ScalarInputPred, ["x", "t"], ["y"],
                     [{"x": feed((3, 4), 3), "t": np.array(5.0, np.float32)},
                      {"x": feed((3, 4), 4), "t": np.array(-5.0, np.float32)}]),
    "bool_input": (BoolInputPred, ["flag", "x"], ["y"],
                   [{"flag": np.array(True), "x": feed((2, 4), 5)},
                    {"flag": np.array(False), "x": feed((2, 4), 6)}]),
    "nested_multi": (NestedMulti, ["x", "y"], ["a", "b"],
                     [{"x": feed((2, 6), 7, +1), "y": feed((2, 6), 8, +1) * 0.1},
                      {"x": feed((2, 6), 9, +1) * 0.1, "y": feed((2, 6), 10, -1)},
                      {"x": feed((2, 6), 11, -1), "y": feed((2, 6), 12, +1)}]),
    "int_branches": (IntBranches, ["x"], ["i", "v"],
                     [{"x": feed((3, 5), 13, scale=3.0)}, {"x": feed((3, 5), 14, scale=0.2)}]),
    "dynamic_batch": (DynamicBatch, ["x"], ["y"],
                      [{"x": feed((3, 6), 15, +1)}, {"x": feed((5, 6), 16, -1)},
                       {"x": feed((1, 6), 17, +1)}]),
    "shape_pred": (ShapePred, ["x"], ["y"], [{"x": feed((4, 3), 18)}, {"x": feed((2, 3), 19)}]),
    "shaped_branches": (ShapedBranches, ["x"], ["y"],
                        [{"x": feed((4, 6), 20, +1)}, {"x": feed((4, 6), 21, -1)}]),
}
# Cases whose first input has a dynamic dim 0 in the export.
DYNAMIC = {"dynamic_batch", "shape_pred"}


def export(model, names, outputs, sample, path, dynamic=False):
    args = tuple(torch.from_numpy(sample[n]) for n in names)
    shapes = ({0: torch.export.Dim("batch")},) if dynamic else None
    torch.onnx.export(model, args, str(path), dynamo=True, input_names=names,
                      output_names=outputs, dynamic_shapes=shapes, verbose=False)


def eager(model, names, feed_dict):
    with torch.no_grad():
        out = model(*(torch.from_numpy(feed_dict[n]) for n in names))
    out = out if isinstance(out, tuple) else (out,)
    return [o.numpy() for o in out]


@pytest.mark.parametrize("name", sorted(CASES))
def test_cond_matches_pytorch(name, pt2tf_bin, tmp_path, tf_runner):  # noqa: F811
    cls, names, outputs, feeds = CASES[name]
    torch.manual_seed(0)
    model = cls().eval()
    paths = {cls.path(*(torch.from_numpy(f[n]) for n in names)) for f in feeds}
    assert len(paths) == len(feeds), f"the feeds take only the paths {paths}"
    path = tmp_path / f"{name}.onnx"
    export(model, names, outputs, feeds[0], path, name in DYNAMIC)
    assert "If" in op_types(onnx.load(str(path)).graph), "the exporter wrote no If"
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", path, "-o", pb, "-o", f"{saved}/", "-q")
    refs = [eager(model, names, f) for f in feeds]
    for i, (f, ref) in enumerate(zip(feeds, refs)):
        frozen = tf_runner.run_frozen(pb, f, outputs)
        served = tf_runner.run_saved(saved, f)
        assert sorted(served) == sorted(outputs)
        for out, r in zip(outputs, ref):
            assert_close(frozen[out], r, f"{name} frozen, feed {i}, {out}")
            assert_close(served[out], r, f"{name} SavedModel, feed {i}, {out}")


def cond_count(graph):
    """torch.ops.higher_order.cond nodes in a serialized .pt2 graph, branches included."""
    count = 0
    for node in graph["nodes"]:
        count += node["target"] == "torch.ops.higher_order.cond"
        for arg in node["inputs"]:
            if "as_graph" in arg["arg"]:
                count += cond_count(arg["arg"]["as_graph"]["graph"])
    return count


@pytest.mark.parametrize("name", sorted(CASES))
def test_pt2_cond_matches_pytorch(name, pt2tf_bin, tmp_path, tf_runner):  # noqa: F811
    cls, names, outputs, feeds = CASES[name]
    torch.manual_seed(0)
    model = cls().eval()
    args = tuple(torch.from_numpy(feeds[0][n]) for n in names)
    shapes = ({0: torch.export.Dim("batch")},) + (None,) * (len(names) - 1) \
        if name in DYNAMIC else None
    pt2 = tmp_path / f"{name}.pt2"
    torch.export.save(torch.export.export(model, args, dynamic_shapes=shapes), str(pt2))
    with zipfile.ZipFile(pt2) as z:
        doc = json.loads(z.read(next(n for n in z.namelist() if n.endswith("models/model.json"))))
    assert cond_count(doc["graph_module"]["graph"]) >= 1, "the export has no cond"
    onnx_path, pb, saved = tmp_path / "m.onnx", tmp_path / "m.pb", tmp_path / "m_saved"
    proc = convert_without_python(tmp_path, "convert", "-i", pt2, "-o", onnx_path, "-o", pb,
                                  "-o", f"{saved}/", "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert [i["name"] for i in summary["inputs"]] == names
    tf_outs = [o["name"] for o in summary["graph_outputs"]]
    assert "If" in op_types(onnx.load(str(onnx_path)).graph)
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    for i, f in enumerate(feeds):
        ref = eager(model, names, f)
        got_onnx = sess.run(None, f)
        frozen = tf_runner.run_frozen(pb, f, tf_outs)
        served = tf_runner.run_saved(saved, f)
        assert sorted(served) == sorted(tf_outs)
        for out, r, o in zip(tf_outs, ref, got_onnx):
            assert_close(o, r, f"{name} .pt2 -> onnx, feed {i}, {out}")
            assert_close(frozen[out], r, f"{name} .pt2 -> frozen, feed {i}, {out}")
            assert_close(served[out], r, f"{name} .pt2 -> SavedModel, feed {i}, {out}")
