"""Dynamic dims and pinned shapes (issue 10) against PyTorch eager.

Models are built in PyTorch with random weights and exported with torch.onnx.export
(dynamic_axes on the batch), or taken from the zoo with --dynamic-batch; each is converted to
a frozen graph and a SavedModel and run at batch 1, 3 and 8 through ONE loaded signature /
session (tf_batches.py) against PyTorch eager: max|diff| <= 1e-4 * max(1, max|ref|).
Pinning (--input-shape NAME:SHAPE, --batch) must give static Placeholders, and a pin
contradicting the file a one-line error with no output left behind.
"""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import run_pt2tf
from zoo_harness import RTOL, assert_close

nn = torch.nn
F = nn.functional

HERE = pathlib.Path(__file__).parent
BATCHES = (1, 3, 8)


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.bn = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 16, 3, stride=2)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.c1(x))), 2)
        x = F.adaptive_avg_pool2d(F.relu(self.c2(x)), 1)
        return self.fc(torch.flatten(x, 1))


class FlattenHead(nn.Module):
    """Flatten of an NHWC map into a Linear: the batch must stay free in the Reshape."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x):
        return self.fc(F.relu(self.c(x)).reshape(x.shape[0], -1))


class SamePad(nn.Module):
    """TensorFlow-style SAME padding computed from the input's shape (ported models)."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3, stride=2)

    def forward(self, x):
        ih, iw = x.shape[-2:]
        # ceil(i / 2) written without negative floor division, which the TorchScript
        # exporter turns into a truncating ONNX Div (a wrong graph, not ours to fix)
        ph = ((ih + 1) // 2 - 1) * 2 + 3 - ih
        pw = ((iw + 1) // 2 - 1) * 2 + 3 - iw
        return self.c(F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2]))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(self.layer(x)).mean(1)


MODELS = {  # name: (module, one sample's shape)
    "cnn": (SmallCnn, (3, 16, 16)),
    "flatten_head": (FlattenHead, (3, 16, 16)),
    "same_pad": (SamePad, (3, 15, 17)),
    "encoder": (Encoder, (5, 16)),
}


def make(name, seed=0):
    torch.manual_seed(seed)
    cls, sample = MODELS[name]
    model = cls().eval()
    for m in model.modules():  # non-trivial BatchNorm statistics
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
    return model, sample


def export(model, sample, path, dynamic=True, dynamo=False):
    x = torch.randn(2, *sample)
    kwargs = {"dynamic_axes": {"x": {0: "batch"}}} if dynamic else {}
    if dynamo:
        kwargs = {"dynamic_shapes": ({0: torch.export.Dim("batch", min=1, max=64)},)}
    torch.onnx.export(model, (x,), str(path), dynamo=dynamo, opset_version=17,
                      input_names=["x"], output_names=["y"], **kwargs)
    return path


def run_batches(pb, outputs, saved, feeds):
    """Runs each feed dict through the frozen graph and the SavedModel, each loaded once
    (tf_batches.py). Returns (placeholder shapes, [frozen outputs], [SavedModel outputs])."""
    paths = []
    for i, feed in enumerate(feeds):
        p = pathlib.Path(f"{pb}.feed{i}.npz")
        np.savez(p, **feed)
        paths.append(str(p))
    proc = subprocess.run([sys.executable, str(HERE / "tf_batches.py"), str(pb), ",".join(outputs),
                           str(saved), *paths], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json
    shapes = json.loads(proc.stdout.strip().splitlines()[-1])
    results = {"frozen": [], "saved": []}
    for p in paths:
        for kind in results:
            with np.load(f"{p[:-4]}.{kind}.npz") as data:
                results[kind].append({k: data[k] for k in data.files})
    return shapes, results["frozen"], results["saved"]


def signature_shapes(saved_dir):
    """`saved_model_cli show --all` of the SavedModel, as text."""
    cli = pathlib.Path(sys.executable).with_name("saved_model_cli")
    proc = subprocess.run([str(cli), "show", "--dir", str(saved_dir), "--all"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def check_batches(model, sample, pb, saved, input_key="x", output="y", batches=BATCHES):
    """Batches through one loaded frozen graph and SavedModel vs PyTorch eager; returns the
    frozen graph's Placeholder shapes."""
    feeds = [{input_key: np.random.default_rng(b).standard_normal((b, *sample)).astype(np.float32)}
             for b in batches]
    with torch.no_grad():
        refs = [model(torch.from_numpy(f[input_key])).numpy() for f in feeds]
    probe = refs[-1] if len(refs[-1]) > 1 else refs[0]
    if len(probe) > 1:
        spread = float(np.max(np.abs(probe[0] - probe[1])))
        assert spread > 10 * RTOL, "samples give the same output: the comparison proves nothing"
    shapes, frozen, served = run_batches(pb, [output], saved, feeds)
    for b, ref, got_f, got_s in zip(batches, refs, frozen, served):
        assert_close(got_f[output], ref, f"frozen graph, batch {b}")
        assert_close(got_s[output], ref, f"SavedModel, batch {b}")
    return shapes


@pytest.mark.parametrize("name", sorted(MODELS))
def test_onnx_dynamic_batch(name, pt2tf_bin, tmp_path):
    model, sample = make(name)
    onnx_path = export(model, sample, tmp_path / f"{name}.onnx")
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", onnx_path, "-o", pb, "-o", f"{saved}/", "-q")
    assert check_batches(model, sample, pb, saved) == {"x": [-1, *sample]}
    if name == "cnn":  # saved_model_cli is one more TensorFlow start: once is enough
        text = signature_shapes(saved)
        assert f"shape: (-1, {', '.join(map(str, sample))})" in text, text


def test_onnx_dynamic_batch_dynamo(pt2tf_bin, tmp_path):
    model, sample = make("cnn")
    onnx_path = export(model, sample, tmp_path / "cnn.onnx", dynamo=True)
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", onnx_path, "-o", pb, "-o", f"{saved}/", "-q")
    assert check_batches(model, sample, pb, saved, batches=(1, 3)) == {"x": [-1, *sample]}


@pytest.mark.parametrize("flags,batch", [(["--input-shape", "x:4x3x15x17"], 4),
                                         (["--input-shape", "4x3x15x17"], 4),
                                         (["--batch", "2"], 2)])
def test_pinned_shapes_give_static_graph(flags, batch, pt2tf_bin, tmp_path):
    """Pinned: the Placeholder is static and the Shape-computed SAME padding folds away."""
    model, sample = make("same_pad")
    onnx_path = export(model, sample, tmp_path / "same_pad.onnx")
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", onnx_path, "-o", pb, "-o", f"{saved}/", "-q", *flags)
    assert check_batches(model, sample, pb, saved, batches=(batch,)) == {"x": [batch, *sample]}


@pytest.mark.parametrize("flags,needle", [
    (["--input-shape", "x:1x3x15x18"], "dim 3 of input 'x' is 17 in the file"),
    (["--input-shape", "y:1x3x15x17"], "no input 'y'"),
    (["--input-shape", "x:1x3x15"], "has rank 4"),
    (["--input-shape", "x:1x3xx15"], "expected positive sizes"),
])
def test_bad_pins_are_one_line_errors(flags, needle, pt2tf_bin, tmp_path):
    model, sample = make("same_pad")
    onnx_path = export(model, sample, tmp_path / "same_pad.onnx")
    out = tmp_path / "m.pb"
    proc = run_pt2tf("convert", "-i", onnx_path, "-o", out, *flags, check=False)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert not out.exists()


def test_contradicting_static_batch(pt2tf_bin, tmp_path):
    model, sample = make("cnn")
    onnx_path = export(model, sample, tmp_path / "cnn.onnx", dynamic=False)
    proc = run_pt2tf("convert", "-i", onnx_path, "-o", tmp_path / "m.pb", "--batch", "3",
                     check=False)
    assert proc.returncode != 0
    assert "dim 0 of input 'x' is 2 in the file" in proc.stderr and str(onnx_path) in proc.stderr


def zoo_names():
    """A representative few; every zoo model with PT2TF_DYNAMIC_ZOO=all."""
    if os.environ.get("PT2TF_DYNAMIC_ZOO") == "all":
        from conftest import run_pt2tf_json
        return [m["name"] for m in run_pt2tf_json("models", "--json")]
    return ["resnet18", "mobilenet_v3_small", "efficientnet-b0"]


@pytest.fixture(scope="module")
def calibrated_cache(tmp_path_factory):
    from test_tf_zoo import Cache  # BN statistics calibrated for the deep MobileNets/EfficientNets
    return Cache(tmp_path_factory.mktemp("dynamic_zoo"))


@pytest.mark.parametrize("name", zoo_names())
def test_zoo_dynamic_batch(name, calibrated_cache, pt2tf_bin, tmp_path):
    import onnx
    import onnxruntime as ort
    from zoo_harness import default_input_shape
    checkpoint, model = calibrated_cache.state_dict(name)
    pb, saved, onnx_out = tmp_path / "m.pb", tmp_path / "m_saved", tmp_path / "m.onnx"
    run_pt2tf("convert", "-i", checkpoint, "--model", name, "--dynamic-batch", "-o", pb,
              "-o", f"{saved}/", "-o", onnx_out, "-q")
    sample = tuple(default_input_shape(name)[1:])
    assert f"shape: (-1, {', '.join(map(str, sample))})" in signature_shapes(saved)
    proto = onnx.load(str(onnx_out))
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    shapes = check_batches(model, sample, pb, saved, input_key="input", output="output",
                           batches=(1, 3))
    assert shapes == {"input": [-1, *sample]}
    x = np.random.default_rng(5).standard_normal((3, *sample)).astype(np.float32)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    session = ort.InferenceSession(str(onnx_out), providers=["CPUExecutionProvider"])
    assert_close(session.run(["output"], {"input": x})[0], ref, "ONNX Runtime, batch 3")


@pytest.mark.parametrize("spelling", ["minus_one", "empty_param", "odd_param", "no_dim_info"])
def test_reader_accepts_what_exporters_write_for_unknown_dims(spelling, pt2tf_bin, tmp_path):
    """-1 dim_value (old tf2onnx), an empty or odd dim_param, a dim with neither field."""
    import onnx
    model, sample = make("cnn")
    path = export(model, sample, tmp_path / "cnn.onnx")
    proto = onnx.load(str(path))
    for vi in (proto.graph.input[0], proto.graph.output[0]):
        dim = vi.type.tensor_type.shape.dim[0]
        dim.Clear()
        if spelling == "minus_one":
            dim.dim_value = -1
        elif spelling == "empty_param":
            dim.dim_param = ""
        elif spelling == "odd_param":
            dim.dim_param = "batch size (N) / 2?"
    edited = tmp_path / "edited.onnx"
    onnx.save(proto, str(edited))
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", edited, "-o", pb, "-o", f"{saved}/", "-q")
    assert check_batches(model, sample, pb, saved, batches=(1, 3)) == {"x": [-1, *sample]}


def test_onnx_output_keeps_dim_params(pt2tf_bin, tmp_path):
    import onnx
    import onnxruntime as ort
    model, sample = make("flatten_head")
    path = export(model, sample, tmp_path / "m.onnx")
    out = tmp_path / "out.onnx"
    run_pt2tf("convert", "-i", path, "-o", out, "-q")
    proto = onnx.load(str(out))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    for b in (1, 4):
        x = np.random.default_rng(b).standard_normal((b, *sample)).astype(np.float32)
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        assert_close(session.run(["y"], {"x": x})[0], ref, f"ONNX Runtime, batch {b}")
