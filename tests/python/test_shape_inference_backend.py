"""Shape inference and constant folding against the ONNX backend node tests (onnx 1.22).

Every single-node backend case pt2tf's IR can hold is run twice through the harness
FoldCrossCheck.JsonCases: once with all inputs constant ("const": shape inference sees all
values, and the node is folded when the evaluator covers it), once with data inputs as graph
inputs that only carry dtype and shape ("dynamic", like a real network; small integer inputs
such as Reshape's shape stay constant). Each inferred dtype and shape must agree with the
case's expected output (unknown dims allowed only where truly dynamic), each folded value must
equal the expected output, and no valid case may be rejected.
"""
import collections
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import backend_cases as bc

ROOT = pathlib.Path(__file__).resolve().parents[2]
TESTS_BIN = pathlib.Path(os.environ.get("PT2TF_TESTS", ROOT / "build" / "pt2tf_tests"))
MAX_INPUT_ELEMENTS = 200_000

# Ops whose every backend case must get a fully inferred shape in "const" mode. Extending
# shape inference should extend this list; shrinking it is a regression.
COVERED_OPS = sorted("""
Abs Acos Acosh Add And ArgMax ArgMin Asin Asinh Atan Atanh AveragePool BatchNormalization
BitShift BitwiseAnd BitwiseNot BitwiseOr BitwiseXor Cast CastLike Ceil Celu Clip Compress
Concat Constant ConstantOfShape Conv ConvTranspose Cos Cosh CumProd CumSum DepthToSpace
DequantizeLinear Det Div Dropout Einsum Elu Equal Erf Exp Expand EyeLike Flatten Floor Gather
GatherElements GatherND Gelu Gemm GlobalAveragePool GlobalMaxPool Greater GreaterOrEqual
GroupNormalization HardSigmoid HardSwish Hardmax Identity InstanceNormalization IsInf IsNaN LRN
LayerNormalization LeakyRelu Less LessOrEqual Log LogSoftmax LpNormalization LpPool MatMul Max
MaxPool Mean MeanVarianceNormalization Min Mish Mod Mul Neg Not OneHot Or PRelu Pad Pow
QuantizeLinear RMSNormalization Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp
ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare Relu Reshape Resize
ReverseSequence Round ScatterElements ScatterND Selu Shape Shrink Sigmoid Sign Sin Sinh Size
Slice Softmax Softplus Softsign SpaceToDepth Split Sqrt Squeeze Sub Sum Swish Tan Tanh
ThresholdedRelu Tile TopK Transpose Trilu Unsqueeze Upsample Where Xor
""".split())


def tensor_json(x, with_data):
    d = {"dtype": bc.TORCH_NAMES[x.dtype], "shape": list(x.shape)}
    if with_data:
        data = x.astype(np.int64) if x.dtype == bool else x
        # JSON has no NaN/inf: the harness reads them as strings.
        d["data"] = [v if not isinstance(v, float) or np.isfinite(v) else str(v)
                     for v in data.reshape(-1).tolist()]
    return d


def attr_json(v):
    if isinstance(v, np.ndarray):
        return {"type": "tensor", "value": tensor_json(v, True)}
    if isinstance(v, int):
        return {"type": "int", "value": v}
    if isinstance(v, float):
        return {"type": "float", "value": v}
    if isinstance(v, str):
        return {"type": "string", "value": v}
    if all(isinstance(x, int) for x in v):
        return {"type": "ints", "value": list(v)}
    return {"type": "floats", "value": list(v)}


def harness_case(c, mode):
    inputs = []
    for x in c["inputs"]:
        if x is None:
            inputs.append(None)
            continue
        shape_like = x.dtype in (np.int64, np.int32) and x.size <= 16
        inputs.append(tensor_json(x, mode == "const" or shape_like))
    return {"name": f"{c['name']}:{mode}", "op": c["op"], "domain": c["domain"],
            "num_outputs": len(c["outputs"]), "inputs": inputs,
            "attrs": {k: attr_json(v) for k, v in c["attrs"].items()}}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """{op: [(case name, mode, list of problems, fully inferred?, folded?)]}"""
    if not TESTS_BIN.exists():
        pytest.fail(f"{TESTS_BIN} is missing: build first (make build)")
    cases, meta = [], []
    for _, c, _ in bc.all_cases():
        if c is None or sum(x.size for x in c["inputs"] if x is not None) > MAX_INPUT_ELEMENTS:
            continue
        for mode in ("const", "dynamic"):
            cases.append(harness_case(c, mode))
            meta.append((c, mode))
    tmp = tmp_path_factory.mktemp("backend_shapes")
    (tmp / "cases.json").write_text(json.dumps(cases))
    env = dict(os.environ, PT2TF_FOLD_CASES=str(tmp / "cases.json"),
               PT2TF_FOLD_RESULTS=str(tmp / "results.json"))
    proc = subprocess.run([str(TESTS_BIN), "--gtest_filter=FoldCrossCheck.JsonCases"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads((tmp / "results.json").read_text())
    by_op = collections.defaultdict(list)
    for (c, mode), r in zip(meta, results):
        by_op[c["op"]].append((c["name"], mode, *judge(c, r)))
    return by_op


def judge(c, r):
    """Returns (problems, every output fully inferred, any output folded)."""
    if "error" in r:
        return [f"rejected: {r['error']}"], False, False
    problems, complete, folded_any = [], True, False
    for i, want in enumerate(c["outputs"]):
        if want is None:
            continue
        inferred = r["inferred"][i]
        # Compared wherever inference set one, with or without a shape (the harness reports
        # null for a dtype inference left alone: that only counts as incomplete).
        if inferred["dtype"] is None:
            complete = False
        elif inferred["dtype"] != bc.TORCH_NAMES[want.dtype]:
            problems.append(f"output {i}: dtype {inferred['dtype']}, expected {want.dtype}")
        if inferred["shape"] is None:
            complete = False
        else:
            got = inferred["shape"]
            if len(got) != want.ndim or any(g >= 0 and g != w for g, w in zip(got, want.shape)):
                problems.append(f"output {i}: shape {got}, expected {list(want.shape)}")
            complete &= all(g >= 0 for g in got)
        folded = r["folded"][i]
        if folded is not None:
            folded_any = True
            problems += [f"output {i}: folded {p}" for p in folded_mismatch(folded, want)]
    return problems, complete, folded_any


def folded_mismatch(folded, want):
    """Problems of a folded value against the expected output: its dtype, its shape, and its
    values (integers and bools exactly, parsed from JSON without going through float)."""
    if folded["dtype"] != bc.TORCH_NAMES[want.dtype]:
        return [f"dtype {folded['dtype']}, expected {want.dtype}"]
    if folded["shape"] != list(want.shape) or len(folded["data"]) != want.size:
        return [f"shape {folded['shape']}, expected {list(want.shape)}"]
    if want.dtype.kind in "biu":
        # The harness writes integers as int64 (uint64 wraps): compare in that domain.
        got = np.array(folded["data"], dtype=np.int64)
        if not np.array_equal(got, want.reshape(-1).astype(np.int64)):
            return ["values differ from the expected output"]
        return []
    vals = np.array([float(v) for v in folded["data"]], dtype=np.float64)
    if not np.allclose(vals.reshape(want.shape), want.astype(np.float64), rtol=1e-5, atol=1e-6,
                       equal_nan=True):
        return ["values differ from the expected output"]
    return []


def test_no_valid_case_is_rejected_or_mis_shaped(outcomes):
    bad = [f"{name}:{mode}: {p}" for runs in outcomes.values()
           for name, mode, problems, _, _ in runs for p in problems]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("op", COVERED_OPS)
def test_covered_op_is_fully_inferred(outcomes, op):
    runs = [run for run in outcomes.get(op, []) if run[1] == "const"]
    assert runs, f"no backend cases for {op}"
    missing = [name for name, _, _, complete, _ in runs if not complete]
    assert not missing, f"{op}: shapes not fully inferred for {missing}"


def test_folding_is_exercised(outcomes):
    folded = sum(1 for runs in outcomes.values() for run in runs if run[4])
    assert folded >= 350, f"only {folded} backend cases were folded"


def test_judge_compares_integers_exactly_and_always_dtypes():
    """The checks above on made-up harness results: an off-by-one past 2**53 (and past 1e5,
    where rtol 1e-5 would hide it), a wrong folded dtype, a wrong dtype with unknown shape."""
    big = np.array([2**60, 100_001], dtype=np.int64)
    case = {"outputs": [big]}

    def result(data, dtype="int64", inferred_dtype="int64", shape=(2,)):
        return {"inferred": [{"dtype": inferred_dtype, "shape": list(shape) if shape else None}],
                "folded": [{"dtype": dtype, "shape": [2], "data": data}]}

    assert judge(case, result([2**60, 100_001]))[0] == []
    assert judge(case, result([2**60 + 1, 100_001]))[0]
    assert judge(case, result([2**60, 100_002]))[0]
    assert judge(case, result([2**60, 100_001], dtype="float64"))[0]
    assert judge(case, result([2**60, 100_001], inferred_dtype="int32", shape=None))[0]
    assert judge(case, result([2**60, 100_001], inferred_dtype=None, shape=None))[1] is False
    flags = {"outputs": [np.array([True, False])]}
    assert judge(flags, result([1, 0], dtype="bool", inferred_dtype="bool"))[0] == []
    assert judge(flags, result([1, 0], dtype="uint8", inferred_dtype="bool"))[0]
