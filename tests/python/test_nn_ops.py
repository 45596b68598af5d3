"""The nn layer variants the zoo does not use, against PyTorch: each probe module here has a
C++ twin of the same name in tests/cpp/nn_probe_test.cpp, which binds the state_dict saved
here and writes <name>.onnx; ONNX Runtime's output must match PyTorch's."""
import os
import subprocess

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from conftest import PT2TF
from zoo_harness import assert_close, check_onnx, random_input, randomize, run_onnx


class ConvProbe(nn.Module):
    def __init__(self):
        super().__init__()
        self.same = nn.Conv2d(4, 6, 4, padding="same")
        self.dilated = nn.Conv2d(6, 8, 3, stride=2, padding=(1, 2), dilation=2, groups=2)
        self.valid = nn.Conv2d(8, 4, (1, 3), padding="valid", bias=False)

    def forward(self, x):
        return self.valid(self.dilated(self.same(x)))


class PoolProbe(nn.Module):
    def __init__(self):
        super().__init__()
        self.max_dilated = nn.MaxPool2d(3, stride=2, padding=1, dilation=2, ceil_mode=True)
        self.avg_ceil_pad = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                                         count_include_pad=False)
        self.avg_ceil = nn.AvgPool2d(2, ceil_mode=True)
        self.avg_pad = nn.AvgPool2d(3, 2, 1)
        self.max_ceil_pad = nn.MaxPool2d(2, stride=2, padding=1, ceil_mode=True)

    def forward(self, x):
        x11 = F.pad(x, (0, 1, 0, 1))
        x9 = F.pad(x, (0, -1, 0, -1))
        return torch.cat([torch.flatten(self.max_dilated(x), 1),
                          torch.flatten(self.avg_ceil_pad(x), 1),
                          torch.flatten(self.avg_ceil(x11), 1),
                          torch.flatten(self.avg_pad(x), 1),
                          torch.flatten(self.max_ceil_pad(x9), 1)], 1)


class ActivationProbe(nn.Module):
    def __init__(self):
        super().__init__()
        self.relu6 = nn.ReLU6(inplace=True)
        self.silu = nn.SiLU()
        self.hardswish = nn.Hardswish()
        self.hardsigmoid = nn.Hardsigmoid()
        self.sigmoid = nn.Sigmoid()
        self.tanh = nn.Tanh()
        self.gelu = nn.GELU()
        self.gelu_tanh = nn.GELU("tanh")

    def forward(self, x):
        return torch.cat([self.relu6(x.clone()), self.silu(x), self.hardswish(x),
                          self.hardsigmoid(x), self.sigmoid(x), self.tanh(x), self.gelu(x),
                          self.gelu_tanh(x), F.relu(x), torch.sigmoid(x)], 1)


class ShapeProbe(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(4, eps=1e-3, affine=False)
        self.pad = nn.ZeroPad2d((1, 2, 0, 3))
        self.pool7 = nn.AdaptiveAvgPool2d(7)
        self.pool_same = nn.AdaptiveAvgPool2d((7, 7))
        self.proj = nn.Linear(7, 5)
        self.flat = nn.Flatten(2)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        y = self.pool_same(self.pool7(self.pad(self.bn(x))))
        scale = y.mean([2, 3], keepdim=True)
        y = y * scale + torch.sigmoid(scale)
        t = self.proj(y).transpose(1, 3)
        p = t.permute(0, 2, 1, 3)
        r = p.reshape(1, -1, 10)
        m = r.mean(-1).reshape(1, 2, 7)
        return torch.cat([self.flat(self.drop(r.reshape(1, 2, 7, 10))), m], 2)


PROBES = {
    "conv": (ConvProbe, (2, 4, 13, 11)),
    "pool": (PoolProbe, (1, 3, 10, 10)),
    "activation": (ActivationProbe, (1, 2, 5, 7)),
    "shape": (ShapeProbe, (1, 4, 11, 11)),
}


@pytest.fixture(scope="module")
def probe_dir(tmp_path_factory, pt2tf_bin):
    """Saves every probe's state_dict, then lets the C++ twins write their .onnx files."""
    directory = tmp_path_factory.mktemp("nn_probes")
    models = {}
    for i, (name, (cls, _)) in enumerate(PROBES.items()):
        torch.manual_seed(i)
        models[name] = randomize(cls(), seed=i).eval()
        torch.save(models[name].state_dict(), directory / f"{name}.pth")
    tests = PT2TF.parent / "pt2tf_tests"
    proc = subprocess.run([str(tests), "--gtest_also_run_disabled_tests",
                           "--gtest_filter=NnProbe.*"], capture_output=True, text=True,
                          env={**os.environ, "PT2TF_NN_PROBE_DIR": str(directory)}, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return directory, models


@pytest.mark.parametrize("name", list(PROBES))
def test_probe_matches_torch(probe_dir, name):
    directory, models = probe_dir
    x = random_input(PROBES[name][1], seed=7) * 3  # reach the activations' bends
    with torch.no_grad():
        ref = models[name](torch.from_numpy(x)).numpy()
    got = run_onnx(directory / f"{name}.onnx", x)
    assert_close(got, ref, name)
    check_onnx(directory / f"{name}.onnx", got)
