"""pt2tf's TFLite writer on small models, the ONNX output's independence from the other
outputs, and `inspect` on .tflite files (including hostile ones).

Models come from test_tf_writer.py (exported with torch.onnx.export, opset 17), converted
with `pt2tf convert -o m.tflite` (NCHW and --input-layout nhwc) and run in the LiteRT
interpreter with XNNPACK; compared with PyTorch eval (max|diff| <= 1e-4 * max(1, max|ref|))
and, for ONNX input, with ONNX Runtime on the same file.
"""
import json
import struct

import numpy as np
import pytest

import tflite_runner as tfl
from conftest import run_pt2tf
from test_tf_writer import MODELS, assert_close, exported  # noqa: F401 (fixture)

CASES = [(name, False) for name in sorted(MODELS)] + [
    (name, True) for name in ("conv_bn_pool_linear", "se_net", "heads", "conv1d", "pixel_shuffle")]


@pytest.mark.parametrize("name,dynamo", CASES)
def test_tflite_matches_pytorch(name, dynamo, exported, tmp_path):
    onnx_path, x, ref = exported(name, dynamo)
    for layout in ("nchw", "nhwc"):
        out = tmp_path / f"{name}_{layout}.tflite"
        run_pt2tf("convert", "-i", onnx_path, "-o", out, "--input-layout", layout)
        feed = x if layout == "nchw" or x.ndim < 3 else np.ascontiguousarray(np.moveaxis(x, 1, -1))
        assert_close(tfl.run(out, {"input": feed}), ref, f"{name} ({layout})")
        ops = tfl.ops(out)
        assert "DEQUANTIZE" not in ops, ops
        if MODELS[name][2]:  # CNN: the layout rules of the TF writer hold here too
            limit = (0 if layout == "nhwc" else 1) + sum(1 for r in ref.values() if r.ndim >= 3)
            assert ops["TRANSPOSE"] <= limit, ops


@pytest.mark.parametrize("dynamo", [False, True])
def test_onnx_hardswish_is_one_builtin(dynamo, exported, tmp_path):
    """ONNX HardSwish (both exporters; se_net calls F.hardswish twice) lowers to
    AddV2/Relu6/Mul/RealDiv for TF; the TFLite writer emits HARD_SWISH for that chain."""
    onnx_path, x, ref = exported("se_net", dynamo)
    out = tmp_path / "se_net.tflite"
    run_pt2tf("convert", "-i", onnx_path, "-o", out)
    assert_close(tfl.run(out, {"input": x}), ref, "se_net")
    ops = tfl.ops(out)
    assert ops["HARD_SWISH"] == 2 and ops["RELU6"] == 0 and ops["DIV"] == 0, ops


def test_tflite_matches_onnx_runtime(exported, tmp_path):
    """ONNX input: the reference is ONNX Runtime on the very file converted."""
    import onnxruntime as ort

    onnx_path, x, _ = exported("inception")
    ref = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"]).run(
        None, {"input": x})[0]
    out = tmp_path / "m.tflite"
    run_pt2tf("convert", "-i", onnx_path, "-o", out)
    assert_close(tfl.run(out, {"input": x}), {"output": ref}, "inception vs ORT")


def test_fp16_weights(exported, tmp_path):
    onnx_path, x, ref = exported("conv_bn_pool_linear")
    fp32, fp16 = tmp_path / "a.tflite", tmp_path / "b.tflite"
    run_pt2tf("convert", "-i", onnx_path, "-o", fp32)
    run_pt2tf("convert", "-i", onnx_path, "-o", fp16, "--precision", "fp16")
    got = tfl.run(fp16, {"input": x})["output"]
    tfl.assert_close_fp16(got, ref["output"], "fp16")
    # conv 8x3x3x3, depthwise 8x1x3x3, fc 10x128: the weights; the 8/10-element biases and
    # BN shifts stay float32 (too small to matter).
    assert tfl.ops(fp16)["DEQUANTIZE"] == 3, tfl.ops(fp16)
    # A model this small is mostly FlatBuffer metadata: compare the weight bytes (the zoo test
    # compares whole files).
    w32 = json.loads(run_pt2tf("inspect", fp32, "--json").stdout)["weight_bytes"]
    w16 = json.loads(run_pt2tf("inspect", fp16, "--json").stdout)["weight_bytes"]
    assert w16 <= 0.55 * w32, (w16, w32)
    # float16 rounding really happened: the fp16 result is not the fp32 one.
    assert float(np.max(np.abs(got - tfl.run(fp32, {"input": x})["output"]))) > 0


def _buffers(path):
    """[(data length, offset, size)] of every Buffer of a .tflite, read from the FlatBuffer."""
    from ai_edge_litert import schema_py_generated as schema

    model = schema.Model.GetRootAs(bytearray(path.read_bytes()), 0)
    return [(b.DataLength(), b.Offset(), b.Size())
            for b in (model.Buffers(i) for i in range(model.BuffersLength()))]


@pytest.mark.parametrize("flags", [[], ["--precision", "fp16"], ["--quantize", "dynamic-int8"]])
def test_offset_buffers_run_as_inline(flags, exported, tmp_path):
    """--tflite-buffers offset (the layout of files over 2 GiB, forced on a small model): every
    weight lies after the FlatBuffer, 64-byte aligned, named by Buffer.offset/size; LiteRT
    (from a path and from memory) and pt2tf's own evaluator give the same outputs as for the
    inline file, and `inspect` counts the same weight bytes."""
    onnx_path, x, ref = exported("conv_bn_pool_linear")
    inline, offset = tmp_path / "inline.tflite", tmp_path / "offset.tflite"
    run_pt2tf("convert", "-i", onnx_path, "-o", inline, "--tflite-buffers", "inline", *flags)
    run_pt2tf("convert", "-i", onnx_path, "-o", offset, "--tflite-buffers", "offset", *flags)
    size = offset.stat().st_size
    placed = _buffers(offset)
    weights = [b for b in placed[1:] if b[2] > 0]
    assert len(weights) == sum(1 for b in _buffers(inline)[1:] if b[0] > 0) > 0
    assert all(n == 0 and off % 64 == 0 and off + sz <= size for n, off, sz in weights), placed
    assert all(off == 0 for _, off, _ in _buffers(inline)), _buffers(inline)
    want = tfl.run(inline, {"input": x})["output"]
    got = tfl.run(offset, {"input": x})["output"]
    assert np.array_equal(got, want)
    from ai_edge_litert.interpreter import Interpreter
    runner = Interpreter(model_content=offset.read_bytes()).get_signature_runner()
    assert np.array_equal(runner(input=x)["output"], want)
    if not flags:
        assert_close({"output": got}, ref, "offset buffers")
    np.save(tmp_path / "x.npy", x)
    sims = []
    for f in (inline, offset):
        run_pt2tf("run", "-i", f, "--inputs", tmp_path / "x.npy", "-o", tmp_path / "sim.npz")
        sims.append(np.load(tmp_path / "sim.npz")["output"])
    assert np.array_equal(sims[0], sims[1])
    info = [json.loads(run_pt2tf("inspect", f, "--json").stdout) for f in (inline, offset)]
    assert info[0]["weight_bytes"] == info[1]["weight_bytes"] > 0


def test_offset_buffer_past_the_end_is_refused(exported, tmp_path):
    """A hostile offset file: a Buffer.offset/size that passes the end of the file is a
    one-line error for `inspect` and `run`, not a read out of bounds."""
    onnx_path, x, _ = exported("conv_bn_pool_linear")
    good = tmp_path / "offset.tflite"
    run_pt2tf("convert", "-i", onnx_path, "-o", good, "--tflite-buffers", "offset")
    data = bytearray(good.read_bytes())
    first = next(off for _, off, sz in _buffers(good) if sz > 0)
    at = data.find(struct.pack("<Q", first))  # the Buffer's offset field
    assert at > 0
    struct.pack_into("<Q", data, at, len(data) - 4)
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(bytes(data))
    np.save(tmp_path / "x.npy", x)
    for args in (["inspect", bad], ["run", "-i", bad, "--inputs", tmp_path / "x.npy",
                                    "-o", tmp_path / "o.npz"]):
        proc = run_pt2tf(*args, check=False, timeout=20)
        assert proc.returncode == 1, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "passes the end" in lines[0] and str(bad) in lines[0], lines
    assert not (tmp_path / "o.npz").exists()


def test_onnx_output_does_not_depend_on_other_outputs(exported, tmp_path):
    """BN and Pad folding for the TF family happen on the writers' own copy: the .onnx is
    byte-identical whatever else is written and in whatever order."""
    onnx_path, _, _ = exported("conv_variants")  # ZeroPad2d before a conv, convs without BN
    onnx_bn, _, _ = exported("conv_bn_pool_linear")  # BN after convs
    for src in (onnx_path, onnx_bn):
        orders = [["a.onnx"], ["a.pb", "a.onnx"], ["a.onnx", "a.pb"],
                  ["a.tflite", "s/", "a.onnx"], ["a.onnx", "a.tflite", "a.pb", "s/"]]
        written = []
        for i, order in enumerate(orders):
            d = tmp_path / f"{src.stem}_{i}"
            d.mkdir()
            args = []
            for o in order:
                args += ["-o", f"{d}/{o}"]
            run_pt2tf("convert", "-i", src, *args)
            written.append((d / "a.onnx").read_bytes())
        assert all(w == written[0] for w in written), f"{src.name}: .onnx differs by -o order"


def test_unsupported_op_is_refused_in_one_line(tmp_path):
    import onnx
    import onnx.helper as oh

    # TFLite has no bitwise AND builtin (only BITWISE_XOR and RIGHT_SHIFT).
    a = oh.make_tensor_value_info("a", onnx.TensorProto.INT32, [4])
    b = oh.make_tensor_value_info("b", onnx.TensorProto.INT32, [4])
    y = oh.make_tensor_value_info("y", onnx.TensorProto.INT32, [4])
    graph = oh.make_graph([oh.make_node("BitwiseAnd", ["a", "b"], ["y"], name="the_and")], "g",
                          [a, b], [y])
    src = tmp_path / "and.onnx"
    onnx.save(oh.make_model(graph, opset_imports=[oh.make_opsetid("", 18)]), str(src))
    proc = run_pt2tf("convert", "-i", src, "-o", tmp_path / "and.tflite", check=False)
    assert proc.returncode == 1, proc.stderr
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "and.tflite" in err and "the_and" in err and "BitwiseAnd" in err, err
    assert not (tmp_path / "and.tflite").exists()


def _runtime_axes_model(tmp_path, second):
    """ReduceSum with axes fed at run time (a tensor of run-time shape), then `second`."""
    import onnx
    import onnx.helper as oh

    x = oh.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 3, 4])
    axes = oh.make_tensor_value_info("axes", onnx.TensorProto.INT64, [1])
    y = oh.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)
    nodes = [oh.make_node("ReduceSum", ["x", "axes"], ["s"], keepdims=1, name="the_sum"), second]
    graph = oh.make_graph(nodes, "g", [x, axes], [y])
    src = tmp_path / "dyn.onnx"
    if second.op_type == "Tile":
        graph.initializer.append(oh.make_tensor("reps", onnx.TensorProto.INT64, [3], [1, 2, 1]))
    onnx.save(oh.make_model(graph, opset_imports=[oh.make_opsetid("", 18)]), str(src))
    return src


@pytest.mark.parametrize("second", ["Transpose", "Tile", "ArgMax"])
def test_runtime_shape_operand_is_carried(second, tmp_path):
    """A reduction with axes fed at run time gives a tensor of run-time shape; a Transpose,
    a Tile with constant multiples or an ArgMax after it carries the run-time dims (the
    kernel sizes its output from whatever it gets): LiteRT against NumPy for two axes."""
    import onnx.helper as oh
    node = {"Transpose": oh.make_node("Transpose", ["s"], ["y"], perm=[2, 0, 1]),
            "Tile": oh.make_node("Tile", ["s", "reps"], ["y"]),
            "ArgMax": oh.make_node("ArgMax", ["s"], ["y"], axis=2, keepdims=0)}[second]
    src = _runtime_axes_model(tmp_path, node)
    run_pt2tf("convert", "-i", src, "-o", tmp_path / "dyn.tflite")
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    for a in (1, 2):
        got = tfl.run_resized(tmp_path / "dyn.tflite", {"x": x, "axes": np.array([a])})[0]
        s = x.sum(axis=a, keepdims=True)
        ref = {"Transpose": lambda: np.transpose(s, (2, 0, 1)),
               "Tile": lambda: np.tile(s, (1, 2, 1)),
               "ArgMax": lambda: s.argmax(axis=2)}[second]()
        if second == "ArgMax":
            assert got["y"].shape == ref.shape and (got["y"] == ref).all(), (got, ref)
        else:
            assert_close(got, {"y": ref}, f"{second}, axes [{a}]")


def test_runtime_shape_operand_is_refused_by_static_ops(tmp_path):
    """An op that needs a size after a run-time-shaped tensor (a Split into equal parts along
    a run-time dim: the part size) is refused in one line, not miswritten."""
    import onnx.helper as oh
    src = _runtime_axes_model(tmp_path, oh.make_node("Split", ["s"], ["y", "z"], axis=2,
                                                     num_outputs=2, name="the_split"))
    proc = run_pt2tf("convert", "-i", src, "-o", tmp_path / "dyn.tflite", check=False)
    assert proc.returncode == 1, proc.stderr
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "Split" in err and "must be known when converting" in err, err
    assert "--input-shape" in err, err
    assert not (tmp_path / "dyn.tflite").exists()


def test_inspect_reads_our_tflite(exported, tmp_path):
    onnx_path, _, _ = exported("se_net")
    out = tmp_path / "m.tflite"
    run_pt2tf("convert", "-i", onnx_path, "-o", out)
    info = json.loads(run_pt2tf("inspect", out, "--json").stdout)
    assert info["format"] == "tflite"
    assert [i["name"] for i in info["inputs"]] == ["input"]
    assert info["inputs"][0]["shape"] == list(MODELS["se_net"][1])
    assert [o["name"] for o in info["outputs"]] == ["output"]
    assert info["ops"] == dict(tfl.ops(out))  # the interpreter's own reading of the file
    assert info["weight_bytes"] > 0


def _valid_tflite(exported, tmp_path):
    onnx_path, _, _ = exported("conv_bn_pool_linear")
    out = tmp_path / "good.tflite"
    run_pt2tf("convert", "-i", onnx_path, "-o", out)
    return out.read_bytes()


def _hostile_files(good):
    root = struct.unpack_from("<I", good, 0)[0]
    vtable = root - struct.unpack_from("<i", good, root)[0]
    cases = {
        "empty": b"",
        "header_only": good[:8],
        "truncated_half": good[: len(good) // 2],
        "truncated_metadata": good[:200],
        "root_past_end": struct.pack("<I", len(good) + 100) + good[4:],
        "vtable_past_end": good[:root] + struct.pack("<i", -(len(good) * 4)) + good[root + 4:],
        "wrong_identifier": good[:4] + b"XXXX" + good[8:],
    }
    # Every offset field of the root table (all but field 0, the scalar `version`) pointed
    # past the end, one at a time.
    vt_len = struct.unpack_from("<H", good, vtable)[0]
    for slot in range(3, vt_len // 2):
        field = struct.unpack_from("<H", good, vtable + 2 * slot)[0]
        if field == 0:
            continue
        at = root + field
        bad = bytearray(good)
        struct.pack_into("<I", bad, at, 0x7FFFFFF0)
        cases[f"model_field{slot - 2}_offset_past_end"] = bytes(bad)
    # Garbage of every kind behind a valid header.
    rng = np.random.default_rng(0)
    for n in range(5):
        bad = bytearray(good)
        idx = rng.integers(8, len(good), size=64)
        for i in idx:
            bad[i] = int(rng.integers(0, 256))
        cases[f"random_bytes_{n}"] = bytes(bad)
    return cases


def test_inspect_refuses_hostile_tflite_in_one_line(exported, tmp_path):
    good = _valid_tflite(exported, tmp_path)
    for name, data in _hostile_files(good).items():
        path = tmp_path / f"{name}.tflite"
        path.write_bytes(data)
        proc = run_pt2tf("inspect", path, check=False, timeout=20)
        if name.startswith("random_bytes") and proc.returncode == 0:
            continue  # a mutation that left a valid model is fine; a crash is not
        assert proc.returncode == 1, f"{name}: exit {proc.returncode}: {proc.stderr[-300:]}"
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0], f"{name}: {proc.stderr}"


# ScatterND of one index tuple: (indices shape, updates shape, indices value or None for a
# run-time input) into data [4, 3, 5]. The last is a negative index (ONNX counts from the end).
SINGLE_SCATTERS = {
    "row": ([1, 1], [1, 3, 5], [[2]]),
    "row_runtime_index": ([1, 1], [1, 3, 5], None),
    "depth2": ([1, 2], [1, 5], [[3, 1]]),
    "lead2": ([1, 1, 1], [1, 1, 3, 5], [[[1]]]),
    "negative": ([1, 1], [1, 3, 5], [[-1]]),
}


@pytest.mark.parametrize("case", sorted(SINGLE_SCATTERS))
def test_single_index_scatter_is_one_dynamic_update_slice(case, tmp_path):
    """A ScatterND writing one block (a per-step write into a buffer) becomes one
    DYNAMIC_UPDATE_SLICE instead of the SCATTER_ND + mask form, which touches every element of
    the data; LiteRT and pt2tf's evaluator (`pt2tf run` on the .tflite) both match ONNX Runtime
    exactly."""
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    ishape, ushape, ivalue = SINGLE_SCATTERS[case]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 3, 5]),
              helper.make_tensor_value_info("u", TensorProto.FLOAT, ushape)]
    inits = []
    if ivalue is None:
        inputs.append(helper.make_tensor_value_info("i", TensorProto.INT64, ishape))
    else:
        inits.append(numpy_helper.from_array(np.array(ivalue, np.int64), "i"))
    graph = helper.make_graph([helper.make_node("ScatterND", ["x", "i", "u"], ["y"])], "g",
                              inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                                                     [4, 3, 5])],
                              initializer=inits)
    model = tmp_path / "m.onnx"
    model.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
                      .SerializeToString())
    rng = np.random.default_rng(0)
    feeds = {"x": rng.standard_normal((4, 3, 5)).astype(np.float32),
             "u": rng.standard_normal(ushape).astype(np.float32)}
    if ivalue is None:
        feeds["i"] = np.array([[1]], np.int64)
    ref = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    out = tmp_path / "m.tflite"
    run_pt2tf("convert", "-i", model, "-o", out, "-q")
    counts = tfl.ops(out)
    assert counts["DYNAMIC_UPDATE_SLICE"] == 1 and "SCATTER_ND" not in counts, counts
    got = tfl.run_resized(out, feeds)[0]["y"]  # (XNNPACK takes none of this graph)
    np.testing.assert_array_equal(got, ref)
    np.savez(tmp_path / "in.npz", **feeds)
    run_pt2tf("run", "-i", out, "--inputs", tmp_path / "in.npz", "-o", tmp_path / "sim.npz")
    with np.load(tmp_path / "sim.npz") as sim:
        np.testing.assert_array_equal(sim["y"], ref)


@pytest.mark.parametrize("op", ["ScatterElements", "ScatterND"])
@pytest.mark.parametrize("reduction", ["max", "min"])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_max_min_scatter(op, reduction, dtype, tmp_path):
    """Scatter with reduction max / min (opset 18; torch's scatter_reduce amax / amin) as
    UNSORTED_SEGMENT_MAX / MIN over the updates, then MAXIMUM / MINIMUM with the data: indices
    that repeat (reduced together), positions nothing is written to (the data kept), against
    ONNX Runtime exactly, in LiteRT and in pt2tf's evaluator."""
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    t = TensorProto.FLOAT if dtype == "float32" else TensorProto.INT32
    rng = np.random.default_rng(0)
    if op == "ScatterElements":
        idx = np.array([[0, 2, 0], [1, 1, 4], [3, 3, 3], [4, 0, 2]], np.int64)
        ushape, attrs = [4, 3], {"axis": 1}
    else:
        idx = np.array([[2], [0], [2], [3]], np.int64)
        ushape, attrs = [4, 5], {}
    node = helper.make_node(op, ["x", "i", "u"], ["y"], reduction=reduction, **attrs)
    graph = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("x", t, [4, 5]),
                               helper.make_tensor_value_info("u", t, ushape)],
                              [helper.make_tensor_value_info("y", t, [4, 5])],
                              initializer=[numpy_helper.from_array(idx, "i")])
    model = tmp_path / "m.onnx"
    model.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
                      .SerializeToString())
    feeds = {"x": (rng.standard_normal((4, 5)) * 10).astype(dtype),
             "u": (rng.standard_normal(ushape) * 10).astype(dtype)}
    ref = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    out = tmp_path / "m.tflite"
    run_pt2tf("convert", "-i", model, "-o", out, "-q")
    counts = tfl.ops(out)
    assert counts[f"UNSORTED_SEGMENT_{reduction.upper()}"] == 1, counts
    np.testing.assert_array_equal(tfl.run_resized(out, feeds)[0]["y"], ref)
    np.savez(tmp_path / "in.npz", **feeds)
    run_pt2tf("run", "-i", out, "--inputs", tmp_path / "in.npz", "-o", tmp_path / "sim.npz")
    with np.load(tmp_path / "sim.npz") as sim:
        np.testing.assert_array_equal(sim["y"], ref)
