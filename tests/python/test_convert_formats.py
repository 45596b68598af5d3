"""`pt2tf convert` from each checkpoint format docs/CLI.md promises, compared with PyTorch.

The same random-weight model is saved as safetensors (safetensors.torch.save_file), as a
TorchScript archive (torch.jit.trace + torch.jit.save) and as a legacy pre-1.6 torch.save
stream (_use_new_zipfile_serialization=False); each is converted with `pt2tf convert --model`
to ONNX, run in ONNX Runtime and compared with the PyTorch eval output
(max|diff| <= 1e-4 * max(1, max|ref|)). test_zoo.py covers torch-zip files and
test_checkpoint_reader.py what `inspect` reads from each format.
"""
import json

import pytest
import torch

import zoo_harness as zh
from conftest import run_pt2tf

FORMATS = {"safetensors": ".safetensors", "torchscript": ".pt", "torch-legacy": ".pth"}
MODELS = ["civilnet", "resnet18"]


@pytest.fixture(scope="module")
def models():
    return {}


def save(model, fmt, path, x):
    if fmt == "safetensors":
        from safetensors.torch import save_file
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    elif fmt == "torchscript":
        with torch.no_grad():
            torch.jit.save(torch.jit.trace(model, torch.from_numpy(x)), str(path))
    else:
        torch.save(model.state_dict(), path, _use_new_zipfile_serialization=False)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("name", MODELS)
def test_convert_matches_torch(pt2tf_bin, models, tmp_path, name, fmt):
    if name not in models:
        models[name] = zh.make_torch_model(name, seed=3)
    model = models[name]
    shape = zh.default_input_shape(name)
    x = zh.random_input(shape, seed=3)
    ref = zh.torch_reference(model, x)
    zh.assert_input_sensitive(model, ref, shape, 3, f"{name} ({fmt})")
    checkpoint = tmp_path / f"{name}{FORMATS[fmt]}"
    save(model, fmt, checkpoint, x)
    out = tmp_path / f"{name}.onnx"
    report = json.loads(run_pt2tf("convert", "-i", checkpoint, "--model", name, "-o", out,
                                  "--json").stdout)
    assert report["input_kind"] == fmt
    got = zh.run_onnx(out, x)
    zh.assert_close(got, ref, f"{name} from {fmt}")
    zh.check_onnx(out, got)

