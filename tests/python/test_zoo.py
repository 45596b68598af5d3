"""The model zoo against PyTorch: every model of torchvision's families and CivilNet,
converted by `pt2tf convert` and run in ONNX Runtime (see zoo_harness.py for the flow)."""
import json
import os
import subprocess

import pytest
import torch

from conftest import run_pt2tf, run_pt2tf_json
from zoo_harness import (assert_fails_cleanly, parameter_count, torch_constructor,  # noqa: F401
                         verify_model, zoo_cache)

SMALL = ["civilnet", "resnet18", "resnet34", "resnet50", "squeezenet1_0", "squeezenet1_1",
         "densenet121"]
# Large checkpoints (0.2 - 0.6 GB): built, converted and deleted one at a time.
LARGE = ["resnet101", "resnet152", "alexnet", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn",
         "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]


@pytest.fixture(autouse=True, scope="module")
def _single_thread_torch():
    # Two cores are shared by pytest -n 2: one thread per worker.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name", SMALL)
def test_matches_torch(pt2tf_bin, zoo_cache, tmp_path, name):
    verify_model(zoo_cache, name, tmp_path)


@pytest.mark.parametrize("name", LARGE)
def test_large_matches_torch(pt2tf_bin, zoo_cache, tmp_path, name):
    try:
        verify_model(zoo_cache, name, tmp_path)
    finally:
        zoo_cache.forget(name)


def test_resnet50_batch4(pt2tf_bin, zoo_cache, tmp_path):
    verify_model(zoo_cache, "resnet50", tmp_path, input_shape=(4, 3, 224, 224))


@pytest.mark.parametrize("opset", [13, 21])
def test_resnet18_opsets(pt2tf_bin, zoo_cache, tmp_path, opset):
    verify_model(zoo_cache, "resnet18", tmp_path, opset=opset)


@pytest.mark.parametrize("name", ["civilnet", "resnet18", "squeezenet1_0", "densenet121"])
def test_whole_model_pickle_picks_architecture(pt2tf_bin, zoo_cache, tmp_path, name):
    verify_model(zoo_cache, name, tmp_path, whole_model=True)


def test_models_json_parameter_counts_match_torch(pt2tf_bin):
    models = run_pt2tf_json("models", "--json")
    names = [m["name"] for m in models]
    for expected in SMALL + LARGE:
        assert expected in names
    for m in models:
        assert m["parameter_count"] == parameter_count(m["name"]), m["name"]
        assert len(m["input_shape"]) == 4 and m["input_shape"][0] == 1, m
        assert m["source"], m


def test_shape_only_builds_match_torch(pt2tf_bin, tmp_path):
    """Drives Registry.ShapeOnlyBuildsMatchTorch (tests/cpp/zoo_test.cpp) with what torch says
    of every zoo model, built on the meta device: its state_dict names and shapes, its output
    shape at the default input and its parameter count."""
    reference = {}
    for m in run_pt2tf_json("models", "--json"):
        with torch.device("meta"):
            model = torch_constructor(m["name"])(m["name"]).eval()
            with torch.no_grad():
                out = model(torch.empty(m["input_shape"]))
        reference[m["name"]] = {
            "parameters": sum(p.numel() for p in model.parameters()),
            "output": list(out.shape),
            "state_dict": {k: list(v.shape) for k, v in model.state_dict().items()}}
    path = tmp_path / "zoo_reference.json"
    path.write_text(json.dumps(reference))
    tests = pt2tf_bin.parent / "pt2tf_tests"
    proc = subprocess.run([str(tests), "--gtest_filter=Registry.ShapeOnlyBuildsMatchTorch"],
                          env=dict(os.environ, PT2TF_ZOO_REFERENCE=str(path)),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "[  PASSED  ] 1 test" in proc.stdout, proc.stdout[-4000:]


def test_models_table_lists_every_model(pt2tf_bin):
    table = run_pt2tf("models").stdout
    for m in run_pt2tf_json("models", "--json"):
        assert m["name"] in table


# ---- bad input: one line, exit 1, no output file ----

def test_unknown_model_suggests_near_names(pt2tf_bin, zoo_cache, tmp_path):
    checkpoint, _ = zoo_cache.state_dict("civilnet")
    out = tmp_path / "x.onnx"
    line = assert_fails_cleanly(["convert", "-i", checkpoint, "--model", "resnet19", "-o", out],
                                out, "resnet19", "resnet18")
    assert "models" in line


def test_missing_and_mismatched_keys_are_listed(pt2tf_bin, zoo_cache, tmp_path):
    _, model = zoo_cache.state_dict("civilnet")
    state = dict(model.state_dict())
    del state["fc2.bias"]
    state["conv1.weight"] = torch.zeros(6, 3, 3, 3)
    state["fc4.weight"] = torch.zeros(1)
    bad = tmp_path / "bad.pth"
    torch.save(state, bad)
    out = tmp_path / "x.onnx"
    assert_fails_cleanly(["convert", "-i", bad, "--model", "civilnet", "-o", out], out,
                         "bad.pth", "missing keys: fc2.bias", "unexpected keys: fc4.weight",
                         "conv1.weight (expected 6x3x5x5, found 6x3x3x3)")


def test_non_strict_accepts_unexpected_keys(pt2tf_bin, zoo_cache, tmp_path):
    _, model = zoo_cache.state_dict("civilnet")
    state = dict(model.state_dict())
    state["extra.weight"] = torch.zeros(1)
    extra = tmp_path / "extra.pth"
    torch.save(state, extra)
    out = tmp_path / "x.onnx"
    proc = run_pt2tf("convert", "-i", extra, "--model", "civilnet", "--non-strict", "-o", out)
    assert "extra.weight" in proc.stderr
    assert out.exists()


def test_input_too_small_names_the_layer(pt2tf_bin, zoo_cache, tmp_path):
    checkpoint, _ = zoo_cache.state_dict("civilnet")
    out = tmp_path / "x.onnx"
    assert_fails_cleanly(["convert", "-i", checkpoint, "--model", "civilnet",
                          "--input-shape", "1x3x8x8", "-o", out], out, "conv2", "too small")


@pytest.mark.parametrize("name,head", [("resnet18", "fc"), ("squeezenet1_1", "classifier.1")])
def test_fine_tuned_head_is_sized_from_checkpoint(pt2tf_bin, tmp_path, name, head):
    """A state dict trained with num_classes=10 binds: the head takes the checkpoint's size."""
    import torchvision
    from zoo_harness import (assert_close, check_onnx, convert, random_input, randomize,
                             run_onnx, torch_reference)
    torch.manual_seed(0)
    model = randomize(torchvision.models.get_model(name, weights=None, num_classes=10)).eval()
    assert model.state_dict()[head + ".weight"].shape[0] == 10
    checkpoint, out = tmp_path / "ft.pth", tmp_path / "ft.onnx"
    torch.save(model.state_dict(), checkpoint)
    convert(checkpoint, out, model=name)
    x = random_input((1, 3, 224, 224))
    got = run_onnx(out, x)
    assert_close(got, torch_reference(model, x), name)
    check_onnx(out, got)


def test_data_parallel_prefix_is_stripped(pt2tf_bin, zoo_cache, tmp_path):
    """A state dict of nn.DataParallel(model) ("module.conv1.weight") binds, with a warning."""
    from zoo_harness import assert_close, random_input, run_onnx, torch_reference
    _, model = zoo_cache.state_dict("civilnet")
    checkpoint, out = tmp_path / "dp.pth", tmp_path / "dp.onnx"
    torch.save(torch.nn.DataParallel(model).state_dict(), checkpoint)
    proc = run_pt2tf("convert", "-i", checkpoint, "--model", "civilnet", "-o", out)
    assert "module." in proc.stderr
    x = random_input((1, 3, 32, 32))
    assert_close(run_onnx(out, x), torch_reference(model, x), "civilnet")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_non_float32_weights_are_converted(pt2tf_bin, tmp_path, dtype):
    """Weights saved as float16 / bfloat16 / float64 bind as their float32 values."""
    import copy
    from zoo_harness import assert_close, make_torch_model, random_input, run_onnx, torch_reference
    model = make_torch_model("civilnet")
    low = copy.deepcopy(model).to(dtype)
    checkpoint, out = tmp_path / "low.pth", tmp_path / "low.onnx"
    torch.save(low.state_dict(), checkpoint)
    convert_args = ["convert", "-i", checkpoint, "--model", "civilnet", "-o", out]
    run_pt2tf(*convert_args)
    reference = low.float()  # the same rounded weights, computed in float32
    x = random_input((1, 3, 32, 32))
    assert_close(run_onnx(out, x), torch_reference(reference, x), str(dtype))
