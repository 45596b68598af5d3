"""pt2tf's TensorFlow writers (frozen .pb and SavedModel) against PyTorch.

Small torch models are exported with torch.onnx.export (opset 17: the legacy exporter for
all, dynamo=True for a few), converted with `pt2tf convert -o m.pb` / `-o m_saved/` (NCHW
and --input-layout nhwc), run in TensorFlow on CPU and compared with PyTorch eval:
max|diff| <= 1e-4 * max(1, max|ref|).
Graph quality is checked on the .pb: no Transpose with --input-layout nhwc and at most one
without for CNNs (plus one per NCHW image output, which keeps the PyTorch layout), no
Identity/Dropout left but the outputs', no BatchNorm after a Conv.
"""
import os
import pathlib
import subprocess

import numpy as np
import pytest
import torch

from conftest import run_pt2tf
from tf_runner import tf_runner  # noqa: F401 (fixture)

nn = torch.nn
F = nn.functional


def _randomize_bn(model):
    """Non-trivial BatchNorm statistics so folding errors show up."""
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=g) * 2 - 1)
            m.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            m.bias.data.copy_(torch.rand(n, generator=g) * 2 - 1)
    return model


class ConvBnPoolLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.c2, self.b2 = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8), nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(8 * 4 * 4, 10)  # flatten of a 4x4 NHWC map: weights permuted

    def forward(self, x):
        x = F.relu(self.b1(self.c1(x)))
        x = F.relu6(self.b2(self.c2(x)))
        return self.fc(self.drop(torch.flatten(self.pool(x), 1)))


class ConvVariants(nn.Module):
    """Grouped, dilated, strided, asymmetric (ZeroPad2d, EfficientNet style) and 'same'."""

    def __init__(self):
        super().__init__()
        self.grouped = nn.Conv2d(4, 8, 3, padding=1, groups=2)
        self.dilated = nn.Conv2d(8, 8, 3, padding=2, dilation=2, bias=False)
        self.pad = nn.ZeroPad2d((0, 1, 0, 1))
        self.strided = nn.Conv2d(8, 12, 3, stride=2)
        self.dw = nn.Conv2d(12, 24, 5, stride=1, padding=2, groups=12)  # multiplier 2
        self.same = nn.Conv2d(24, 6, 4, padding="same")
        self.rect = nn.Conv2d(6, 6, (1, 3), stride=(2, 1), padding=(0, 1))
        self.dw_asym = nn.Conv2d(6, 6, 3, stride=2, padding=1, groups=6)

    def forward(self, x):
        x = F.leaky_relu(self.grouped(x), 0.1)
        x = F.elu(self.dilated(x))
        x = self.strided(self.pad(x))
        x = F.silu(self.dw(x))
        x = self.rect(self.same(x))
        return self.dw_asym(x)


class Pools(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        x = self.conv(x)
        a = F.max_pool2d(x, 3, stride=2, padding=1)
        b = F.max_pool2d(x, 3, stride=2, ceil_mode=True)
        c = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=True)
        d = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
        e = F.avg_pool2d(x, 2, stride=2, ceil_mode=True)
        f = F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=True)
        g = F.max_pool2d(-x, 2, stride=2, ceil_mode=True)  # negative: padding must not win
        gap = F.adaptive_avg_pool2d(x, 1)
        gmp = F.adaptive_max_pool2d(x, 1)
        return torch.cat([t.flatten(1) for t in (a, b, c, d, e, f, g, gap, gmp)], 1)


class SeBlock(nn.Module):
    """MobileNetV3/EfficientNet-like: expand, depthwise, squeeze-excite, project, residual."""

    def __init__(self, c=8):
        super().__init__()
        self.expand, self.bn0 = nn.Conv2d(c, 4 * c, 1, bias=False), nn.BatchNorm2d(4 * c)
        self.dw, self.bn1 = nn.Conv2d(4 * c, 4 * c, 3, padding=1, groups=4 * c, bias=False), nn.BatchNorm2d(4 * c)
        self.se_reduce, self.se_expand = nn.Conv2d(4 * c, 2, 1), nn.Conv2d(2, 4 * c, 1)
        self.project, self.bn2 = nn.Conv2d(4 * c, c, 1, bias=False), nn.BatchNorm2d(c)

    def forward(self, x):
        y = F.hardswish(self.bn0(self.expand(x)))
        y = F.silu(self.bn1(self.dw(y)))
        s = F.adaptive_avg_pool2d(y, 1)
        s = F.hardsigmoid(self.se_expand(F.relu(self.se_reduce(s))))
        y = self.bn2(self.project(y * s))
        return x + y


class SeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem, self.bn = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8)
        self.block = SeBlock(8)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = self.block(F.hardswish(self.bn(self.stem(x))))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)  # 1x1 spatial: no weight permutation
        return torch.softmax(self.fc(x), dim=1)


class Inception(nn.Module):
    def __init__(self):
        super().__init__()
        self.b1 = nn.Conv2d(3, 4, 1)
        self.b2 = nn.Conv2d(3, 4, 3, padding=1)
        self.b3 = nn.Conv2d(3, 4, 5, padding=2)
        self.bn = nn.BatchNorm2d(12)  # after a Concat: not foldable, FusedBatchNormV3
        self.fc = nn.Linear(12 * 3 * 3, 7)

    def forward(self, x):
        y = torch.cat([F.relu(self.b1(x)), torch.tanh(self.b2(x)), torch.sigmoid(self.b3(x))], 1)
        y = F.gelu(self.bn(y))
        y = F.max_pool2d(y, 3, stride=3)
        m = y.mean(dim=(2, 3), keepdim=True)
        y = y - m
        return self.fc(y.reshape(y.shape[0], -1))


class Heads(nn.Module):
    """Layout-sensitive ops on NHWC activations: channel slicing, split, sum over C, permute."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.prelu = nn.PReLU(8)
        self.up = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)

    def forward(self, x):
        x = self.prelu(self.conv(x))
        a, b = torch.split(x, [3, 5], dim=1)
        c = x[:, 2:6, 1:-1:2, :]
        s = x.sum(dim=1, keepdim=True)
        u = self.up(x)
        return (a.mean(dim=(1, 2)), b.amax(dim=(2, 3)), c, s, u, x.permute(0, 2, 3, 1))


class BnNotAfterConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn_in = nn.BatchNorm2d(3)
        self.conv = nn.Conv2d(3, 6, 3)
        self.fc = nn.Linear(6 * 6 * 6, 8)
        self.bn1d = nn.BatchNorm1d(8)

    def forward(self, x):
        x = F.relu(self.conv(self.bn_in(x)))
        return self.bn1d(self.fc(x.flatten(1)))


class Conv1d(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(4, 8, 3, padding=1)
        self.bn = nn.BatchNorm1d(8)
        self.c2 = nn.Conv1d(8, 8, 3, stride=2, groups=8)

    def forward(self, x):
        x = F.relu(self.bn(self.c1(x)))
        return F.max_pool1d(self.c2(x), 2)


class PixelShuffle(nn.Module):
    """Super-resolution style: pixel_shuffle (ONNX DepthToSpace, mode CRD) and
    pixel_unshuffle (exported as Reshape/Transpose)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 12, 3, padding=1)
        self.c2 = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        y = F.pixel_shuffle(self.c1(x), 2)  # 12 channels -> 3 at 2x H, W
        return F.pixel_unshuffle(self.c2(y), 2), y


# name: (factory, input shape, checked as a CNN for graph quality). "pools" flattens NCHW
# maps into its output, which needs their NCHW element order: Transposes are semantic there.
MODELS = {
    "conv_bn_pool_linear": (ConvBnPoolLinear, (2, 3, 16, 16), True),
    "conv_variants": (ConvVariants, (1, 4, 17, 15), True),
    "pools": (Pools, (1, 3, 11, 10), False),
    "se_net": (SeNet, (1, 3, 16, 16), True),
    "inception": (Inception, (1, 3, 9, 9), True),
    "heads": (Heads, (1, 3, 8, 8), False),
    "bn_not_after_conv": (BnNotAfterConv, (2, 3, 8, 8), True),
    "conv1d": (Conv1d, (1, 4, 20), False),
    "pixel_shuffle": (PixelShuffle, (1, 3, 6, 5), False),
}


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """name -> (onnx path, input, PyTorch outputs); each model exported once per session."""
    cache = {}
    root = tmp_path_factory.mktemp("tf_writer")

    def get(name, dynamo=False):
        if (name, dynamo) in cache:
            return cache[(name, dynamo)]
        factory, shape, _ = MODELS[name]
        torch.manual_seed(0)
        model = _randomize_bn(factory()).eval()
        x = torch.randn(*shape)
        with torch.no_grad():
            ref = model(x)
        ref = [t.numpy() for t in (ref if isinstance(ref, tuple) else (ref,))]
        path = root / f"{name}{'_dynamo' if dynamo else ''}.onnx"
        names = [f"out{i}" for i in range(len(ref))] if len(ref) > 1 else ["output"]
        torch.onnx.export(model, (x,), str(path), dynamo=dynamo, opset_version=17,
                          input_names=["input"], output_names=names)
        cache[(name, dynamo)] = (path, x.numpy(), dict(zip(names, ref)))
        return cache[(name, dynamo)]

    return get


def assert_close(got, ref, what):
    for name, r in ref.items():
        g = got[name]
        assert g.shape == r.shape, f"{what} {name}: shape {g.shape} != {r.shape}"
        diff = float(np.max(np.abs(g - r))) if r.size else 0.0
        tol = 1e-4 * max(1.0, float(np.max(np.abs(r))) if r.size else 1.0)
        assert diff <= tol, f"{what} {name}: max|diff| {diff} > {tol}"


def check_quality(ops, nhwc, outputs, cnn):
    """Outputs keep the IR (NCHW) layout, so each image-shaped output may need a Transpose."""
    n_outputs = len(outputs)
    kinds = [op for _, op, _ in ops]
    assert "Dropout" not in kinds
    assert kinds.count("Identity") == n_outputs, f"Identity leftovers in {kinds}"
    producers = {name: op for name, op, _ in ops}
    for name, op, inputs in ops:
        if op in ("FusedBatchNormV3", "FusedBatchNorm"):
            src = producers.get(inputs[0].split(":")[0])
            assert src not in ("Conv2D", "DepthwiseConv2dNative", "BiasAdd"), f"BN after conv: {name}"
    if cnn:
        limit = (0 if nhwc else 1) + sum(1 for r in outputs.values() if r.ndim >= 3)
        assert kinds.count("Transpose") <= limit, f"{kinds.count('Transpose')} Transposes: {kinds}"
    return kinds


CASES = [(name, False) for name in sorted(MODELS)] + [
    (name, True) for name in ("conv_bn_pool_linear", "se_net", "heads", "conv1d", "pixel_shuffle")]


@pytest.mark.parametrize("name,dynamo", CASES)
def test_frozen_graph_matches_pytorch(name, dynamo, exported, tmp_path, tf_runner):
    """Both exporters: legacy (dynamo=False) for all models, dynamo=True for a few."""
    onnx_path, x, ref = exported(name, dynamo)
    for layout in ("nchw", "nhwc"):
        pb = tmp_path / f"{name}_{layout}.pb"
        run_pt2tf("convert", "-i", onnx_path, "-o", pb, "--input-layout", layout)
        feed = x if layout == "nchw" or x.ndim < 3 else np.moveaxis(x, 1, -1)
        got = tf_runner.run_frozen(pb, {"input": feed}, list(ref))
        assert_close(got, ref, f"{name} ({layout})")
        check_quality(tf_runner.nodes(pb), layout == "nhwc", ref, MODELS[name][2])


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("name", ["conv_bn_pool_linear", "heads"])
def test_saved_model_matches_pytorch(name, layout, exported, tmp_path, tf_runner):
    onnx_path, x, ref = exported(name)
    out = tmp_path / "saved"
    run_pt2tf("convert", "-i", onnx_path, "-o", f"{out}/", "--input-layout", layout)
    assert (out / "saved_model.pb").is_file() and (out / "variables").is_dir()
    feed = x if layout == "nchw" else np.moveaxis(x, 1, -1)
    assert_close(tf_runner.run_saved(out, {"input": feed}), ref, f"{name} ({layout})")
    # Converting again replaces the previous SavedModel.
    run_pt2tf("convert", "-i", onnx_path, "-o", out, "--input-layout", layout)
    assert_close(tf_runner.run_saved(out, {"input": feed}), ref, f"{name} ({layout})")


def test_saved_model_cli_shows_signature(exported, tmp_path):
    onnx_path, _, _ = exported("conv_bn_pool_linear")
    out = tmp_path / "m_saved"
    run_pt2tf("convert", "-i", onnx_path, "-o", f"{out}/")
    cli = pathlib.Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin" / "saved_model_cli"
    if not cli.exists():
        cli = pathlib.Path(__file__).resolve().parents[2] / ".venv" / "bin" / "saved_model_cli"
    proc = subprocess.run([str(cli), "show", "--all", "--dir", str(out)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "signature_def['serving_default']" in proc.stdout
    assert "tensorflow/serving/predict" in proc.stdout
    assert "name: input:0" in proc.stdout and "name: output:0" in proc.stdout


def test_one_read_three_outputs(exported, tmp_path, tf_runner):
    onnx_path, x, ref = exported("se_net")
    run_pt2tf("convert", "-i", onnx_path, "-o", tmp_path / "a.onnx", "-o", tmp_path / "a.pb",
              "-o", f"{tmp_path / 'a_saved'}/")
    assert_close(tf_runner.run_frozen(tmp_path / "a.pb", {"input": x}, list(ref)), ref, "pb")
    assert_close(tf_runner.run_saved(tmp_path / "a_saved", {"input": x}), ref, "saved")


def test_renamed_interface_is_reported(tmp_path, tf_runner):
    """Graph names a TF file cannot keep ('_' first, '.' in a signature key): the summary and
    --json name what to feed and fetch in each file, and those names work in TensorFlow and
    LiteRT."""
    import onnx
    import onnx.helper as h
    import tflite_runner
    from conftest import run_pt2tf_json
    g = h.make_graph([h.make_node("Relu", ["_in"], ["_out.1"]), h.make_node("Neg", ["_in"], ["y"])],
                     "g", [h.make_tensor_value_info("_in", 1, [2, 3])],
                     [h.make_tensor_value_info("_out.1", 1, [2, 3]), h.make_tensor_value_info("y", 1, [2, 3])])
    src = tmp_path / "m.onnx"
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]), src)
    pb, saved, lite = tmp_path / "m.pb", tmp_path / "m_saved", tmp_path / "m.tflite"
    report = run_pt2tf_json("convert", "-i", src, "-o", pb, "-o", f"{saved}/", "-o", lite, "--json")
    renamed = {pathlib.Path(o["path"]).name: o.get("renamed", {}) for o in report["outputs"]}
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    ref = {"_out.1": np.maximum(x, 0), "y": -x}
    names = renamed["m.pb"]
    assert "y" not in names and set(names) == {"_in", "_out.1"}, names
    node = {k: v.removesuffix(":0") for k, v in names.items()}
    got = tf_runner.run_frozen(pb, {node["_in"]: x}, [node["_out.1"], "y"])
    np.testing.assert_array_equal(got[node["_out.1"]], ref["_out.1"])
    np.testing.assert_array_equal(got["y"], ref["y"])
    for name, run in (("m_saved", lambda: tf_runner.run_saved(saved, {"_in": x})),
                      ("m.tflite", lambda: tflite_runner.run(lite, {"_in": x}))):
        keys = renamed[name]
        assert set(keys) == {"_out.1"}, (name, keys)
        got = run()
        assert set(got) == {keys["_out.1"], "y"}, (name, got.keys())
        np.testing.assert_array_equal(got[keys["_out.1"]], ref["_out.1"])
        np.testing.assert_array_equal(got["y"], ref["y"])
    text = run_pt2tf("convert", "-i", src, "-o", pb).stdout
    assert f"_in -> {names['_in']}, _out.1 -> {names['_out.1']}" in text, text


def _leftovers(directory):
    return sorted(p.name for p in directory.iterdir())


def test_unsupported_op_is_refused_cleanly(tmp_path):
    import onnx
    import onnx.helper as oh

    x = oh.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 2])
    y = oh.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [])
    graph = oh.make_graph([oh.make_node("Det", ["x"], ["y"], name="the_det")], "g", [x], [y])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)])
    src = tmp_path / "det.onnx"
    onnx.save(model, str(src))
    for out in ("det.pb", "det_saved/"):
        proc = run_pt2tf("convert", "-i", src, "-o", f"{tmp_path}/{out}", check=False)
        assert proc.returncode == 1
        err = proc.stderr.strip()
        assert len(err.splitlines()) == 1
        assert "Det" in err and "the_det" in err and out.rstrip("/") in err
    assert _leftovers(tmp_path) == ["det.onnx"]


def test_unsupported_attribute_is_refused(tmp_path):
    import onnx
    import onnx.helper as oh

    x = oh.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 1, 4, 4])
    y = oh.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 1, 3, 3])
    node = oh.make_node("MaxPool", ["x"], ["y"], name="dilated_pool", kernel_shape=[2, 2],
                        dilations=[2, 2], pads=[1, 1, 1, 1])
    model = oh.make_model(oh.make_graph([node], "g", [x], [y]),
                          opset_imports=[oh.make_opsetid("", 17)])
    src = tmp_path / "pool.onnx"
    onnx.save(model, str(src))
    proc = run_pt2tf("convert", "-i", src, "-o", tmp_path / "pool.pb", check=False)
    assert proc.returncode == 1
    assert "dilated_pool" in proc.stderr and "dilations" in proc.stderr
    assert _leftovers(tmp_path) == ["pool.onnx"]


def test_refuses_to_replace_a_foreign_directory(exported, tmp_path):
    onnx_path, _, _ = exported("conv_bn_pool_linear")
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    proc = run_pt2tf("convert", "-i", onnx_path, "-o", target, check=False)
    assert proc.returncode != 0
    assert "notes.txt" in proc.stderr
    assert _leftovers(target) == ["notes.txt"]
    assert _leftovers(tmp_path) == ["mine"]


def test_inspect_reads_our_tf_outputs(exported, tmp_path, tf_runner):
    """`pt2tf inspect` reports what TensorFlow itself reads from our .pb and SavedModel (op
    histogram, inputs, outputs, bytes of Const values); the model's PyTorch layers fix the
    convolution count and the shape of its input."""
    from conftest import run_pt2tf_json

    onnx_path, x, _ = exported("conv_bn_pool_linear")
    pb, saved = tmp_path / "m.pb", tmp_path / "m_saved"
    run_pt2tf("convert", "-i", onnx_path, "-o", pb, "-o", f"{saved}/")
    info = run_pt2tf_json("inspect", pb, "--json")
    tf_info = tf_runner.describe(pb)
    assert info["format"] == "tf-graphdef"
    assert info["ops"] == tf_info["ops"]
    assert [[i["name"], i["dtype"], i["shape"]] for i in info["inputs"]] == \
        tf_info["placeholders"] == [["input", "float32", list(x.shape)]]
    assert [o["name"] for o in info["outputs"]] == tf_info["sinks"] == ["output"]
    assert info["weight_bytes"] == tf_info["const_bytes"]
    assert info["ops"]["Conv2D"] == 1 and "FusedBatchNormV3" not in info["ops"]

    saved_info = run_pt2tf_json("inspect", saved, "--json")
    tf_saved = tf_runner.describe(saved)
    assert saved_info["format"] == "tf-savedmodel"
    assert saved_info["ops"] == tf_saved["ops"]
    assert [[i["name"], i["dtype"], i["shape"]] for i in saved_info["inputs"]] == \
        tf_saved["signature_inputs"]
    assert [o["name"] for o in saved_info["outputs"]] == tf_saved["signature_outputs"]
    assert saved_info["weight_bytes"] == tf_saved["const_bytes"]


def test_inspect_refuses_garbage_pb(tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_bytes(b"\xff\xff\xff\xff not a graph")
    proc = run_pt2tf("inspect", bad, check=False)
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1 and "bad.pb" in proc.stderr
