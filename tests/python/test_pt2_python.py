"""The Python package (python/pt2tf): pt2tf.convert(module, ...) on live modules.

Runs the package from the source tree against build/pt2tf (PT2TF_BINARY), so it needs no
`pip install`; the wheel bundles the same binary and the same Python file.
"""
import os
import pathlib
import sys

import numpy as np
import onnxruntime as ort
import pytest
import torch

from conftest import PT2TF, ROOT, run_pt2tf
from pt2_models import MODELS

sys.path.insert(0, str(ROOT / "python"))
os.environ.setdefault("PT2TF_BINARY", str(PT2TF))
import pt2tf  # noqa: E402


def test_convert_module_matches_cli_and_eager(tmp_path):
    model, inputs = MODELS["resnet18"]()
    outs = [tmp_path / "py.onnx", tmp_path / "py.pb"]
    summary = pt2tf.convert(model, inputs, outputs=outs, keep_pt2=tmp_path / "kept.pt2")
    assert [f["path"] for f in summary.files] == [str(o) for o in outs]
    assert all(f["bytes"] > 0 for f in summary.files)
    assert summary.inputs[0]["shape"] == [1, 3, 224, 224]
    assert summary.parameters == sum(p.numel() for p in model.parameters()) + sum(
        b.numel() for n, b in model.named_buffers() if "running" in n)
    assert summary.export_seconds > 0 and summary.convert_seconds > 0
    # The CLI on the same archive writes the same ONNX bytes.
    run_pt2tf("convert", "-i", tmp_path / "kept.pt2", "-o", tmp_path / "cli.onnx")
    assert (tmp_path / "cli.onnx").read_bytes() == outs[0].read_bytes()
    with torch.no_grad():
        ref = model(*inputs).numpy()
    sess = ort.InferenceSession(str(outs[0]), providers=["CPUExecutionProvider"])
    got = sess.run(None, {summary.inputs[0]["name"]: inputs[0].numpy()})[0]
    assert np.abs(got - ref).max() <= 1e-4 * max(1.0, np.abs(ref).max())


def test_convert_dynamic_shapes_and_errors(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(6, 3), torch.nn.Tanh()).eval()
    batch = torch.export.Dim("batch", min=1, max=32)
    summary = pt2tf.convert(model, torch.randn(4, 6), outputs=tmp_path / "d.onnx",
                            dynamic_shapes=({0: batch},))
    assert summary.inputs[0]["shape"] == [-1, 6]

    class Unsupported(torch.nn.Module):
        def forward(self, x):
            return torch.fft.rfft(x).abs()

    with pytest.raises(pt2tf.ConversionError, match="unsupported op aten.fft_rfft.default"):
        pt2tf.convert(Unsupported(), torch.randn(2, 8), outputs=tmp_path / "u.onnx")
    assert not (tmp_path / "u.onnx").exists()
