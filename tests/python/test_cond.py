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
import os
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
# The dynamo exporter takes seconds per model: a representative set by default (a reduction
# predicate, a predicate comparing inputs, nested conds with two outputs and parameters, a
# predicate on a dynamic dim); PT2TF_COND_ALL=1 exports every case. The .pt2 export is quick:
# every case always runs there.
ONNX_DEFAULT = ["reduction", "scalar_input", "nested_multi", "shape_pred"]
ONNX_SELECTED = sorted(CASES) if os.environ.get("PT2TF_COND_ALL") else ONNX_DEFAULT


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


@pytest.mark.parametrize("name", ONNX_SELECTED)
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


def test_folded_predicate_converts(pt2tf_bin, tmp_path, tf_runner):  # noqa: F811
    """A predicate on a static dim is a Python bool: the exporters keep only one branch (no If,
    no cond), and that graph converts like any other."""
    model = ShapePred().eval()
    x = feed((4, 3), 22)
    ref = eager(model, ["x"], {"x": x})[0]
    onnx_path, pt2 = tmp_path / "folded.onnx", tmp_path / "folded.pt2"
    export(model, ["x"], ["y"], {"x": x}, onnx_path)
    assert "If" not in op_types(onnx.load(str(onnx_path)).graph)
    torch.export.save(torch.export.export(model, (torch.from_numpy(x),)), str(pt2))
    for src in (onnx_path, pt2):
        pb, saved = tmp_path / f"{src.stem}{src.suffix[1:]}.pb", tmp_path / f"{src.suffix[1:]}_sm"
        run_pt2tf("convert", "-i", src, "-o", pb, "-o", f"{saved}/", "-q")
        out = "y" if src == onnx_path else "mul"
        assert_close(tf_runner.run_frozen(pb, {"x": x}, [out])[out], ref, f"{src.name} frozen")
        assert_close(list(tf_runner.run_saved(saved, {"x": x}).values())[0], ref,
                     f"{src.name} SavedModel")


@pytest.fixture(scope="module")
def cond_pt2(tmp_path_factory):
    """A .pt2 with one torch.cond (two outputs, a captured parameter), as files by name."""
    path = tmp_path_factory.mktemp("cond") / "cond.pt2"
    torch.manual_seed(0)
    cls, names, _, feeds = CASES["nested_multi"]
    args = tuple(torch.from_numpy(feeds[0][n]) for n in names)
    torch.export.save(torch.export.export(cls().eval(), args), str(path))
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def outer_cond(doc):
    return next(n for n in doc["graph_module"]["graph"]["nodes"]
                if n["target"] == "torch.ops.higher_order.cond")


def branch(node, i):
    return node["inputs"][i]["arg"]["as_graph"]["graph"]


def nest_deep(doc):
    """Wraps the true branch in 20 levels of cond(pred, inner, inner, operands)."""
    node = outer_cond(doc)
    for _ in range(20):
        body = branch(node, 1)
        wrapper = json.loads(json.dumps(node))
        inner = {"inputs": body["inputs"], "outputs": body["outputs"], "tensor_values": {},
                 "nodes": [wrapper]}
        node["inputs"][1]["arg"]["as_graph"]["graph"] = inner


HOSTILE = {
    "deep_nesting": (nest_deep, "too deeply"),
    "arity": (lambda d: branch(outer_cond(d), 1)["inputs"].pop(), "inputs but the op passes"),
    "output_count": (lambda d: branch(outer_cond(d), 2)["outputs"].pop(),
                     "the branches return 2 and 1 values"),
    "undefined_output": (lambda d: branch(outer_cond(d), 2)["outputs"][0]["as_tensor"].update(
        name="nowhere"), "output 'nowhere' is never computed"),
    "branch_op": (lambda d: branch(outer_cond(d), 2)["nodes"][0].update(
        target="torch.ops.aten.not_a_real_op.default"),
        "unsupported op aten.not_a_real_op.default (node"),
    "not_a_graph": (lambda d: outer_cond(d)["inputs"][1].update(
        arg={"as_tensor": {"name": "x"}}), "argument 1 is not a graph"),
    "graph_not_object": (lambda d: outer_cond(d)["inputs"][2]["arg"]["as_graph"].update(graph=7),
                         "is not an object"),
    "undefined_pred": (lambda d: outer_cond(d)["inputs"][0].update(
        arg={"as_tensor": {"name": "nowhere"}}), "predicate 'nowhere' is used before"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_cond_pt2_fails_cleanly(case, cond_pt2, pt2tf_bin, tmp_path):
    change, needle = HOSTILE[case]
    files = dict(cond_pt2)
    key = next(n for n in files if n.endswith("models/model.json"))
    doc = json.loads(files[key])
    change(doc)
    files[key] = json.dumps(doc).encode()
    bad = tmp_path / f"{case}.pt2"
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_STORED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    out, pb = tmp_path / "out.onnx", tmp_path / "out.pb"
    proc = run_pt2tf("convert", "-i", bad, "-o", out, "-o", pb, check=False)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert str(bad) in lines[0] and needle in lines[0], lines[0]
    assert not out.exists() and not pb.exists()
