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
import os
import pathlib
import sys
import tempfile

import numpy as np
import pytest
import torch

from conftest import ROOT, run_pt2tf

RTOL = 1e-4


# ---- building the PyTorch side ----

def load_civilnet_module():
    """examples/civilnet.py as a module (the one Python definition of CivilNet)."""
    if "civilnet" in sys.modules:
        return sys.modules["civilnet"]
    spec = importlib.util.spec_from_file_location("civilnet", ROOT / "examples" / "civilnet.py")
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
    """The PyTorch model pt2tf calls `name`, randomised with `seed`, in eval mode.

    Built on the meta device and filled here (He-normal weights, small uniform biases, then
    `randomize` for BatchNorm): torchvision's own initialisation of the 100M-parameter
    models costs seconds per model, this costs a fraction.
    """
    with torch.device("meta"):
        model = torch_constructor(name)(name)
    model = model.to_empty(device="cpu")
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0.0, (2.0 / p[0].numel()) ** 0.5, generator=g)
            else:
                p.uniform_(-0.1, 0.1, generator=g)
        for buffer_name, b in model.named_buffers():
            if buffer_name.endswith("num_batches_tracked"):
                b.zero_()
            elif not buffer_name.endswith(("running_mean", "running_var")):
                raise NotImplementedError(f"{name}: no random fill for buffer {buffer_name}")
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


class FirstOutput(torch.nn.Module):
    """Ultralytics detectors in eval mode return (predictions, raw head outputs)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)[0]


def make_yolo(yaml, gain):
    """An Ultralytics detector from its yaml (no weights file) -> (module, input shape); the
    output compared is the decoded prediction tensor [batch, 4 + classes, anchors] that eval
    mode returns first. Ultralytics' own init (and its class-score bias of about -10) leaves a
    random-weight detector's output nearly independent of the image, which would make the
    comparison vacuous: conv weights get a variance-preserving normal init (`gain` per model,
    chosen so class scores stay mostly inside (0.01, 0.99)) and zero biases. Runs offline,
    with its settings file in a temp dir, not $HOME."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_CONFIG_DIR", os.path.join(tempfile.gettempdir(),
                                                          "pt2tf_ultralytics"))
    from ultralytics.nn.tasks import DetectionModel

    detector = DetectionModel(yaml, nc=80, verbose=False)
    with torch.no_grad():
        for conv in detector.modules():
            if isinstance(conv, torch.nn.Conv2d):
                conv.weight.normal_(0.0, gain / conv.weight[0].numel() ** 0.5)
                if conv.bias is not None:
                    conv.bias.zero_()
    return FirstOutput(detector), (1, 3, 128, 128)


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


def assert_input_sensitive(model, ref, shape, seed, what):
    """The comparison only proves something if the output depends on the input: random
    weights can saturate a deep network until every input gives the same output, and then a
    wrong padding or stride would pass. A second input must move the output by well over the
    tolerance."""
    other = torch_reference(model, random_input(shape, seed + 1000))
    moved = float(np.max(np.abs(other.astype(np.float64) - ref.astype(np.float64))))
    tol = RTOL * max(1.0, float(np.max(np.abs(ref))))
    assert moved > 10 * tol, (f"{what}: output barely depends on the input (moved {moved:.3g}, "
                              f"tolerance {tol:.3g}); the comparison would prove nothing")


def check_onnx(path, output=None):
    """onnx.checker (full_check); with `output`, also that the graph's declared output shape
    is the one ONNX Runtime produced (pt2tf computes shapes itself)."""
    import onnx
    onnx.checker.check_model(str(path), full_check=True)
    if output is not None:
        proto = onnx.load(str(path), load_external_data=False)
        dims = [d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim]
        assert tuple(dims) == output.shape, f"declared output {dims}, produced {output.shape}"


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
    assert_input_sensitive(model, ref, shape, seed, name)
    check_onnx(out, got)
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
