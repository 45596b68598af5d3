"""Zoo models through the TensorFlow writers: .pth → .pb / SavedModel, run in TensorFlow (CPU)
on a random input, compared with PyTorch eval (max|diff| <= 1e-4 * max(1, max|ref|)), and
the graph-quality rules of issue 4 checked on the .pb: at most one Transpose (at the NCHW
input), none with --input-layout nhwc, no Identity/Dropout left but the output's, no
BatchNorm after a Conv.

TensorFlow's first Session.run of a frozen graph spends tens of seconds in Grappler on
graphs with large constants (alexnet: ~60 s; vgg11: ~100 s and 8.7 GB of memory), so CI runs
a representative set (with one model over 50M parameters, alexnet); set PT2TF_TF_ZOO=all to
run every zoo model. Models over 50M parameters run with Grappler off (the same kernels,
without its graph rewrites).
"""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

import zoo_harness as zh
from conftest import PT2TF, run_pt2tf_json
from test_zoo_effnet import calibrate
from tf_runner import tf_runner  # noqa: F401 (fixture)

# alexnet (61M parameters) is the one model over 50M in CI, for the large-constant path: the
# cheapest to run of those (resnet152, the smallest, needs 16x its FLOPs), and its 151 MB
# classifier weight is the zoo's largest single constant short of vgg's.
CI_MODELS = ["civilnet", "resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small",
             "mobilenet_v3_large", "efficientnet-b0", "efficientnet-b3", "efficientnet_b0",
             "squeezenet1_1", "densenet121", "alexnet"]
# One command, three outputs (.onnx, .pb, SavedModel) from one read of the checkpoint,
# each compared with PyTorch: checked on a few in CI, on every model with PT2TF_TF_ZOO=all.
THREE_OUTPUTS = {"civilnet", "resnet50", "efficientnet-b3"}


def zoo_names():
    if os.environ.get("PT2TF_TF_ZOO") == "all":
        return [m["name"] for m in run_pt2tf_json("models", "--json")]
    return CI_MODELS


class Cache(zh.CheckpointCache):
    """EfficientNets and MobileNets get BN statistics calibrated on the test input (see
    test_zoo_effnet.py: with random statistics their activations explode and float32
    rounding differences grow past any tolerance)."""

    def model(self, name, seed=0):
        if (name, seed) not in self._models and name.startswith(("efficientnet", "mobilenet")):
            size = zh.default_input_shape(name)[2:]
            self._models[(name, seed)] = calibrate(zh.make_torch_model(name, seed), size)
        return super().model(name, seed)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return Cache(tmp_path_factory.mktemp("tf_zoo"))


def check_graph(nodes, nhwc):
    ops = [op for _, op, _ in nodes]
    assert ops.count("Transpose") <= (0 if nhwc else 1), f"{ops.count('Transpose')} Transposes"
    assert ops.count("Identity") == 1, "Identity leftovers"
    assert "Dropout" not in ops
    producer = {name: op for name, op, _ in nodes}
    for name, op, inputs in nodes:
        if op.startswith("FusedBatchNorm"):
            src = producer.get(inputs[0].split(":")[0])
            assert src not in ("Conv2D", "DepthwiseConv2dNative", "BiasAdd"), f"BN after conv: {name}"


def convert_three_outputs(checkpoint, name, tmp_path):
    """`pt2tf convert -o NAME.onnx -o NAME.pb -o NAME_saved/` under strace, asserting the
    checkpoint is opened exactly once (one read for every output)."""
    assert shutil.which("strace"), "strace is missing: scripts/setup.sh installs it"
    trace = tmp_path / "openat.trace"
    cmd = ["strace", "-f", "-qq", "-e", "trace=open,openat", "-o", str(trace),
           str(PT2TF), "convert", "-i", str(checkpoint), "--model", name,
           "-o", str(tmp_path / f"{name}.onnx"), "-o", str(tmp_path / f"{name}.pb"),
           "-o", f"{tmp_path / (name + '_saved')}/", "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert len(summary["outputs"]) == 3, summary
    opens = [line for line in trace.read_text().splitlines()
             if f'"{checkpoint}"' in line and "ENOENT" not in line]
    assert len(opens) == 1, f"the checkpoint was opened {len(opens)} times:\n" + "\n".join(opens)


def remove_outputs(directory):
    """A run over the whole zoo writes ~40 GB of models: each test removes its own."""
    for p in directory.iterdir():
        shutil.rmtree(p) if p.is_dir() else p.unlink()


def optimize(name):
    return zh.parameter_count(name) <= 50_000_000


@pytest.mark.parametrize("name", zoo_names())
def test_zoo_model_in_tensorflow(name, cache, tmp_path, tf_runner):
    checkpoint, model = cache.state_dict(name)
    opt = optimize(name)
    shape = zh.default_input_shape(name)
    x = zh.random_input(shape)
    ref = zh.torch_reference(model, x)
    try:
        pb = tmp_path / f"{name}.pb"
        if name in THREE_OUTPUTS or os.environ.get("PT2TF_TF_ZOO") == "all":
            convert_three_outputs(checkpoint, name, tmp_path)
            zh.assert_close(zh.run_onnx(tmp_path / f"{name}.onnx", x), ref, f"{name} .onnx")
            got = tf_runner.run_saved(tmp_path / f"{name}_saved", {"input": x},
                                      optimize=opt)["output"]
            zh.assert_close(got, ref, f"{name} SavedModel")
        else:
            zh.convert(checkpoint, pb, model=name)
        got = tf_runner.run_frozen(pb, {"input": x}, ["output"], optimize=opt)["output"]
        zh.assert_close(got, ref, f"{name} .pb")
        check_graph(tf_runner.nodes(pb), nhwc=False)

        pb_nhwc = tmp_path / f"{name}_nhwc.pb"
        zh.convert(checkpoint, pb_nhwc, model=name, extra=["--input-layout", "nhwc"])
        got = tf_runner.run_frozen(pb_nhwc, {"input": np.moveaxis(x, 1, -1)}, ["output"],
                                   optimize=opt)["output"]
        zh.assert_close(got, ref, f"{name} .pb (nhwc)")
        check_graph(tf_runner.nodes(pb_nhwc), nhwc=True)
    finally:
        cache.forget(name)
        remove_outputs(tmp_path)


EXPORTED_CI = [("resnet18", "legacy"), ("resnet18", "dynamo"), ("mobilenet_v3_small", "dynamo"),
               ("efficientnet-b0", "legacy"), ("efficientnet-b0", "dynamo"),
               ("efficientnet_b0", "dynamo")]


def exported_cases():
    if os.environ.get("PT2TF_TF_ZOO") == "all":
        return [(n, e) for n in zoo_names() for e in ("legacy", "dynamo")]
    return EXPORTED_CI


@pytest.mark.parametrize("name,exporter", exported_cases())
def test_exported_onnx_in_tensorflow(name, exporter, cache, tmp_path, tf_runner):
    """ONNX files made by torch.onnx.export (opset 17, either exporter) → .pb → TensorFlow."""
    import torch

    model = cache.model(name)
    if hasattr(model, "set_swish"):  # efficientnet_pytorch's export-friendly Swish
        model.set_swish(memory_efficient=False)
    shape = zh.default_input_shape(name)
    x = zh.random_input(shape)
    ref = zh.torch_reference(model, x)
    onnx_path = tmp_path / f"{name}.onnx"
    try:
        torch.onnx.export(model, (torch.from_numpy(x),), str(onnx_path), opset_version=17,
                          dynamo=exporter == "dynamo", input_names=["input"],
                          output_names=["output"])
        for layout in ("nchw", "nhwc"):
            pb = tmp_path / f"{name}_{layout}.pb"
            zh.run_pt2tf("convert", "-i", onnx_path, "-o", pb, "--input-layout", layout)
            feed = x if layout == "nchw" else np.moveaxis(x, 1, -1)
            got = tf_runner.run_frozen(pb, {"input": feed}, ["output"],
                                       optimize=optimize(name))["output"]
            zh.assert_close(got, ref, f"{name} ({exporter} export, {layout})")
            check_graph(tf_runner.nodes(pb), nhwc=layout == "nhwc")
    finally:
        cache.forget(name)
        remove_outputs(tmp_path)


def test_whole_model_pickle_to_tensorflow(cache, tmp_path, tf_runner):
    checkpoint, model = cache.whole_model("civilnet")
    x = zh.random_input(zh.default_input_shape("civilnet"))
    pb = tmp_path / "civilnet.pb"
    zh.convert(checkpoint, pb)
    got = tf_runner.run_frozen(pb, {"input": x}, ["output"])["output"]
    zh.assert_close(got, zh.torch_reference(model, x), "civilnet whole-model .pb")
