"""Cross-checks pt2tf's shape inference and constant-folding evaluator against ONNX Runtime.

Each case is one ONNX node with random inputs. ONNX Runtime runs it as a model whose inputs
are fed at run time (so ORT's own kernels compute the reference); pt2tf builds the same node
with those inputs as constants, infers its output shapes and folds it (through the gtest
harness FoldCrossCheck.JsonCases). Inferred dtype and shape must equal ORT's output, and
folded values must equal ORT's: exactly for integers and bools, within 2 float32 ulp-ish
(rtol 1e-6) for floats.
"""
import json
import os
import pathlib
import subprocess

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

ROOT = pathlib.Path(__file__).resolve().parents[2]
TESTS_BIN = pathlib.Path(os.environ.get("PT2TF_TESTS", ROOT / "build" / "pt2tf_tests"))

rng = np.random.default_rng(1234)


def f32(*shape, lo=-4.0, hi=4.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def i64(*shape, lo=-9, hi=10):
    return rng.integers(lo, hi, size=shape).astype(np.int64)


def boolean(*shape):
    return rng.integers(0, 2, size=shape).astype(bool)


def case(name, op, inputs, num_outputs=1, **attrs):
    return {"name": name, "op": op, "inputs": inputs, "attrs": attrs, "num_outputs": num_outputs}


def build_cases():
    global rng
    rng = np.random.default_rng(1234)
    c = []
    a, b = f32(2, 3), f32(3)
    pos = f32(2, 3, lo=0.1, hi=5.0)
    for op in ["Add", "Sub", "Mul", "Div"]:
        c.append(case(f"{op}_f32_bcast", op, [a, b]))
        c.append(case(f"{op}_i64", op, [i64(4, 1), i64(3, lo=1, hi=9)] if op == "Div"
                      else [i64(4, 1), i64(3)]))
    c.append(case("Mod_i64_python_sign", "Mod", [i64(12, lo=-20, hi=20), i64(12, lo=1, hi=7) *
                                                   np.where(np.arange(12) % 2, 1, -1)]))
    c.append(case("Mod_i64_fmod", "Mod", [i64(12, lo=-20, hi=20), i64(12, lo=1, hi=7) *
                                            np.where(np.arange(12) % 3, 1, -1)], fmod=1))
    c.append(case("Mod_f32_fmod", "Mod", [a, b], fmod=1))
    c.append(case("Div_i64_positive", "Div", [i64(5, lo=0, hi=100), i64(5, lo=1, hi=7)]))
    c.append(case("Mul_i32", "Mul", [i64(3).astype(np.int32), i64(3).astype(np.int32)]))
    c.append(case("Add_f64", "Add", [a.astype(np.float64), b.astype(np.float64)]))
    c.append(case("Pow_f32", "Pow", [pos, f32(3, lo=-2, hi=2)]))
    for op in ["Sqrt", "Log", "Reciprocal"]:
        c.append(case(f"{op}_f32", op, [pos]))
    for op in ["Exp", "Neg", "Abs", "Floor", "Ceil", "Sign", "Erf", "Tanh", "Sigmoid", "Relu"]:
        c.append(case(f"{op}_f32", op, [a]))
    c.append(case("Round_ties", "Round",
                  [np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, -2.6], np.float32)]))
    c.append(case("Neg_i64", "Neg", [i64(5)]))
    c.append(case("Abs_i64", "Abs", [i64(5)]))
    for op in ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"]:
        c.append(case(f"{op}_i64", op, [i64(3, 4, lo=0, hi=3), i64(4, lo=0, hi=3)]))
        c.append(case(f"{op}_f32", op, [np.round(a), np.round(b)]))
    for op in ["And", "Or", "Xor"]:
        c.append(case(f"{op}_bool", op, [boolean(2, 3), boolean(3)]))
    c.append(case("Not_bool", "Not", [boolean(6)]))
    for op in ["Min", "Max", "Sum", "Mean"]:
        c.append(case(f"{op}_f32_3", op, [f32(2, 1, 3), f32(4, 1), f32(3)]))
    c.append(case("Max_i64", "Max", [i64(3), i64(2, 3)]))
    c.append(case("Where_f32", "Where", [boolean(2, 3), f32(2, 3), f32(3)]))
    c.append(case("Where_i64", "Where", [boolean(3, 1), i64(1, 4), i64(3, 4)]))
    for to, name in [(TensorProto.INT32, "i32"), (TensorProto.INT64, "i64"),
                     (TensorProto.FLOAT16, "f16"), (TensorProto.BOOL, "bool"),
                     (TensorProto.DOUBLE, "f64"), (TensorProto.UINT8, "u8")]:
        src = f32(8, lo=0.0, hi=200.0) if name == "u8" else np.append(f32(7), 0.0).astype(
            np.float32)
        c.append(case(f"Cast_f32_to_{name}", "Cast", [src], to=to))
    c.append(case("Cast_i64_to_f32", "Cast", [i64(6, lo=-10**9, hi=10**9)], to=TensorProto.FLOAT))
    c.append(case("Cast_i64_to_i8_wraps", "Cast", [i64(6, lo=-1000, hi=1000)], to=TensorProto.INT8))
    c.append(case("Cast_f64_to_f32", "Cast", [rng.normal(size=5)], to=TensorProto.FLOAT))
    data = f32(4, 5, 3)
    c.append(case("Gather_axis1", "Gather", [data, np.array([[0, -1], [4, 2]], np.int64)], axis=1))
    c.append(case("Gather_scalar", "Gather", [i64(4), np.array(-2, np.int64)]))
    # ScatterND: unique indices (duplicates are undefined for "none"), slices and elements
    c.append(case("ScatterND_elements", "ScatterND",
                  [f32(4, 5), np.array([[0, 1], [3, -1], [2, 2]], np.int64), f32(3)]))
    c.append(case("ScatterND_rows_i64", "ScatterND",
                  [i64(4, 3), np.array([[2], [0]], np.int64), i64(2, 3)]))
    c.append(case("ScatterND_add", "ScatterND",
                  [f32(3, 2), np.array([[1], [1]], np.int64), f32(2, 2)], reduction="add"))
    c.append(case("ScatterND_max_i64", "ScatterND",
                  [i64(2, 2, 2), np.array([[[0, 1]], [[1, 0]]], np.int64), i64(2, 1, 2)],
                  reduction="max"))
    c.append(case("Concat_neg_axis", "Concat", [f32(2, 1, 3), f32(2, 4, 3), f32(2, 2, 3)], axis=-2))
    c.append(case("Concat_i64", "Concat", [i64(1), i64(3), i64(0)], axis=0))
    c.append(case("Slice_steps", "Slice", [data, np.array([-1, 1], np.int64),
                                          np.array([-100, 100], np.int64),
                                          np.array([0, 2], np.int64), np.array([-2, 2], np.int64)]))
    c.append(case("Slice_default_axes", "Slice", [data, np.array([1, -3], np.int64),
                                                 np.array([3, -1], np.int64)]))
    c.append(case("Slice_empty", "Slice", [i64(6), np.array([4], np.int64),
                                          np.array([2], np.int64)]))
    c.append(case("Expand", "Expand", [f32(3, 1), np.array([2, 1, 4], np.int64)]))
    c.append(case("Tile", "Tile", [i64(2, 3), np.array([2, 2], np.int64)]))
    c.append(case("Transpose_perm", "Transpose", [data], perm=[2, 0, 1]))
    c.append(case("Transpose_default", "Transpose", [i64(2, 3, 4)]))
    c.append(case("ConstantOfShape_i64", "ConstantOfShape", [np.array([2, 3], np.int64)],
                  value={"dtype": "int64", "shape": [1], "data": [5]}))
    c.append(case("ConstantOfShape_default", "ConstantOfShape", [np.array([4], np.int64)]))
    c.append(case("Range_i64", "Range", [np.array(v, np.int64) for v in (10, -7, -4)]))
    c.append(case("Range_f32", "Range", [np.array(v, np.float32) for v in (0.5, 3.0, 0.75)]))
    for op in ["ReduceSum", "ReduceProd", "ReduceMin", "ReduceMax", "ReduceMean"]:
        c.append(case(f"{op}_axes", op, [f32(3, 4, 2, lo=0.5, hi=2.0), np.array([0, -1], np.int64)]))
        c.append(case(f"{op}_all_nokeep", op, [f32(3, 2, lo=0.5, hi=2.0)], keepdims=0))
    c.append(case("ReduceProd_i64", "ReduceProd", [i64(2, 3, lo=1, hi=5), np.array([1], np.int64)],
                  keepdims=0))
    c.append(case("ReduceSum_noop", "ReduceSum", [f32(2, 3), np.array([], np.int64)],
                  noop_with_empty_axes=1))
    c.append(case("Reshape", "Reshape", [data, np.array([0, -1], np.int64)]))
    c.append(case("Flatten", "Flatten", [data], axis=2))
    c.append(case("Squeeze", "Squeeze", [f32(1, 3, 1), np.array([-1], np.int64)]))
    c.append(case("Unsqueeze", "Unsqueeze", [i64(3), np.array([0, 2], np.int64)]))
    c.append(case("Identity", "Identity", [i64(2, 2)]))
    c.append(case("Shape_slice", "Shape", [data], start=1, end=-1))
    c.append(case("Shape_full", "Shape", [data]))
    c.append(case("Size", "Size", [data]))
    return c


ONNX_TYPES = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE,
              np.dtype(np.int64): TensorProto.INT64, np.dtype(np.int32): TensorProto.INT32,
              np.dtype(bool): TensorProto.BOOL}
TORCH_NAMES = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64",
               np.dtype(np.int64): "int64", np.dtype(np.int32): "int32", np.dtype(bool): "bool",
               np.dtype(np.float16): "float16", np.dtype(np.int8): "int8",
               np.dtype(np.uint8): "uint8"}


def onnx_attr(name, value):
    if isinstance(value, dict):  # a tensor given in the harness's JSON form
        arr = np.array(value["data"], dtype=value["dtype"]).reshape(value["shape"])
        return helper.make_attribute(name, onnx.numpy_helper.from_array(arr))
    return helper.make_attribute(name, value)


def harness_attr(value):
    if isinstance(value, dict):
        return {"type": "tensor", "value": value}
    if isinstance(value, int):
        return {"type": "int", "value": value}
    if isinstance(value, float):
        return {"type": "float", "value": value}
    if isinstance(value, str):
        return {"type": "string", "value": value}
    return {"type": "ints", "value": list(value)}


def run_ort(c):
    inputs = [np.asarray(x) for x in c["inputs"]]
    names = [f"in{i}" for i in range(len(inputs))]
    outs = [f"out{i}" for i in range(c["num_outputs"])]
    node = helper.make_node(c["op"], names, outs, name="case")
    node.attribute.extend(onnx_attr(k, v) for k, v in c["attrs"].items())
    graph = helper.make_graph(
        [node], c["name"],
        [helper.make_tensor_value_info(n, ONNX_TYPES[x.dtype], x.shape)
         for n, x in zip(names, inputs)],
        [onnx.ValueInfoProto(name=o) for o in outs])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, dict(zip(names, inputs)))


def to_json_case(c):
    def tensor(x):
        x = np.asarray(x)
        data = x.astype(np.int64) if x.dtype == bool else x
        return {"dtype": TORCH_NAMES[x.dtype], "shape": list(x.shape),
                "data": data.reshape(-1).tolist()}
    return {"name": c["name"], "op": c["op"], "num_outputs": c["num_outputs"],
            "inputs": [tensor(x) for x in c["inputs"]],
            "attrs": {k: harness_attr(v) for k, v in c["attrs"].items()}}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    if not TESTS_BIN.exists():
        pytest.fail(f"{TESTS_BIN} is missing: build first (make build)")
    cases = build_cases()
    tmp = tmp_path_factory.mktemp("fold")
    (tmp / "cases.json").write_text(json.dumps([to_json_case(c) for c in cases]))
    env = dict(os.environ, PT2TF_FOLD_CASES=str(tmp / "cases.json"),
               PT2TF_FOLD_RESULTS=str(tmp / "results.json"))
    proc = subprocess.run([str(TESTS_BIN), "--gtest_filter=FoldCrossCheck.JsonCases"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = json.loads((tmp / "results.json").read_text())
    return {c["name"]: (c, r) for c, r in zip(cases, got)}


CASE_NAMES = [c["name"] for c in build_cases()]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_matches_onnxruntime(results, name):
    c, r = results[name]
    assert "error" not in r, r["error"]
    expected = run_ort(c)
    for i, want in enumerate(expected):
        inferred = r["inferred"][i]
        assert inferred["dtype"] == TORCH_NAMES[want.dtype], f"output {i} dtype"
        assert inferred["shape"] == list(want.shape), f"output {i} inferred shape"
        folded = r["folded"][i]
        assert folded is not None, f"output {i} was not folded"
        assert folded["dtype"] == TORCH_NAMES[want.dtype]
        assert folded["shape"] == list(want.shape)
        if np.issubdtype(want.dtype, np.floating):
            got = np.array(folded["data"], dtype=np.float64).reshape(want.shape)
            np.testing.assert_allclose(got, want.astype(np.float64), rtol=1e-6, atol=0)
        else:  # exactly, without a detour through float64 (which rounds past 2**53)
            got = np.array(folded["data"], dtype=np.int64).reshape(want.shape)
            np.testing.assert_array_equal(got, want.astype(np.int64))
