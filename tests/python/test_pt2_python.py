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


class _SmallCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
            torch.nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8), torch.nn.ReLU6(),
            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 5))

    def forward(self, x):
        return self.body(x)


def _cnn():
    torch.manual_seed(0)
    model = _SmallCnn().eval()
    with torch.no_grad():  # a BN with non-trivial statistics, so folding is exercised
        model.body[1].running_mean.uniform_(-0.5, 0.5)
        model.body[1].running_var.uniform_(0.5, 2.0)
    return model


def test_cli_options_pass_through_and_match_the_cli(tmp_path):
    """Every CLI option is a keyword argument: the int8 .tflite from samples given as a tensor
    is byte-identical to the CLI's from the same samples in an .npy, and runs in LiteRT."""
    from tflite_runner import _interpreter

    model = _cnn()
    samples = torch.randn(40, 3, 16, 16)
    out = tmp_path / "py_int8.tflite"
    summary = pt2tf.convert(model, torch.randn(1, 3, 16, 16), outputs=[out],
                            keep_pt2=tmp_path / "m.pt2", quantize="int8", calibration=samples,
                            io_dtype="int8", input_layout="nhwc", tflite_buffers="offset")
    q = summary.quantization[str(out)]
    assert q["mode"] == "int8" and q["calibration_samples"] == 32 and q["eval_samples"] == 8
    assert q["accuracy"][0]["snr_db"] > 15
    np.save(tmp_path / "calib.npy", samples.numpy())
    cli = tmp_path / "cli_int8.tflite"
    run_pt2tf("convert", "-i", tmp_path / "m.pt2", "-o", cli, "--quantize", "int8",
              "--calibration", tmp_path / "calib.npy", "--io-dtype", "int8",
              "--input-layout", "nhwc", "--tflite-buffers", "offset")
    assert cli.read_bytes() == out.read_bytes()
    # Integer-only I/O in NHWC, as asked; the interpreter's result tracks PyTorch's.
    interp = _interpreter(out, delegates=False)
    interp.allocate_tensors()
    inp, res = interp.get_input_details()[0], interp.get_output_details()[0]
    assert inp["dtype"] == np.int8 and list(inp["shape"]) == [1, 16, 16, 3]
    x = samples[:1]
    s, z = inp["quantization"]
    xq = np.clip(np.round(x.permute(0, 2, 3, 1).numpy() / s) + z, -128, 127).astype(np.int8)
    interp.set_tensor(inp["index"], xq)
    interp.invoke()
    s, z = res["quantization"]
    got = (interp.get_tensor(res["index"]).astype(np.float32) - z) * s
    with torch.no_grad():
        ref = model(x).numpy()
    assert np.abs(got - ref).max() <= 0.1 * max(1.0, np.abs(ref).max())


def test_calibration_per_input_and_option_errors(tmp_path):
    class TwoInputs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(6, 4)

        def forward(self, a, b):
            return self.fc(a) * torch.sigmoid(b)

    model = TwoInputs().eval()
    inputs = (torch.randn(1, 6), torch.randn(1, 4))
    cal = (torch.randn(20, 6), torch.randn(20, 4))
    by_position = pt2tf.convert(model, inputs, outputs=tmp_path / "p.tflite",
                                quantize="dynamic-int8", calibration=cal)
    by_name = pt2tf.convert(model, inputs, outputs=tmp_path / "n.tflite",
                            quantize="dynamic-int8", calibration={"a": cal[0], "b": cal[1]})
    assert by_position.quantization[str(tmp_path / "p.tflite")]["eval_samples"] == 4
    assert (tmp_path / "p.tflite").read_bytes() == (tmp_path / "n.tflite").read_bytes()
    # convert_pt2 takes the archive's input order from the native reader.
    pt2tf.convert(model, inputs, outputs=tmp_path / "k.onnx", keep_pt2=tmp_path / "k.pt2")
    pt2tf.convert_pt2(tmp_path / "k.pt2", tmp_path / "a.tflite", quantize="dynamic-int8",
                      calibration=list(cal))
    assert (tmp_path / "a.tflite").read_bytes() == (tmp_path / "n.tflite").read_bytes()
    with pytest.raises(ValueError, match="got 1 for 2 inputs \\(a, b\\)"):
        pt2tf.convert_pt2(tmp_path / "k.pt2", tmp_path / "x.tflite", quantize="int8",
                          calibration=[cal[0]])
    with pytest.raises(pt2tf.ConversionError, match="missing.pt2"):
        pt2tf.convert_pt2(tmp_path / "missing.pt2", tmp_path / "x.tflite", quantize="int8",
                          calibration=list(cal))

    with pytest.raises(ValueError, match="one array .* per model input; got 1 for 2 inputs"):
        pt2tf.convert(model, inputs, outputs=tmp_path / "x.tflite", quantize="int8",
                      calibration=[cal[0]])
    with pytest.raises(TypeError, match="unknown option 'quantise'"):
        pt2tf.convert(model, inputs, outputs=tmp_path / "x.tflite", quantise="int8")
    # The converter's own checks reach Python as its one-line message, and nothing is written.
    with pytest.raises(pt2tf.ConversionError, match="no array named 'b'"):
        pt2tf.convert(model, inputs, outputs=tmp_path / "x.tflite", quantize="int8",
                      calibration={"a": cal[0]})
    with pytest.raises(pt2tf.ConversionError, match="--tflite-buffers"):
        pt2tf.convert(model, inputs, outputs=tmp_path / "x.tflite", tflite_buffers="outside")
    assert not (tmp_path / "x.tflite").exists()


def test_batch_and_input_shape_pin_dynamic_dims(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(6, 3), torch.nn.Tanh()).eval()
    batch = torch.export.Dim("batch", min=1, max=32)
    pt2 = tmp_path / "d.pt2"
    pt2tf.convert(model, torch.randn(4, 6), outputs=tmp_path / "d.onnx",
                  dynamic_shapes=({0: batch},), keep_pt2=pt2)
    pinned = pt2tf.convert_pt2(pt2, tmp_path / "b.onnx", batch=3)
    assert pinned.inputs[0]["shape"] == [3, 6] and pinned.outputs[0]["shape"] == [3, 3]
    name = pinned.inputs[0]["name"]
    shaped = pt2tf.convert_pt2(pt2, tmp_path / "s.onnx", input_shape={name: (7, 6)})
    assert shaped.outputs[0]["shape"] == [7, 3]
    x = torch.randn(7, 6)
    sess = ort.InferenceSession(str(tmp_path / "s.onnx"), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        assert np.abs(sess.run(None, {name: x.numpy()})[0] - model(x).numpy()).max() <= 1e-5
    with pytest.raises(pt2tf.ConversionError,
                       match=r"dim 1 of input .* is 6 in the file \(\?x6\), not 5"):
        pt2tf.convert_pt2(pt2, tmp_path / "e.onnx", input_shape={name: (2, 5)})
    proc = run_pt2tf("convert", "-i", pt2, "-o", tmp_path / "e.onnx", "--dynamic-batch",
                     check=False)
    assert proc.returncode != 0 and "dynamic_shapes" in proc.stderr
    assert not (tmp_path / "e.onnx").exists()
