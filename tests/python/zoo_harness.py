"""Shared helpers for the model-zoo reference tests.

The flow every zoo test follows (`verify_model` does all of it):
  1. build the PyTorch model by its pt2tf name (`make_torch_model`): torchvision,
     efficientnet_pytorch, or the Python CivilNet of examples/civilnet.py;
  2. random-initialise it with a fixed seed, BatchNorm affine parameters and running
     statistics included, so BatchNorm is really tested (`randomize`);
  3. save its state_dict (or the whole module) once per session (`CheckpointCache`);
  4. convert with `pt2tf convert`;
  5. run the .onnx in ONNX Runtime on a random input and compare with the PyTorch eval
     output: max|diff| <= 1e-4 * max(1, max|reference|) (`assert_close`);
  6. onnx.checker.check_model(full_check=True).
"""
import gc
import importlib.util
import pathlib
import sys

import numpy as np
import pytest
import torch

from conftest import ROOT, run_pt2tf

RTOL = 1e-4


# ---- building the PyTorch side ----

# TEMPORARY: used only until examples/civilnet.py (branch reader) is merged.
_INLINE_CIVILNET = """
import torch
import torch.nn as nn
import torch.nn.functional as F

class CivilNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

def as_main_class(model):
    import __main__
    CivilNet.__module__ = "__main__"
    __main__.CivilNet = CivilNet
    return model
"""


def load_civilnet_module():
    """examples/civilnet.py as a module (the one Python definition of CivilNet)."""
    if "civilnet" in sys.modules:
        return sys.modules["civilnet"]
    path = ROOT / "examples" / "civilnet.py"
    if not path.exists():
        import types
        module = types.ModuleType("civilnet")
        exec(_INLINE_CIVILNET, module.__dict__)
        sys.modules["civilnet"] = module
        return module
    spec = importlib.util.spec_from_file_location("civilnet", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["civilnet"] = module
    spec.loader.exec_module(module)
    return module


def _torchvision(name):
    import torchvision
    return torchvision.models.get_model(name, weights=None)


def _efficientnet_pytorch(name):
    from efficientnet_pytorch import EfficientNet
    return EfficientNet.from_name(name)


def _civilnet(name):
    return load_civilnet_module().CivilNet()


def torch_constructor(name):
    """The function that builds the PyTorch twin of pt2tf model `name` (random weights)."""
    if name == "civilnet":
        return _civilnet
    if name.startswith("efficientnet-"):
        return _efficientnet_pytorch
    return _torchvision


def make_torch_model(name, seed=0):
    """The PyTorch model pt2tf calls `name`, randomised with `seed`, in eval mode."""
    torch.manual_seed(seed)
    model = torch_constructor(name)(name)
    randomize(model, seed)
    return model.eval()


def randomize(model, seed=0):
    """Gives every BatchNorm non-trivial weight, bias, running_mean and running_var.

    Freshly built models have weight 1, bias 0, mean 0, var 1: an identity BN that would
    hide a wrong epsilon, a swapped mean/var or a missing BN node.
    """
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                if m.weight is not None:
                    m.weight.copy_(torch.empty(n).uniform_(0.5, 1.5, generator=g))
                    m.bias.copy_(torch.empty(n).normal_(0.0, 0.1, generator=g))
                if m.running_mean is not None:
                    m.running_mean.copy_(torch.empty(n).normal_(0.0, 0.1, generator=g))
                    m.running_var.copy_(torch.empty(n).uniform_(0.5, 1.5, generator=g))
    return model


def parameter_count(name):
    """sum(p.numel()) of the PyTorch model, built on the meta device (no memory, fast)."""
    with torch.device("meta"):
        model = torch_constructor(name)(name)
    return sum(p.numel() for p in model.parameters())


# ---- checkpoints, once per session ----

class CheckpointCache:
    """Builds each (model, seed) once per session and saves it under `directory`.

    `state_dict(name)` saves model.state_dict(); `whole_model(name)` pickles the module
    itself (torch.save(model)). Both return (path, model).
    """

    def __init__(self, directory):
        self.directory = pathlib.Path(directory)
        self._models = {}
        self._paths = {}

    def model(self, name, seed=0):
        key = (name, seed)
        if key not in self._models:
            self._models[key] = make_torch_model(name, seed)
        return self._models[key]

    def state_dict(self, name, seed=0):
        key = (name, seed, "state_dict")
        model = self.model(name, seed)
        if key not in self._paths:
            path = self.directory / f"{name}-{seed}.pth"
            torch.save(model.state_dict(), path)
            self._paths[key] = path
        return self._paths[key], model

    def whole_model(self, name, seed=0):
        key = (name, seed, "module")
        model = self.model(name, seed)
        if key not in self._paths:
            path = self.directory / f"{name}-{seed}-module.pth"
            if name == "civilnet":
                load_civilnet_module().as_main_class(model)
            torch.save(model, path)
            self._paths[key] = path
        return self._paths[key], model

    def forget(self, name, seed=0):
        """Drops the model and deletes its files (for the large ones, after their test)."""
        self._models.pop((name, seed), None)
        for key in [k for k in self._paths if k[:2] == (name, seed)]:
            self._paths.pop(key).unlink(missing_ok=True)
        gc.collect()


# ---- running and comparing ----

def random_input(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def torch_reference(model, x):
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


def run_onnx(path, x):
    """Runs the model at `path` on input `x` (graph input "input") in ONNX Runtime."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # the CI machine has 2 cores shared by pytest -n 2
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    assert names == ["input"], f"graph inputs are {names}, expected ['input']"
    return session.run(["output"], {"input": x})[0]


def assert_close(got, ref, what=""):
    """max|got - ref| <= 1e-4 * max(1, max|ref|); returns the difference."""
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != reference {ref.shape}"
    diff = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64))))
    tol = RTOL * max(1.0, float(np.max(np.abs(ref))))
    assert diff <= tol, f"{what}: max|diff| {diff:.3g} > tolerance {tol:.3g}"
    return diff


def check_onnx(path):
    import onnx
    onnx.checker.check_model(str(path), full_check=True)


def convert(checkpoint, out, model=None, input_shape=None, opset=None, extra=()):
    """`pt2tf convert`; returns the CompletedProcess (asserts exit code 0)."""
    args = ["convert", "-i", checkpoint, "-o", out]
    if model:
        args += ["--model", model]
    if input_shape:
        args += ["--input-shape", "x".join(map(str, input_shape))]
    if opset:
        args += ["--opset", opset]
    return run_pt2tf(*args, *extra)


def default_input_shape(name):
    """The model's default input shape as `pt2tf models --json` reports it."""
    from conftest import run_pt2tf_json
    for entry in run_pt2tf_json("models", "--json"):
        if entry["name"] == name:
            return tuple(entry["input_shape"])
    raise KeyError(name)


def verify_model(cache, name, tmp_path, input_shape=None, opset=None, whole_model=False,
                 seed=0):
    """The whole reference check for one model; returns max|diff|.

    whole_model=True saves torch.save(model) and converts without --model, so the pickled
    class must pick the architecture.
    """
    if whole_model:
        checkpoint, model = cache.whole_model(name, seed)
    else:
        checkpoint, model = cache.state_dict(name, seed)
    shape = input_shape or default_input_shape(name)
    out = pathlib.Path(tmp_path) / f"{name}.onnx"
    convert(checkpoint, out, model=None if whole_model else name,
            input_shape=input_shape, opset=opset)
    assert out.exists()
    x = random_input(shape, seed)
    ref = torch_reference(model, x)
    got = run_onnx(out, x)
    diff = assert_close(got, ref, f"{name} {'x'.join(map(str, shape))}")
    check_onnx(out)
    if opset:
        import onnx
        proto = onnx.load(str(out), load_external_data=False)
        versions = {o.domain: o.version for o in proto.opset_import}
        assert versions.get("", versions.get("ai.onnx")) == opset, versions
    out.unlink()
    return diff


def assert_fails_cleanly(args, out, *needles):
    """pt2tf exits 1 with one line on stderr containing every needle, and leaves no `out`."""
    proc = run_pt2tf(*args, check=False)
    assert proc.returncode == 1, f"exit {proc.returncode}: {proc.stderr}"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in: {lines[0]}"
    assert not pathlib.Path(out).exists()
    return lines[0]


@pytest.fixture(scope="session")
def zoo_cache(tmp_path_factory):
    """One CheckpointCache per test session (per xdist worker)."""
    return CheckpointCache(tmp_path_factory.mktemp("zoo"))
