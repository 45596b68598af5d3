"""pt2tf's SavedModel on TensorFlow's own TFLite route (issue 9): TFLiteConverter with builtin
operators only (no Select TF ops) must convert it, and the .tflite it makes, run in the LiteRT
interpreter (XNNPACK), must match PyTorch: max|diff| <= 1e-4 * max(1, max|ref|).

Zoo models: a representative set in CI, every zoo model with PT2TF_TFLITE_ZOO=all. Beyond the
zoo: ONNX files written by torch.onnx.export (both exporters) of models with GELU, LayerNorm,
attention and channel split/shuffle. The emitters' builtin-friendly forms are checked for
exactness in TensorFlow too (float32 Erf against a float64 erf).

The converter and the interpreter run in a child process (tflite_route.py).
"""
import math
import os
import shutil

import numpy as np
import pytest

import zoo_harness as zh
from conftest import run_pt2tf_json
from test_tf_zoo import Cache
from tf_runner import tf_runner  # noqa: F401 (fixture)
from tflite_route import Refused, tflite_route  # noqa: F401 (fixture)

CI_MODELS = ["civilnet", "resnet18", "mobilenet_v2", "mobilenet_v3_small", "efficientnet-b0",
             "efficientnet_b0", "squeezenet1_1", "densenet121"]


def zoo_names():
    if os.environ.get("PT2TF_TFLITE_ZOO") == "all":
        return [m["name"] for m in run_pt2tf_json("models", "--json")]
    return CI_MODELS


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return Cache(tmp_path_factory.mktemp("tflite_zoo"))


def convert_and_run(saved, tmp_path, feeds, route):
    """TFLiteConverter (builtins only) on `saved`, then the LiteRT interpreter; returns
    (outputs, operator names)."""
    tfl = tmp_path / "model.tflite"
    route.convert(saved, tfl)
    ops = route.ops(tfl)
    assert not [o for o in ops if o.startswith("Flex") or o in ("CUSTOM", "DELEGATE")], ops
    return route.run(tfl, feeds), ops


@pytest.mark.parametrize("name", zoo_names())
def test_zoo_saved_model_converts_to_tflite(name, cache, tmp_path, tflite_route):
    checkpoint, model = cache.state_dict(name)
    x = zh.random_input(zh.default_input_shape(name))
    ref = zh.torch_reference(model, x)
    saved = tmp_path / f"{name}_saved"
    try:
        zh.convert(checkpoint, f"{saved}/", model=name)
        outs, _ = convert_and_run(saved, tmp_path, {"input": x}, tflite_route)
        zh.assert_close(outs["output"], ref, f"{name} SavedModel -> TFLiteConverter")
    finally:
        cache.forget(name)
        shutil.rmtree(tmp_path, ignore_errors=True)


def _encoder():
    """A small ViT/BERT-style encoder: exact GELU, LayerNorm, multi-head attention."""
    import torch

    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64,
                                             activation="gelu", batch_first=True, dropout=0.0)
    return torch.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False), (1, 10, 32)


def _shufflenet():
    """Channel split (Split) and shuffle (Reshape/Transpose)."""
    import torchvision

    return torchvision.models.shufflenet_v2_x0_5(weights=None), (1, 3, 64, 64)


def _gelu_forms():
    """Exact GELU in the forms users write: torch's, its tanh approximation, and a hand-made
    x*(1+erf)/2 (Erf outside the pattern the converter fuses), plus erf alone."""
    import torch

    class Gelus(torch.nn.Module):
        def forward(self, x):
            a = torch.nn.functional.gelu(x)
            b = torch.nn.functional.gelu(x, approximate="tanh")
            c = x * (1 + torch.erf(x / math.sqrt(2))) / 2
            return torch.cat([a, b, c, torch.erf(x * 3)], dim=-1)

    return Gelus(), (2, 64)


EXPORTED = {"encoder": _encoder, "shufflenet_v2_x0_5": _shufflenet, "gelu_forms": _gelu_forms}


@pytest.mark.parametrize("exporter", ["legacy", "dynamo"])
@pytest.mark.parametrize("what", sorted(EXPORTED))
def test_exported_onnx_saved_model_converts_to_tflite(what, exporter, tmp_path, tflite_route):
    import torch

    model, shape = EXPORTED[what]()
    model = zh.randomize(model).eval()
    x = zh.random_input(shape)
    ref = zh.torch_reference(model, x)
    onnx_path = tmp_path / f"{what}.onnx"
    torch.onnx.export(model, (torch.from_numpy(x),), str(onnx_path), opset_version=17,
                      dynamo=exporter == "dynamo", input_names=["input"], output_names=["output"])
    saved = tmp_path / f"{what}_saved"
    zh.run_pt2tf("convert", "-i", onnx_path, "-o", f"{saved}/")
    outs, ops = convert_and_run(saved, tmp_path, {"input": x}, tflite_route)
    zh.assert_close(outs["output"], ref, f"{what} ({exporter} export) -> TFLiteConverter")


def one_node_model(path, op, n, opset=17):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node(op, ["input"], ["output"])], op,
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [n])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [n])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]), str(path))


def test_onnx_gelu_becomes_one_tflite_gelu(tmp_path, tflite_route):
    """ONNX Gelu (opset 20) is emitted in the form the converter fuses into TFLite's GELU."""
    x = np.linspace(-8, 8, 4001).astype(np.float32)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    one_node_model(tmp_path / "gelu.onnx", "Gelu", x.size, opset=20)
    zh.run_pt2tf("convert", "-i", tmp_path / "gelu.onnx", "-o", f"{tmp_path / 'saved'}/")
    outs, ops = convert_and_run(tmp_path / "saved", tmp_path, {"input": x}, tflite_route)
    assert ops == ["GELU"], ops
    zh.assert_close(outs["output"], exact, "ONNX Gelu -> TFLite GELU")


def test_erf_is_exact_in_float32(tmp_path, tf_runner, tflite_route):
    """Erf has no TFLite builtin, so pt2tf spells it in builtins (src/tf/ops/erf.cpp): in
    TensorFlow (.pb) and through the converter it must stay as close to the true erf as a
    float32 kernel gets (TF's own Erf kernel is the yardstick)."""
    x = np.concatenate([np.linspace(-6, 6, 200_001), [0.0, 1e-30, -1e-20, 1e-5, 3.99, 4.0, 4.01,
                                                      20.0, -20.0]]).astype(np.float32)
    exact = np.array([math.erf(float(v)) for v in x])
    onnx_path = tmp_path / "erf.onnx"
    one_node_model(onnx_path, "Erf", x.size)
    zh.run_pt2tf("convert", "-i", onnx_path, "-o", tmp_path / "erf.pb", "-o",
                 f"{tmp_path / 'erf_saved'}/")
    ops = [op for _, op, _ in tf_runner.nodes(tmp_path / "erf.pb")]
    assert "Erf" not in ops, ops
    got = tf_runner.run_frozen(tmp_path / "erf.pb", {"input": x}, ["output"])["output"]
    err = np.abs(got.astype(np.float64) - exact)
    assert err.max() <= 4e-7, f"max|erf error| {err.max():.3g} at x={x[err.argmax()]}"
    rel = err[x != 0] / np.abs(exact[x != 0])
    assert rel.max() <= 4e-7, f"max relative erf error {rel.max():.3g}"
    assert np.all(np.abs(got) <= 1 + 3e-7) and got[x == 0][0] == 0
    outs, ops = convert_and_run(tmp_path / "erf_saved", tmp_path, {"input": x}, tflite_route)
    err = np.abs(outs["output"].astype(np.float64) - exact)
    assert err.max() <= 4e-7, f"TFLite: max|erf error| {err.max():.3g} at x={x[err.argmax()]}"


def test_refusals_name_the_op(tmp_path, tflite_route):
    """The route's own harness must report what the converter refused (a TF op with no
    builtin lowering): a SavedModel whose graph keeps TF's Erf in float64 is refused."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Erf", ["input"], ["output"])], "erf64",
                              [helper.make_tensor_value_info("input", TensorProto.DOUBLE, [4])],
                              [helper.make_tensor_value_info("output", TensorProto.DOUBLE, [4])])
    onnx_path = tmp_path / "erf64.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              str(onnx_path))
    zh.run_pt2tf("convert", "-i", onnx_path, "-o", f"{tmp_path / 'saved'}/")
    with pytest.raises(Refused) as info:
        tflite_route.convert(tmp_path / "saved", tmp_path / "x.tflite")
    assert info.value.ops, info.value.message
