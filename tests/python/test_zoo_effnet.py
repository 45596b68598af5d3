"""EfficientNet (efficientnet_pytorch 0.7.1 and torchvision) and MobileNet V2/V3 against PyTorch.

Every case: a randomised PyTorch model (fixed seed), its checkpoint converted by
`pt2tf convert`, the .onnx run in ONNX Runtime and compared with the PyTorch eval output
(max|diff| <= 1e-4 * max(1, max|ref|), and the same bound relative to the output's own scale),
and onnx.checker.check_model(full_check=True).

Randomising BatchNorm statistics independently of the data (zoo_harness.randomize alone) makes
these deep networks forget their input: the logits of two different random images then agree
to ~1e-7, so a wrong padding, stride or kernel would pass any output comparison. Here the BN
running statistics are instead measured on the test's own random input (BN-only train mode,
cumulative average: one pass sets them exactly), while the affine parameters keep randomize()'s
random values. Every channel is then well scaled for the input compared on, the statistics are
still arbitrary numbers (so epsilon, mean and variance are really exercised), and rounding is
not amplified by near-empty channels (statistics calibrated on another image of 4x4 final
feature maps blew float32 rounding up to whole units). Each check also asserts that the
reference output really depends on the input (a second random input moves it by more than
100 tolerances).

efficientnet_pytorch's static TF-SAME padding depends on the image size the model is built
for, so the non-default sizes compare with EfficientNet.from_name(name, image_size=...), the
model the library would build.
"""
import numpy as np
import onnx
import pytest
import torch
from efficientnet_pytorch import EfficientNet

from conftest import run_pt2tf
from zoo_harness import (CheckpointCache, assert_close, assert_fails_cleanly, check_onnx,
                         convert, make_torch_model, random_input, randomize, run_onnx,
                         torch_reference)

LUKEMELAS_SMALL = [f"efficientnet-b{i}" for i in range(5)]
# 30-66M parameters at 456-600 px: built, converted and deleted one at a time.
LUKEMELAS_LARGE = ["efficientnet-b5", "efficientnet-b6", "efficientnet-b7"]
TORCHVISION = ["efficientnet_b0", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large"]
# torchvision's b1..b7 pad symmetrically (no dependence on the image size): checked at a small
# input to keep the suite fast.
TORCHVISION_WIDER = [f"efficientnet_b{i}" for i in range(1, 8)]


@pytest.fixture(autouse=True, scope="module")
def _single_thread_torch():
    # Two cores are shared by pytest -n 2: one thread per worker.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def calibrate(model, size):
    """BN running stats measured on random_input((1, C, H, W)), the test input; eval mode."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    model.eval()
    momenta = [bn.momentum for bn in bns]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average: one batch gives exactly its statistics
        bn.train()
    in_channels = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d)).in_channels
    with torch.no_grad():
        model(torch.from_numpy(random_input((1, in_channels, *size))))
        for bn, momentum in zip(bns, momenta):
            bn.momentum = momentum
    return model.eval()


def check_size(name):
    """The (H, W) a model is checked at."""
    if name.startswith("efficientnet-"):
        size = EfficientNet.get_image_size(name)
        return size, size
    return (128, 128) if name in TORCHVISION_WIDER else (224, 224)


class EffnetCache(CheckpointCache):
    """zoo_harness's cache, with BN statistics calibrated at the size each model is checked at."""

    def model(self, name, seed=0):
        if (name, seed) not in self._models:
            self._models[(name, seed)] = calibrate(make_torch_model(name, seed), check_size(name))
        return self._models[(name, seed)]


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return EffnetCache(tmp_path_factory.mktemp("effnet-zoo"))


def lukemelas(name, size, seed=0, **override):
    """EfficientNet.from_name(name, **override), randomised and calibrated at `size`, in eval."""
    torch.manual_seed(seed)
    return calibrate(randomize(EfficientNet.from_name(name, **override), seed), size)


class CustomCheckpoints:
    """efficientnet_pytorch models with non-default construction arguments, saved once."""

    def __init__(self, directory):
        self.directory = directory
        self._saved = {}

    def get(self, key, name, size, whole_model, **override):
        if key not in self._saved:
            model = lukemelas(name, size, **override)
            path = self.directory / f"{key}.pth"
            torch.save(model if whole_model else model.state_dict(), path)
            self._saved[key] = (path, model)
        return self._saved[key]


@pytest.fixture(scope="session")
def custom(tmp_path_factory):
    return CustomCheckpoints(tmp_path_factory.mktemp("effnet-custom"))


def check(model, checkpoint, tmp_path, shape, model_name=None, input_shape=None, opset=None):
    """Converts, runs in ONNX Runtime on a random `shape` input, compares, checks; returns
    (max|diff|, the ONNX ModelProto without weights, pt2tf's stderr)."""
    out = tmp_path / "m.onnx"
    proc = convert(checkpoint, out, model=model_name, input_shape=input_shape, opset=opset)
    x = random_input(shape)
    ref = torch_reference(model, x)
    got = run_onnx(out, x)
    what = f"{model_name or checkpoint.name} {'x'.join(map(str, shape))}"
    diff = assert_close(got, ref, what)
    scale = float(np.max(np.abs(ref)))
    assert diff <= 1e-4 * scale, f"{what}: max|diff| {diff:.3g} > 1e-4 * max|ref| ({scale:.3g})"
    # The comparison means something only if the output depends on the input.
    moved = float(np.max(np.abs(torch_reference(model, random_input(shape, 1)) - ref)))
    assert moved > 100 * 1e-4 * max(1.0, scale), f"{what}: output hardly depends on the input"
    check_onnx(out)
    proto = onnx.load(str(out), load_external_data=False)
    out.unlink()
    return diff, proto, proc.stderr


def graph_input_shape(proto):
    return tuple(d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim)


# ---- state dicts, default input shapes ----

@pytest.mark.parametrize("name", LUKEMELAS_SMALL)
def test_efficientnet_pytorch(pt2tf_bin, cache, tmp_path, name):
    checkpoint, model = cache.state_dict(name)
    size = EfficientNet.get_image_size(name)
    check(model, checkpoint, tmp_path, (1, 3, size, size), model_name=name)


@pytest.mark.parametrize("name", LUKEMELAS_LARGE)
def test_efficientnet_pytorch_large(pt2tf_bin, cache, tmp_path, name):
    try:
        checkpoint, model = cache.state_dict(name)
        size = EfficientNet.get_image_size(name)
        check(model, checkpoint, tmp_path, (1, 3, size, size), model_name=name)
    finally:
        cache.forget(name)


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision(pt2tf_bin, cache, tmp_path, name):
    checkpoint, model = cache.state_dict(name)
    check(model, checkpoint, tmp_path, (1, 3, 224, 224), model_name=name)


@pytest.mark.parametrize("name", TORCHVISION_WIDER)
def test_torchvision_efficientnet_wider(pt2tf_bin, cache, tmp_path, name):
    try:
        checkpoint, model = cache.state_dict(name)
        check(model, checkpoint, tmp_path, (1, 3, 128, 128), model_name=name,
              input_shape=(1, 3, 128, 128))
    finally:
        cache.forget(name)


@pytest.mark.parametrize("opset", [13, 21])
def test_efficientnet_b0_opsets(pt2tf_bin, cache, tmp_path, opset):
    checkpoint, model = cache.state_dict("efficientnet-b0")
    _, proto, _ = check(model, checkpoint, tmp_path, (1, 3, 224, 224),
                        model_name="efficientnet-b0", opset=opset)
    versions = {o.domain: o.version for o in proto.opset_import}
    assert versions.get("", versions.get("ai.onnx")) == opset, versions


# ---- --input-shape recomputes the static padding as from_name(image_size=...) does ----

def test_efficientnet_b3_at_320(pt2tf_bin, custom, tmp_path):
    # 300 and 320 differ in parity after the third stride-2 stage (75 vs 80 px), so the
    # 5x5 stride-2 depthwise pads differ: (2, 2) for 75 px, (1, 2) for 80 px.
    checkpoint, model = custom.get("b3-320", "efficientnet-b3", (320, 320), False,
                                   image_size=320)
    shape = (1, 3, 320, 320)
    check(model, checkpoint, tmp_path, shape, model_name="efficientnet-b3", input_shape=shape)
    # The check can tell: the default-size model run at 320 px computes something else.
    default_padding = EfficientNet.from_name("efficientnet-b3").eval()
    default_padding.load_state_dict(model.state_dict())
    x = random_input(shape)
    ref = torch_reference(model, x)
    apart = np.max(np.abs(torch_reference(default_padding, x) - ref))
    assert apart > 100 * 1e-4 * max(1.0, np.max(np.abs(ref))), apart


def test_efficientnet_b0_non_square_batch2(pt2tf_bin, custom, tmp_path):
    checkpoint, model = custom.get("b0-232x200", "efficientnet-b0", (232, 200), False,
                                   image_size=(232, 200))
    shape = (2, 3, 232, 200)
    check(model, checkpoint, tmp_path, shape, model_name="efficientnet-b0", input_shape=shape)


def test_efficientnet_b0_in_channels_and_classes(pt2tf_bin, custom, tmp_path):
    # from_name(in_channels=1, num_classes=10): the stem and _fc follow the checkpoint.
    checkpoint, model = custom.get("b0-gray10", "efficientnet-b0", (224, 224), False,
                                   in_channels=1, num_classes=10)
    _, proto, _ = check(model, checkpoint, tmp_path, (1, 1, 224, 224),
                        model_name="efficientnet-b0")
    assert graph_input_shape(proto) == (1, 1, 224, 224)


# ---- whole-model pickles pick their architecture (no --model) ----

@pytest.mark.parametrize("name", ["mobilenet_v2", "efficientnet-b0", "efficientnet_b0",
                                  "mobilenet_v3_small", "mobilenet_v3_large"])
def test_whole_model(pt2tf_bin, cache, tmp_path, name):
    checkpoint, model = cache.whole_model(name)
    size = EfficientNet.get_image_size(name) if name.startswith("efficientnet-") else 224
    check(model, checkpoint, tmp_path, (1, 3, size, size))


def test_whole_model_custom_image_size(pt2tf_bin, custom, tmp_path):
    # The pickled GlobalParams.image_size sets the padding and the default input shape.
    checkpoint, model = custom.get("b0-256-module", "efficientnet-b0", (256, 256), True,
                                   image_size=256)
    _, proto, _ = check(model, checkpoint, tmp_path, (1, 3, 256, 256))
    assert graph_input_shape(proto) == (1, 3, 256, 256)


def test_whole_model_non_square_b2(pt2tf_bin, custom, tmp_path):
    checkpoint, model = custom.get("b2-module", "efficientnet-b2", (250, 190), True,
                                   image_size=(250, 190))
    _, proto, _ = check(model, checkpoint, tmp_path, (1, 3, 250, 190))
    assert graph_input_shape(proto) == (1, 3, 250, 190)


def test_whole_model_run_at_another_size_keeps_its_padding(pt2tf_bin, custom, tmp_path):
    # Like the pickled model in PyTorch: padding for image_size 224, applied to a 240 input.
    checkpoint, model = custom.get("b0-module", "efficientnet-b0", (240, 240), True)
    shape = (1, 3, 240, 240)
    _, _, stderr = check(model, checkpoint, tmp_path, shape, input_shape=shape)
    assert "pickled image_size 224x224" in stderr


def test_whole_model_dynamic_padding_headless(pt2tf_bin, custom, tmp_path):
    # image_size=None: Conv2dDynamicSamePadding, padded for the input each conv gets.
    checkpoint, model = custom.get("b1-dynamic-module", "efficientnet-b1", (201, 187), True,
                                   image_size=None, num_classes=7)
    shape = (1, 3, 201, 187)
    _, proto, _ = check(model, checkpoint, tmp_path, shape, input_shape=shape)
    out_dims = tuple(d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim)
    assert out_dims == (1, 7)
    checkpoint, model = custom.get("b0-headless-module", "efficientnet-b0", (224, 224), True,
                                   include_top=False)
    _, proto, _ = check(model, checkpoint, tmp_path, (1, 3, 224, 224))
    out_dims = tuple(d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim)
    assert out_dims == (1, 1280, 1, 1)


# ---- bad input: one line, exit 1, no output file ----

def test_unknown_efficientnet_coefficients(pt2tf_bin, custom, tmp_path):
    checkpoint, _ = custom.get("half-width-module", "efficientnet-b0", (224, 224), True,
                               width_coefficient=0.5)
    out = tmp_path / "x.onnx"
    assert_fails_cleanly(["convert", "-i", checkpoint, "-o", out], out,
                         "efficientnet_pytorch.model.EfficientNet", "width_coefficient 0.5")


def test_wrong_variant_lists_keys(pt2tf_bin, cache, tmp_path):
    checkpoint, _ = cache.state_dict("efficientnet-b0")
    out = tmp_path / "x.onnx"
    assert_fails_cleanly(["convert", "-i", checkpoint, "--model", "efficientnet-b1", "-o", out],
                         out, "efficientnet-b1", "missing keys: _blocks.16.")


def test_input_shape_must_be_nchw(pt2tf_bin, cache, tmp_path):
    checkpoint, _ = cache.state_dict("efficientnet-b0")
    out = tmp_path / "x.onnx"
    proc = run_pt2tf("convert", "-i", checkpoint, "--model", "efficientnet-b0",
                     "--input-shape", "1x3x224", "-o", out, check=False)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "1x3x224" in proc.stderr
    assert not out.exists()
