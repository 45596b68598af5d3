"""Zoo models through the TFLite writer: .pth → .tflite (fp32 NCHW input, fp32 NHWC input,
fp16 weights), each run in the LiteRT interpreter with XNNPACK and compared with PyTorch eval:
max|diff| <= 1e-4 * max(1, max|ref|) for fp32, <= 1e-2 * max(1, max|ref|) for fp16 (or, where
float16 weights alone cost more than that, <= 2x the error of PyTorch itself with its
parameters rounded to float16: mobilenet_v2 with random weights is such a model). Graph
rules: at most one TRANSPOSE (at the NCHW input), none with --input-layout nhwc; no
DEQUANTIZE in fp32 files, one in front of each weight in fp16 files, which are at most 0.55x
the fp32 size. Each nn.Hardswish is one HARD_SWISH builtin; a ResNet has no standalone RELU
(the ones after the residual ADD are fused into it).

CI runs a representative set; PT2TF_TFLITE_ZOO=all runs every zoo model.
"""
import collections
import os

import numpy as np
import pytest

import tflite_runner as tfl
import zoo_harness as zh
from conftest import run_pt2tf_json
from test_zoo_effnet import calibrate

CI_MODELS = ["civilnet", "resnet18", "mobilenet_v2", "mobilenet_v3_small", "efficientnet-b0"]


def zoo_names():
    if os.environ.get("PT2TF_TFLITE_ZOO") == "all":
        return [m["name"] for m in run_pt2tf_json("models", "--json")]
    return CI_MODELS


class Cache(zh.CheckpointCache):
    """EfficientNets and MobileNets get BN statistics calibrated on the test input (see
    test_zoo_effnet.py)."""

    def model(self, name, seed=0):
        if (name, seed) not in self._models and name.startswith(("efficientnet", "mobilenet")):
            size = zh.default_input_shape(name)[2:]
            self._models[(name, seed)] = calibrate(zh.make_torch_model(name, seed), size)
        return super().model(name, seed)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return Cache(tmp_path_factory.mktemp("tflite_zoo"))


def fp16_weight_error(model, x, ref):
    """max|diff| of PyTorch itself when its parameters are rounded to float16: what float16
    weights cost this (random-weight) model, whatever writes them."""
    import copy

    import torch

    rounded = copy.deepcopy(model)
    with torch.no_grad():
        for p in rounded.parameters():
            p.copy_(p.half().float())
    got = zh.torch_reference(rounded, x)
    del rounded
    return float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64))))


@pytest.mark.parametrize("name", zoo_names())
def test_zoo_model_in_litert(name, cache, tmp_path):
    checkpoint, model = cache.state_dict(name)
    shape = zh.default_input_shape(name)
    x = zh.random_input(shape)
    ref = zh.torch_reference(model, x)
    try:
        fp32 = tmp_path / f"{name}.tflite"
        zh.convert(checkpoint, fp32, model=name)
        assert tfl.signature(fp32) == ({"input"}, {"output"})
        zh.assert_close(tfl.run(fp32, {"input": x})["output"], ref, f"{name} .tflite")
        ops = tfl.ops(fp32)
        assert ops["TRANSPOSE"] <= 1, ops
        assert ops["DEQUANTIZE"] == 0, ops
        # Each nn.Hardswish of the PyTorch model is one HARD_SWISH builtin (not the 4-5
        # elementwise ops it lowers to).
        import torch
        hardswish = sum(isinstance(m, torch.nn.Hardswish) for m in model.modules())
        assert ops["HARD_SWISH"] == hardswish, (hardswish, ops)
        if name.startswith("resnet"):
            # Every ReLU of a ResNet follows a conv (+ folded BN) or the residual ADD, so
            # each is a fused activation: a standalone RELU costs XNNPACK a pass.
            assert ops["RELU"] == 0 and ops["ADD"] > 0, ops

        nhwc = tmp_path / f"{name}_nhwc.tflite"
        zh.convert(checkpoint, nhwc, model=name, extra=["--input-layout", "nhwc"])
        got = tfl.run(nhwc, {"input": np.ascontiguousarray(np.moveaxis(x, 1, -1))})["output"]
        zh.assert_close(got, ref, f"{name} .tflite (nhwc)")
        assert tfl.ops(nhwc)["TRANSPOSE"] == 0, tfl.ops(nhwc)

        fp16 = tmp_path / f"{name}_fp16.tflite"
        zh.convert(checkpoint, fp16, model=name, extra=["--precision", "fp16"])
        tfl.assert_close_fp16(tfl.run(fp16, {"input": x})["output"], ref, f"{name} fp16",
                              intrinsic=fp16_weight_error(model, x, ref))
        ops16 = tfl.ops(fp16)
        assert ops16["DEQUANTIZE"] > 0, ops16
        assert ops16 - collections.Counter(DEQUANTIZE=ops16["DEQUANTIZE"]) == ops, (ops16, ops)
        ratio = fp16.stat().st_size / fp32.stat().st_size
        assert ratio <= 0.55, f"fp16 file is {ratio:.3f}x the fp32 file"
        zh.assert_input_sensitive(model, ref, shape, 0, name)
    finally:
        cache.forget(name)
        for p in tmp_path.iterdir():
            p.unlink()
