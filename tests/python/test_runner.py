"""The float32 reference runner (`pt2tf run`) against ONNX Runtime and PyTorch.

- zoo models (random weights): the .onnx pt2tf writes, run by pt2tf and by ONNX Runtime; and
  the checkpoint itself run by pt2tf against PyTorch eval. A representative set by default,
  every zoo model with PT2TF_RUNNER_ALL=1.
- exported networks with the ops CNN zoos lack: a transformer encoder (MatMul, Softmax,
  LayerNormalization, Gelu/Erf), a YOLO-style neck (Resize nearest/linear, Concat, Split,
  Slice, SiLU), ConvTranspose/grouped/dilated convs and pools.
Tolerance everywhere: max|diff| <= 1e-4 * max(1, max|ref|).
"""
import os

import numpy as np
import pytest
import torch

from conftest import run_pt2tf, run_pt2tf_json
from runner_harness import assert_close, run_ort, run_runner
from zoo_harness import (convert, make_torch_model, random_input, torch_reference,  # noqa: F401
                         zoo_cache)

REPRESENTATIVE = ["civilnet", "resnet18", "squeezenet1_1", "mobilenet_v2", "mobilenet_v3_small",
                  "efficientnet-b0", "efficientnet_b0", "densenet121"]
# Zoo models whose checkpoints are large (0.2-0.6 GB): only with PT2TF_RUNNER_ALL=1.
ALL = os.environ.get("PT2TF_RUNNER_ALL") == "1"


def zoo_names():
    if not ALL:
        return REPRESENTATIVE
    from zoo_harness import PT2TF
    import json
    import subprocess
    out = subprocess.run([str(PT2TF), "models", "--json"], capture_output=True, text=True)
    return [m["name"] for m in json.loads(out.stdout)] if out.returncode == 0 else REPRESENTATIVE


@pytest.fixture(autouse=True, scope="module")
def _single_thread_torch():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name", zoo_names())
def test_zoo_model_matches_onnxruntime_and_torch(pt2tf_bin, zoo_cache, tmp_path, name):
    checkpoint, model = zoo_cache.state_dict(name)
    shape = tuple(next(m["input_shape"] for m in run_pt2tf_json("models", "--json")
                       if m["name"] == name))
    x = random_input(shape, seed=3)
    onnx_path = tmp_path / f"{name}.onnx"
    convert(checkpoint, onnx_path, model=name)
    ref_ort = run_ort(onnx_path, {"input": x})["output"]
    got_onnx = run_runner(onnx_path, {"input": x}, tmp_path)["output"]
    assert_close(got_onnx, ref_ort, f"{name} .onnx: runner vs ONNX Runtime")
    ref_torch = torch_reference(model, x)
    got_ckpt = run_runner(checkpoint, {"input": x}, tmp_path, "--model", name)["output"]
    assert_close(got_ckpt, ref_torch, f"{name} checkpoint: runner vs PyTorch")
    # The comparison only means something if the output depends on the input.
    other = run_runner(checkpoint, {"input": random_input(shape, seed=4)}, tmp_path,
                       "--model", name)["output"]
    assert np.max(np.abs(other - got_ckpt)) > 1e-3 * max(1.0, np.max(np.abs(ref_torch)))
    onnx_path.unlink()
    if ALL:
        zoo_cache.forget(name)


def test_resnet50_batch2_matches_torch(pt2tf_bin, zoo_cache, tmp_path):
    checkpoint, model = zoo_cache.state_dict("resnet50")
    x = random_input((2, 3, 160, 160), seed=5)
    got = run_runner(checkpoint, {"input": x}, tmp_path, "--model", "resnet50",
                     "--input-shape", "2x3x160x160")["output"]
    assert_close(got, torch_reference(model, x), "resnet50 2x3x160x160 vs PyTorch")


# ---- exported networks: transformer, YOLO-style neck, assorted convs ----

class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Linear(12, 32)
        self.layers = torch.nn.TransformerEncoder(
            torch.nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, activation="gelu",
                                             batch_first=True), 2, enable_nested_tensor=False)
        self.norm = torch.nn.LayerNorm(32)
        self.head = torch.nn.Linear(32, 5)

    def forward(self, x):
        h = self.norm(self.layers(self.embed(x)))
        return torch.softmax(self.head(h.mean(dim=1)), dim=-1), h


class YoloNeck(torch.nn.Module):
    """Upsample + concat + split/slice + SiLU, as YOLO necks and heads use them."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 16, 3, 2, 1)
        self.down = torch.nn.Conv2d(16, 32, 3, 2, 1)
        self.up = torch.nn.Upsample(scale_factor=2, mode="nearest")
        self.fuse = torch.nn.Conv2d(48, 24, 1)
        self.bn = torch.nn.BatchNorm2d(24)
        self.pool = torch.nn.MaxPool2d(5, 1, 2)

    def forward(self, x):
        a = torch.nn.functional.silu(self.stem(x))
        b = torch.nn.functional.silu(self.down(a))
        c = torch.cat([self.up(b), a], dim=1)
        d = torch.nn.functional.silu(self.bn(self.fuse(c)))
        p, q = d.split([8, 16], dim=1)
        lin = torch.nn.functional.interpolate(q, scale_factor=2, mode="bilinear",
                                              align_corners=False)
        return torch.cat([self.pool(p), p[:, :, 1::2, :]], dim=2), lin


class Convs(torch.nn.Module):
    """Grouped, depthwise, dilated and padded convs, ConvTranspose, pools, hard activations."""

    def __init__(self):
        super().__init__()
        self.grouped = torch.nn.Conv2d(8, 12, 3, padding=2, dilation=2, groups=4)
        self.depthwise = torch.nn.Conv2d(12, 24, 5, stride=2, padding=1, groups=12)
        self.deconv = torch.nn.ConvTranspose2d(24, 6, 4, stride=2, padding=1, output_padding=1)
        self.conv1d = torch.nn.Conv1d(6, 4, 3, stride=2, padding=1)
        self.avg = torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)

    def forward(self, x):
        y = torch.nn.functional.hardswish(self.grouped(x))
        y = torch.nn.functional.hardsigmoid(self.depthwise(y)) * y[:, :, ::2, ::2][:, :, :7, :7].repeat(1, 2, 1, 1)
        y = self.avg(torch.clamp(self.deconv(y), -0.5, 0.8))
        z = self.conv1d(y.flatten(2))
        return torch.nn.functional.leaky_relu(z, 0.1), torch.nn.functional.adaptive_avg_pool2d(y, 1)


EXPORTED = {
    "encoder": (Encoder, (2, 7, 12)),
    "yolo_neck": (YoloNeck, (1, 3, 32, 32)),
    "convs": (Convs, (1, 8, 15, 15)),
}


@pytest.mark.parametrize("name", sorted(EXPORTED))
@pytest.mark.parametrize("dynamo", [False, True])
def test_exported_network_matches_onnxruntime(pt2tf_bin, tmp_path, name, dynamo):
    cls, shape = EXPORTED[name]
    torch.manual_seed(0)
    model = cls().eval()
    x = torch.randn(*shape)
    path = tmp_path / f"{name}.onnx"
    torch.onnx.export(model, (x,), str(path), input_names=["x"], dynamo=dynamo,
                      opset_version=18 if dynamo else 17)
    feed = {"x": x.numpy()}
    ref = run_ort(path, feed)
    got = run_runner(path, feed, tmp_path)
    assert list(got) == list(ref)
    with torch.no_grad():
        torch_out = model(x)
    for (k, r), t in zip(ref.items(), torch_out):
        assert_close(got[k], r, f"{name} output {k} vs ONNX Runtime")
        assert_close(got[k], t.numpy(), f"{name} output {k} vs PyTorch")


# ---- bad input ----

def test_run_rejects_wrong_input_shape(pt2tf_bin, tmp_path):
    path = tmp_path / "m.onnx"
    torch.onnx.export(YoloNeck().eval(), (torch.randn(1, 3, 32, 32),), str(path),
                      input_names=["x"], dynamo=False)
    np.savez(tmp_path / "in.npz", x=np.zeros((1, 3, 16, 32), np.float32))
    out = tmp_path / "out.npz"
    proc = run_pt2tf("run", "-i", path, "--inputs", tmp_path / "in.npz", "-o", out, check=False)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "shape 1x3x16x32" in lines[0] and "1x3x32x32" in lines[0], lines
    assert not out.exists()
