"""Writes the fuzzers' seed corpus, tests/fuzz/corpus/<target>/, from real files.

Every seed is made by the real library (torch.save, torch.jit.save, safetensors, onnx,
TensorFlow) from small models with random weights, so the fuzzers start from inputs that
reach deep into each reader. Seeds stay small (a few KiB): libFuzzer mutates faster on small
inputs and the corpus is committed (ctest replays it in every build).

    .venv/bin/python tests/fuzz/make_corpus.py          # rewrites tests/fuzz/corpus/
    .venv/bin/python tests/fuzz/make_corpus.py pt2 tflite   # adds/refreshes those groups only
"""
import hashlib
import io
import os
import pathlib
import shutil
import sys
import tempfile
import zipfile

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parent
CORPUS = ROOT / "corpus"
torch.manual_seed(0)


def put(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(2, 3, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(3)
        self.fc = torch.nn.Linear(3, 2)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        return self.fc(x.mean(dim=(2, 3)))


def saved(obj, **kwargs):
    buf = io.BytesIO()
    torch.save(obj, buf, **kwargs)
    return buf.getvalue()


def torch_seeds():
    model = Tiny().eval()
    sd = model.state_dict()
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    odd = {
        "f16": torch.randn(3, 2).half(),
        "bf16": torch.randn(2, 2).bfloat16(),
        "i64": torch.arange(5),
        "u8": torch.tensor([1, 2, 3], dtype=torch.uint8),
        "bool": torch.tensor([True, False]),
        "view_t": base.t(),  # non-contiguous view of a shared storage
        "view_slice": base[1:3, 2:5],
        "expanded": torch.ones(1, 3).expand(4, 3),  # zero stride
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    seeds = {
        "state_dict": sd,
        "nested": {"state_dict": sd, "epoch": 3, "optimizer": {"lr": 0.1}},
        "dtypes_views": odd,
        "whole_module": model,
    }
    for name, obj in seeds.items():
        zipped = saved(obj)
        put("torch_zip", name + ".pth", zipped)
        put("zip", name + ".zip", zipped)
        with zipfile.ZipFile(io.BytesIO(zipped)) as z:
            pkl = next(n for n in z.namelist() if n.endswith("/data.pkl"))
            put("pickle", name + ".pkl", z.read(pkl))
        put("legacy", name + ".pth", saved(obj, _use_new_zipfile_serialization=False))
    put("torch_zip", "protocol4.pth", saved(sd, pickle_protocol=4))
    put("legacy", "protocol4.pth", saved(sd, _use_new_zipfile_serialization=False,
                                         pickle_protocol=4))
    for protocol in (0, 1, 5):
        import pickle
        put("pickle", f"plain_protocol{protocol}.pkl",
            pickle.dumps({"a": [1, 2.5, "x", b"y", None, True, (1, 2), {3}, 2**70]},
                         protocol=protocol))
    script = torch.jit.script(model)
    buf = io.BytesIO()
    torch.jit.save(script, buf)
    put("torchscript", "tiny_script.pt", buf.getvalue())
    put("zip", "tiny_script.zip", buf.getvalue())
    traced = torch.jit.trace(torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()).eval(),
                             torch.randn(1, 4))
    buf = io.BytesIO()
    torch.jit.save(traced, buf)
    put("torchscript", "traced_linear.pt", buf.getvalue())
    # Zips the zip reader must also handle: deflate, ZIP64 records, an empty archive.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("top/a.txt", "hello " * 50)
        z.writestr("top/b.bin", bytes(range(256)))
    put("zip", "deflate.zip", buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        with z.open("top/big.bin", "w", force_zip64=True) as f:
            f.write(b"\x01" * 100)
    put("zip", "zip64.zip", buf.getvalue())
    buf = io.BytesIO()
    zipfile.ZipFile(buf, "w").close()
    put("zip", "empty.zip", buf.getvalue())


def safetensors_seeds():
    from safetensors.torch import save
    put("safetensors", "tiny.safetensors", save(Tiny().state_dict(), metadata={"format": "pt"}))
    put("safetensors", "dtypes.safetensors",
        save({"h": torch.randn(2, 2).half(), "i": torch.arange(3, dtype=torch.int32),
              "e": torch.zeros(0), "s": torch.tensor(1.0)}))


def onnx_seeds():
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    model = Tiny().eval()
    buf = io.BytesIO()
    torch.onnx.export(model, torch.randn(1, 2, 5, 5), buf, opset_version=17, dynamo=False,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}})
    put("onnx", "tiny_opset17.onnx", buf.getvalue())
    buf = io.BytesIO()
    torch.onnx.export(model, torch.randn(1, 2, 5, 5), buf, opset_version=11, dynamo=False)
    put("onnx", "tiny_opset11.onnx", buf.getvalue())
    # External data: fuzz_onnx writes a 4 KiB weights.bin next to the model.
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 4])
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "weights.bin"), ("offset", "64"), ("length", "64")):
        e = w.external_data.add()
        e.key, e.value = k, v
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Relu", ["m"], ["y"])],
        "ext", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [w])
    put("onnx", "external_data.onnx",
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    c = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "c")
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "c"], ["s"]),
         helper.make_node("Reshape", ["s", "shape"], ["r"]),
         helper.make_node("Transpose", ["r"], ["y"], perm=[1, 0])],
        "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [c, numpy_helper.from_array(np.array([3, 2], dtype=np.int64), "shape")])
    put("onnx", "initializers.onnx",
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString())


def tf_seeds():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    class M(tf.Module):
        def __init__(self):
            self.w = tf.Variable(tf.random.normal([3, 2]))

        @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")])
        def __call__(self, x):
            return {"y": tf.nn.relu(tf.matmul(x, self.w) + 1.0)}

    m = M()
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)
    frozen = convert_variables_to_constants_v2(m.__call__.get_concrete_function())
    put("graphdef", "frozen_matmul.pb", frozen.graph.as_graph_def().SerializeToString())
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, 4, 4, 2], name="input")
        k = tf.constant(np.random.rand(3, 3, 2, 2).astype(np.float32))
        y = tf.nn.conv2d(x, k, 1, "SAME")
        tf.identity(tf.nn.max_pool2d(y, 2, 2, "VALID"), name="output")
    put("graphdef", "conv_pool.pb", g.as_graph_def().SerializeToString())
    with tempfile.TemporaryDirectory() as d:
        tf.saved_model.save(m, d)
        put("savedmodel", "tf2_module.pb", (pathlib.Path(d) / "saved_model.pb").read_bytes())


def pt2_seeds():
    model = Tiny().eval()
    x = torch.randn(2, 2, 5, 5)
    for name, dyn in (("tiny", None), ("tiny_dynamic_batch",
                                       {"x": {0: torch.export.Dim("batch", min=1, max=64)}})):
        ep = torch.export.export(model, (x,), dynamic_shapes=dyn)
        buf = io.BytesIO()
        torch.export.save(ep, buf)
        put("pt2", name + ".pt2", buf.getvalue())


def tflite_seeds():
    """TensorFlow's own converter (a third-party writer), and pt2tf's writer when built."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, 6, 6, 2], tf.float32, name="x")])
        def __call__(self, x):
            k = tf.constant(np.random.default_rng(0).random((3, 3, 2, 4), dtype=np.float32))
            y = tf.nn.relu(tf.nn.conv2d(x, k, 1, "SAME"))
            return {"y": tf.reduce_mean(tf.nn.max_pool2d(y, 2, 2, "VALID"), axis=[1, 2])}

    m = M()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([m.__call__.get_concrete_function()],
                                                           m)
    put("tflite", "tf_converter_conv.tflite", conv.convert())
    pt2tf = ROOT.parents[1] / "build" / "pt2tf"
    if not pt2tf.exists():
        print("make_corpus: build/pt2tf not built: no pt2tf-written .tflite seeds")
        return
    import subprocess
    with tempfile.TemporaryDirectory() as d:
        onnx_path = pathlib.Path(d) / "tiny.onnx"
        torch.onnx.export(Tiny().eval(), torch.randn(1, 2, 5, 5), str(onnx_path),
                          opset_version=17, dynamo=False, input_names=["x"])
        for name, extra in (("pt2tf_fp32", []), ("pt2tf_fp16", ["--precision", "fp16"]),
                            ("pt2tf_offset", ["--tflite-buffers", "offset"])):
            out = pathlib.Path(d) / f"{name}.tflite"
            subprocess.run([str(pt2tf), "convert", "-i", str(onnx_path), "-o", str(out), *extra],
                           check=True, capture_output=True)
            put("tflite", out.name, out.read_bytes())


def tflite_eval_seeds():
    """For the evaluator (fuzz_tflite_eval): the tflite seeds that run, a float and an int8
    file of test_quantize.kernels_model (attention, LayerNorm, resizes, gathers, tiles,
    comparisons, elementwise math) and of test_quantize.index_cnn (LRN, CUMSUM, TOPK_V2,
    ARG_MAX, ONE_HOT beside int8 convs), and the float file of each
    test_quantize.index_kernel_cases graph (CUMSUM's flags, ARG_MAX / ARG_MIN / REVERSE_V2,
    DYNAMIC_UPDATE_SLICE, UNSORTED_SEGMENT_MAX / MIN,
    TOPK_V2, ONE_HOT, GATHER_ND, LRN, ZEROS_LIKE, RIGHT_SHIFT, BITWISE_XOR), written by pt2tf."""
    pt2tf = ROOT.parents[1] / "build" / "pt2tf"
    if not pt2tf.exists():
        print("make_corpus: build/pt2tf not built: no tflite_eval seeds")
        return
    import subprocess
    sys.path.insert(0, str(ROOT.parents[1] / "tests" / "python"))
    from test_quantize import index_cnn, index_kernel_cases, kernels_model
    import onnx
    for name in ("pt2tf_fp32", "pt2tf_fp16", "tf_converter_conv"):
        src = CORPUS / "tflite" / f"{name}.tflite"
        if src.exists():
            put("tflite_eval", src.name, src.read_bytes())
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        torch.onnx.export(kernels_model(), torch.zeros(1, 3, 8, 8), str(d / "k.onnx"),
                          opset_version=17, dynamo=False, input_names=["x"])
        np.save(d / "calib.npy",
                np.random.default_rng(0).standard_normal((10, 3, 8, 8)).astype(np.float32))
        for name, extra in (("kernels_fp32", []),
                            ("kernels_int8", ["--quantize", "int8", "--calibration",
                                              str(d / "calib.npy")])):
            out = d / f"{name}.tflite"
            subprocess.run([str(pt2tf), "convert", "-q", "-i", str(d / "k.onnx"), "-o", str(out),
                            *extra], check=True, capture_output=True)
            put("tflite_eval", out.name, out.read_bytes())
        onnx.save(index_cnn(), d / "i.onnx")
        for name, extra in (("index_cnn_fp32", []),
                            ("index_cnn_int8", ["--quantize", "int8", "--calibration",
                                                str(d / "calib.npy")])):
            out = d / f"{name}.tflite"
            subprocess.run([str(pt2tf), "convert", "-q", "-i", str(d / "i.onnx"), "-o", str(out),
                            *extra], check=True, capture_output=True)
            put("tflite_eval", out.name, out.read_bytes())
        for name, (model, _, _) in index_kernel_cases().items():
            onnx.save(model, d / f"{name}.onnx")
            out = d / f"op_{name}.tflite"
            subprocess.run([str(pt2tf), "convert", "-q", "-i", str(d / f"{name}.onnx"), "-o",
                            str(out)], check=True, capture_output=True)
            put("tflite_eval", out.name, out.read_bytes())


GROUPS = {"torch": torch_seeds, "safetensors": safetensors_seeds, "onnx": onnx_seeds,
          "tf": tf_seeds, "pt2": pt2_seeds, "tflite": tflite_seeds,
          "tflite_eval": tflite_eval_seeds}


def main():
    groups = sys.argv[1:] or list(GROUPS)
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        sys.exit(f"make_corpus: unknown seed group {unknown[0]} (known: {', '.join(GROUPS)})")
    if groups == list(GROUPS) and CORPUS.exists():
        shutil.rmtree(CORPUS)
    for g in groups:
        GROUPS[g]()
    total = 0
    for d in sorted(CORPUS.iterdir()):
        files = list(d.iterdir())
        size = sum(f.stat().st_size for f in files)
        total += size
        print(f"{d.name:12s} {len(files):3d} seeds {size:8d} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    sys.exit(main())
