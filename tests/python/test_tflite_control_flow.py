"""Data-dependent control flow to TFLite: ONNX If -> IF, Loop -> WHILE (issue 10).

The models of test_control_flow.py (torch.jit.script -> ONNX If / Loop) and test_cond.py
(torch.cond -> .pt2, converted with no Python) plus onnx.helper graphs (nested If reading
outer-scope values, a Loop with a run-time trip count and condition) are converted to
.tflite and run in the LiteRT interpreter on inputs that take every branch / different trip
counts, against PyTorch eager or ONNX Runtime: max|diff| <= 1e-4 * max(1, max|ref|). Each
test reads the operator codes of every subgraph of the file and asserts the IF / WHILE ops
are there (a file whose control flow was folded away would not pass), and that the feeds
really take different paths. Refusals (a Loop with scan outputs, --quantize on control
flow) are one line, exit 1, and leave no file.
"""
import json
import zipfile

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper

import test_cond
import tflite_runner as tfl
import test_control_flow as cf
from conftest import run_pt2tf
from test_pt2_import import convert_without_python
from zoo_harness import assert_close


def subgraph_ops(path):
    """[[op name, ...] per subgraph] of a .tflite file, read from the FlatBuffer itself."""
    from ai_edge_litert import schema_py_generated as schema

    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    model = schema.Model.GetRootAs(bytearray(path.read_bytes()), 0)
    codes = []
    for i in range(model.OperatorCodesLength()):
        c = model.OperatorCodes(i)
        codes.append(names[max(c.BuiltinCode(), c.DeprecatedBuiltinCode())])
    return [[codes[g.Operators(k).OpcodeIndex()] for k in range(g.OperatorsLength())]
            for g in (model.Subgraphs(i) for i in range(model.SubgraphsLength()))]


def all_ops(path):
    return [op for ops in subgraph_ops(path) for op in ops]


def run_tflite(path, feeds):
    """{output name: array} from the serving_default signature (default op resolver)."""
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(path), num_threads=1)
    runner = interp.get_signature_runner("serving_default")
    return {k: np.asarray(v) for k, v in runner(**feeds).items()}


def save(graph, path, opset=17):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


# --- ONNX from torch.jit.script (If, Loop with run-time trip count / condition) ------------

@pytest.mark.parametrize("name", sorted(cf.CASES))
def test_scripted_control_flow_matches_pytorch(name, pt2tf_bin, tmp_path):
    cls, names, feeds, op = cf.CASES[name]
    torch.manual_seed(0)
    model = cls().eval()
    path = tmp_path / f"{name}.onnx"
    cf.export(model, names, feeds[0], path)
    assert op in cf.op_types(onnx.load(str(path)).graph), f"the exporter wrote no {op}"
    out = tmp_path / "m.tflite"
    run_pt2tf("convert", "-i", path, "-o", out, "-q")
    want = {"If": "IF", "Loop": "WHILE"}[op]
    assert want in all_ops(out), f"no {want} in {subgraph_ops(out)}"
    with torch.no_grad():
        refs = [model(*(torch.from_numpy(f[n]) for n in names)).numpy() for f in feeds]
    assert not np.allclose(refs[0], refs[1]), "the inputs give the same output"
    for i, (f, ref) in enumerate(zip(feeds, refs)):
        got = run_tflite(out, f)
        assert_close(got["y"], ref, f"{name} .tflite, feed {i}")


@pytest.mark.parametrize("name", ["for", "if"])
def test_fp16_weights_inside_subgraphs(name, pt2tf_bin, tmp_path):
    """--precision fp16: the branch's Linear weights are float16 + DEQUANTIZE inside the
    branch subgraph; fp16 bound max|diff| <= 1e-2 * max(1, max|ref|)."""
    cls, names, feeds, _ = cf.CASES[name]
    torch.manual_seed(0)
    model = cls().eval()
    path, out = tmp_path / f"{name}.onnx", tmp_path / "m16.tflite"
    cf.export(model, names, feeds[0], path)
    run_pt2tf("convert", "-i", path, "-o", out, "--precision", "fp16", "-q")
    ops = subgraph_ops(out)
    assert len(ops) > 1 and any("DEQUANTIZE" in g for g in ops[1:]), ops
    for i, f in enumerate(feeds):
        with torch.no_grad():
            ref = model(*(torch.from_numpy(f[n]) for n in names)).numpy()
        tfl.assert_close_fp16(run_tflite(out, f)["y"], ref, f"{name} fp16, feed {i}")


# --- torch.cond through .pt2 (If with captured parameters, nested, several outputs) --------

PT2_CASES = ["bool_input", "int_branches", "nested_multi", "reduction", "scalar_input",
             "shaped_branches"]


@pytest.mark.parametrize("name", PT2_CASES)
def test_pt2_cond_matches_pytorch(name, pt2tf_bin, tmp_path):
    cls, names, _, feeds = test_cond.CASES[name]
    torch.manual_seed(0)
    model = cls().eval()
    paths = {cls.path(*(torch.from_numpy(f[n]) for n in names)) for f in feeds}
    assert len(paths) == len(feeds), f"the feeds take only the paths {paths}"
    args = tuple(torch.from_numpy(feeds[0][n]) for n in names)
    pt2 = tmp_path / f"{name}.pt2"
    torch.export.save(torch.export.export(model, args), str(pt2))
    with zipfile.ZipFile(pt2) as z:
        doc = json.loads(z.read(next(n for n in z.namelist() if n.endswith("models/model.json"))))
    conds = test_cond.cond_count(doc["graph_module"]["graph"])
    assert conds >= 1, "the export has no cond"
    out = tmp_path / "m.tflite"
    proc = convert_without_python(tmp_path, "convert", "-i", pt2, "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    outs = [o["name"] for o in json.loads(proc.stdout)["graph_outputs"]]
    assert all_ops(out).count("IF") == conds, f"{conds} conds, ops {subgraph_ops(out)}"
    for i, f in enumerate(feeds):
        ref = test_cond.eager(model, names, f)
        got = run_tflite(out, f)
        assert sorted(got) == sorted(outs)
        for o, r in zip(outs, ref):
            assert_close(got[o], r, f"{name} .tflite, feed {i}, {o}")


# --- onnx.helper graphs against ONNX Runtime -----------------------------------------------

def nested_if_model(path):
    """y = x > 0 summed ? (z > 1 ? x * w : x - z) : -x, w an outer initializer, z an input:
    the inner If reads x, w and z from two scopes out."""
    f = TensorProto.FLOAT
    vi = helper.make_tensor_value_info
    inner_then = helper.make_graph([helper.make_node("Mul", ["x", "w"], ["it"])], "inner_then",
                                   [], [vi("it", f, [2, 3])])
    inner_else = helper.make_graph([helper.make_node("Sub", ["x", "z"], ["ie"])], "inner_else",
                                   [], [vi("ie", f, [2, 3])])
    outer_then = helper.make_graph(
        [helper.make_node("ReduceSum", ["z"], ["zs"], keepdims=0),
         helper.make_node("Greater", ["zs", "one"], ["zc"]),
         helper.make_node("If", ["zc"], ["ot"], then_branch=inner_then, else_branch=inner_else)],
        "outer_then", [], [vi("ot", f, [2, 3])])
    outer_else = helper.make_graph([helper.make_node("Neg", ["x"], ["oe"])], "outer_else", [],
                                   [vi("oe", f, [2, 3])])
    graph = helper.make_graph(
        [helper.make_node("ReduceSum", ["x"], ["xs"], keepdims=0),
         helper.make_node("Greater", ["xs", "zero"], ["c"]),
         helper.make_node("If", ["c"], ["y"], then_branch=outer_then, else_branch=outer_else)],
        "nested_if", [vi("x", f, [2, 3]), vi("z", f, [1])], [vi("y", f, [2, 3])],
        initializer=[
            helper.make_tensor("w", f, [2, 3], [0.5, -1.0, 2.0, 1.5, 0.25, -3.0]),
            helper.make_tensor("zero", f, [], [0.0]),
            helper.make_tensor("one", f, [], [1.0])])
    save(graph, path)


def counted_while_model(path):
    """Loop(M, cond): v = v * 0.5 + b, s = s + 1 while max|v| > thr, at most M times; the
    outputs are both carried values (no scan outputs)."""
    f, i64, b = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
    vi = helper.make_tensor_value_info
    body = helper.make_graph(
        [helper.make_node("Mul", ["v_in", "half"], ["vh"]),
         helper.make_node("Add", ["vh", "bias"], ["v_out"]),
         helper.make_node("Add", ["s_in", "one"], ["s_out"]),
         helper.make_node("Abs", ["v_out"], ["va"]),
         helper.make_node("ReduceMax", ["va"], ["vm"], keepdims=0),
         helper.make_node("Greater", ["vm", "thr"], ["c_out"])],
        "body", [vi("i", i64, []), vi("c_in", b, []), vi("v_in", f, [4]), vi("s_in", f, [])],
        [vi("c_out", b, []), vi("v_out", f, [4]), vi("s_out", f, [])])
    graph = helper.make_graph(
        [helper.make_node("Abs", ["x"], ["xa"]),
         helper.make_node("ReduceMax", ["xa"], ["xm"], keepdims=0),
         helper.make_node("Greater", ["xm", "thr"], ["c0"]),
         helper.make_node("Loop", ["m", "c0", "x", "zero"], ["y", "steps"], body=body)],
        "counted_while", [vi("x", f, [4]), vi("m", i64, [])],
        [vi("y", f, [4]), vi("steps", f, [])],
        initializer=[helper.make_tensor("half", f, [], [0.5]),
                     helper.make_tensor("bias", f, [4], [0.1, -0.1, 0.2, 0.0]),
                     helper.make_tensor("one", f, [], [1.0]),
                     helper.make_tensor("zero", f, [], [0.0]),
                     helper.make_tensor("thr", f, [], [1.0])])
    save(graph, path)


def check_against_ort(path, out, feeds, outputs, distinct):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    refs = [dict(zip(outputs, sess.run(outputs, f))) for f in feeds]
    assert len({json.dumps(np.asarray(r[distinct]).tolist()) for r in refs}) == len(feeds), \
        "the feeds do not take different paths"
    for i, (f, ref) in enumerate(zip(feeds, refs)):
        got = run_tflite(out, f)
        for o in outputs:
            assert_close(got[o], ref[o], f"{path.name} .tflite, feed {i}, {o}")


def test_nested_if_reading_outer_scopes(pt2tf_bin, tmp_path):
    path, out = tmp_path / "nested_if.onnx", tmp_path / "nested_if.tflite"
    nested_if_model(path)
    run_pt2tf("convert", "-i", path, "-o", out, "-q")
    ops = subgraph_ops(out)
    assert all_ops(out).count("IF") == 2 and "IF" in ops[0], ops
    x = np.array([[1.0, 2.0, -0.5], [0.5, 1.0, 3.0]], np.float32)
    feeds = [{"x": x, "z": np.array([2.0], np.float32)},   # outer then, inner then
             {"x": x, "z": np.array([-4.0], np.float32)},  # outer then, inner else
             {"x": -x, "z": np.array([2.0], np.float32)}]  # outer else
    check_against_ort(path, out, feeds, ["y"], "y")


def test_loop_with_trip_count_and_condition(pt2tf_bin, tmp_path):
    path, out = tmp_path / "loop.onnx", tmp_path / "loop.tflite"
    counted_while_model(path)
    run_pt2tf("convert", "-i", path, "-o", out, "-q")
    assert "WHILE" in subgraph_ops(out)[0], subgraph_ops(out)
    x = np.array([8.0, -3.0, 0.5, 2.0], np.float32)
    feeds = [{"x": x, "m": np.array(10, np.int64)},           # stops on the condition (4 steps)
             {"x": x, "m": np.array(2, np.int64)},            # stops on the trip count
             {"x": x * 0.1, "m": np.array(10, np.int64)},     # condition false at the start
             {"x": x * 100, "m": np.array(0, np.int64)}]      # zero trips
    check_against_ort(path, out, feeds[:3], ["y", "steps"], "steps")
    check_against_ort(path, out, [feeds[1], feeds[3]], ["y", "steps"], "steps")


# --- refusals ---------------------------------------------------------------------------------

def assert_one_line_refusal(proc, out, *words):
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("pt2tf: error: "), proc.stderr
    for w in words:
        assert w in lines[0], lines[0]
    assert not out.exists()


def test_if_whose_output_rank_depends_on_the_branch_is_refused(pt2tf_bin, tmp_path):
    """DeBERTa-v2's scripted relative positions return a rank-3 tensor from one branch and a
    rank-4 one from the other: refused at the If in one line (the error had named a later Add
    and advised running shape inference), for every TF format, with no output."""
    f = TensorProto.FLOAT
    vi = helper.make_tensor_value_info
    then_b = helper.make_graph([helper.make_node("Squeeze", ["r", "zero"], ["t"])], "then", [],
                               [vi("t", f, [1, 3, 3])])
    else_b = helper.make_graph([helper.make_node("Identity", ["r"], ["e"])], "else", [],
                               [vi("e", f, [1, 1, 3, 3])])
    graph = helper.make_graph(
        [helper.make_node("ReduceSum", ["x"], ["xs"], keepdims=0),
         helper.make_node("Greater", ["xs", "zero_f"], ["c"]),
         helper.make_node("If", ["c"], ["y"], then_branch=then_b, else_branch=else_b,
                          name="pick"),
         helper.make_node("Neg", ["y"], ["out"])],
        "if_rank", [vi("x", f, [3]), vi("r", f, [1, 1, 3, 3])], [vi("out", f, [1, 3, 3])],
        initializer=[helper.make_tensor("zero", TensorProto.INT64, [1], [0]),
                     helper.make_tensor("zero_f", f, [], [0.0])])
    path = tmp_path / "if_rank.onnx"
    save(graph, path)
    for out in (tmp_path / "m.pb", tmp_path / "m.tflite"):
        proc = run_pt2tf("convert", "-i", path, "-o", out, check=False)
        assert_one_line_refusal(proc, out, "If 'pick'", "rank 3 in then_branch and 4")


def test_scan_output_loop_is_refused(pt2tf_bin, tmp_path):
    f, i64, b = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
    vi = helper.make_tensor_value_info
    body = helper.make_graph(
        [helper.make_node("Add", ["v_in", "v_in"], ["v_out"]),
         helper.make_node("Identity", ["c_in"], ["c_out"]),
         helper.make_node("Identity", ["v_out"], ["scan"])],
        "body", [vi("i", i64, []), vi("c_in", b, []), vi("v_in", f, [3])],
        [vi("c_out", b, []), vi("v_out", f, [3]), vi("scan", f, [3])])
    graph = helper.make_graph(
        [helper.make_node("Loop", ["m", "", "x"], ["y", "ys"], body=body, name="scanloop")],
        "g", [vi("x", f, [3]), vi("m", i64, [])], [vi("y", f, [3]), vi("ys", f, [None, 3])])
    path, out = tmp_path / "scan.onnx", tmp_path / "scan.tflite"
    save(graph, path)
    proc = run_pt2tf("convert", "-i", path, "-o", out, check=False)
    assert_one_line_refusal(proc, out, "scanloop", "scan outputs", "TFLite")


def test_quantize_leaves_control_flow_float(pt2tf_bin, tmp_path):
    """--quantize rewrites the main subgraph only: the IF ops and their branch subgraphs stay
    float (the summary counts the IF among the float ops), and the quantized file takes each
    path as the float one does, against ONNX Runtime. (This model has nothing int8 can take;
    tests/python/test_detection.py quantizes a detector whose NMS sits in an If.)"""
    import json
    path = tmp_path / "nested_if.onnx"
    nested_if_model(path)
    samples = tmp_path / "calib.npz"  # 4 samples, stacked along each input's dim 0
    rng = np.random.default_rng(0)
    np.savez(samples, x=rng.standard_normal((8, 3)).astype(np.float32),
             z=rng.standard_normal((4,)).astype(np.float32))
    x = np.array([[1.0, 2.0, -0.5], [0.5, 1.0, 3.0]], np.float32)
    feeds = [{"x": x, "z": np.array([2.0], np.float32)},
             {"x": x, "z": np.array([-4.0], np.float32)},
             {"x": -x, "z": np.array([2.0], np.float32)}]
    for mode, extra in (("int8", ["--calibration", samples]), ("dynamic-int8", [])):
        out = tmp_path / f"q_{mode}.tflite"
        proc = run_pt2tf("convert", "-i", path, "-o", out, "--quantize", mode, *extra, "--json")
        report = json.loads(proc.stdout)["outputs"][0]["quantization"]
        assert report["float_op_types"].get("IF") == 1, report
        assert all_ops(out).count("IF") == 2
        check_against_ort(path, out, feeds, ["y"], "y")


def test_loop_value_changing_shape_is_refused(pt2tf_bin, tmp_path):
    """v = concat(v, v) each iteration: a WHILE with static subgraph shapes cannot hold it."""
    f, i64, b = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
    vi = helper.make_tensor_value_info
    body = helper.make_graph(
        [helper.make_node("Concat", ["v_in", "v_in"], ["v_out"], axis=0),
         helper.make_node("Identity", ["c_in"], ["c_out"])],
        "body", [vi("i", i64, []), vi("c_in", b, []), vi("v_in", f, [None])],
        [vi("c_out", b, []), vi("v_out", f, [None])])
    graph = helper.make_graph(
        [helper.make_node("Loop", ["m", "", "x"], ["y"], body=body, name="growloop")],
        "g", [vi("x", f, [2]), vi("m", i64, [])], [vi("y", f, [None])])
    path, out = tmp_path / "grow.onnx", tmp_path / "grow.tflite"
    save(graph, path)
    proc = run_pt2tf("convert", "-i", path, "-o", out, check=False)
    assert_one_line_refusal(proc, out, "growloop", "changes shape")
