"""pt2tf from Python: convert a live ``torch.nn.Module``.

    import pt2tf
    summary = pt2tf.convert(model, (torch.randn(1, 3, 224, 224),),
                            outputs=["model.onnx", "model.pb", "model_saved/"])

``convert`` captures the module with ``torch.export.export``, saves the program to a
temporary ``.pt2`` archive and runs the native converter on it (the same ``pt2tf`` binary
as the command line, bundled in the wheel), so the Python and CLI routes write the same
files. Only the capture needs PyTorch; the conversion runs no Python.
"""
import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

__all__ = ["convert", "convert_pt2", "Summary", "ConversionError", "binary_path"]


class ConversionError(RuntimeError):
    """The native converter refused the program; the message is its one-line error."""


@dataclasses.dataclass
class Summary:
    inputs: list          # [{name, dtype, shape}], -1 marks a dynamic dim
    outputs: list         # graph outputs, same form
    files: list           # [{path, kind, bytes}]
    nodes: int
    parameters: int
    weight_bytes: int
    export_seconds: float  # torch.export capture + save (0 for convert_pt2)
    convert_seconds: float  # the native conversion, process start to exit
    report: dict = dataclasses.field(repr=False, default_factory=dict)  # the CLI's --json

    @property
    def seconds(self):
        return self.export_seconds + self.convert_seconds

    @property
    def quantization(self):
        """{path: the quantization report} of each quantized .tflite output (mode, int8 and
        float op counts, and the accuracy against the float model: see docs/CLI.md)."""
        return {f["path"]: f["quantization"] for f in self.files if "quantization" in f}


def binary_path():
    """The pt2tf executable: $PT2TF_BINARY, the one bundled in this package, or PATH's."""
    env = os.environ.get("PT2TF_BINARY")
    if env:
        return env
    bundled = pathlib.Path(__file__).resolve().parent / "bin" / "pt2tf"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("pt2tf")
    if found:
        return found
    raise ConversionError("no pt2tf executable: install the package with `pip install .` "
                          "or set PT2TF_BINARY")


# Keyword arguments of convert / convert_pt2 and the CLI flag each one becomes. A value of
# None (the default) leaves the flag out, so the CLI's own default applies.
_VALUE_FLAGS = {
    "opset": "--opset",                    # ONNX opset of .onnx outputs (13..21)
    "input_layout": "--input-layout",      # "nchw" | "nhwc"
    "input_shape": "--input-shape",        # {"x": (1, 3, 224, 224)}: pins dynamic dims
    "batch": "--batch",                    # pins dim 0 of every input
    "saved_model_weights": "--saved-model-weights",  # "auto" | "inline" | "variables"
    "tflite_buffers": "--tflite-buffers",  # "auto" | "inline" | "offset"
    "precision": "--precision",            # "fp32" | "fp16"
    "quantize": "--quantize",              # "none" | "dynamic-int8" | "int8" | "fp16"
    "io_dtype": "--io-dtype",              # "float32" | "int8"
    "mean": "--mean",                      # (0.485, 0.456, 0.406)
    "std": "--std",
    "max_samples": "--max-samples",
}
_BOOL_FLAGS = {"external_data": "--external-data"}


def _dims_text(dims):
    return "x".join("?" if d is None or d < 0 else str(int(d)) for d in dims)


def _flag_value(name, value):
    if name == "input_shape":
        if not isinstance(value, dict):
            raise TypeError("input_shape: a dict of input name -> shape, e.g. "
                            "{'x': (1, 3, 224, 224)} (None or -1 keeps a dim dynamic)")
        return [f"{k}:{_dims_text(v)}" for k, v in value.items()]
    if name in ("mean", "std") and not isinstance(value, str):
        return [",".join(repr(float(v)) for v in value)]
    return [str(value)]


def _flags(options):
    flags = []
    for name, value in options.items():
        if value is None:
            continue
        if name in _BOOL_FLAGS:
            if value:
                flags.append(_BOOL_FLAGS[name])
            continue
        if name not in _VALUE_FLAGS:
            known = ", ".join(sorted([*_VALUE_FLAGS, *_BOOL_FLAGS, "calibration"]))
            raise TypeError(f"unknown option {name!r} (the options: {known})")
        for v in _flag_value(name, value):
            flags += [_VALUE_FLAGS[name], v]
    return flags


def _as_numpy(x):
    import numpy as np
    if hasattr(x, "detach"):  # a torch.Tensor, without importing torch here
        x = x.detach().cpu().numpy()
    return np.ascontiguousarray(np.asarray(x))


def _calibration_file(calibration, input_names, tmp):
    """The --calibration path for ``calibration``: a path is passed as it is; arrays are saved
    to ``tmp`` (one array: .npy; a dict name -> array or a sequence, one array per model
    input: .npz keyed by the model's input names)."""
    import numpy as np
    if isinstance(calibration, (str, os.PathLike)):
        return str(calibration)
    if isinstance(calibration, dict):
        arrays = {str(k): _as_numpy(v) for k, v in calibration.items()}
    elif isinstance(calibration, (list, tuple)):
        if len(calibration) != len(input_names):
            raise ValueError(
                f"calibration: a sequence holds one array (N x input shape) per model input; "
                f"got {len(calibration)} for {len(input_names)} inputs "
                f"({', '.join(input_names)}); or pass a dict of input name -> array")
        arrays = {name: _as_numpy(v) for name, v in zip(input_names, calibration)}
    else:
        array = _as_numpy(calibration)
        path = pathlib.Path(tmp) / "calibration.npy"
        np.save(path, array)
        return str(path)
    path = pathlib.Path(tmp) / "calibration.npz"
    np.savez(path, **arrays)
    return str(path)


def _run(pt2_path, outputs, options, calibration, input_names):
    if isinstance(outputs, (str, os.PathLike)):
        outputs = [outputs]
    args = [binary_path(), "convert", "--json", "-i", str(pt2_path)]
    for out in outputs:
        args += ["-o", str(out)]
    args += _flags(options)
    with tempfile.TemporaryDirectory(prefix="pt2tf_calib_") as tmp:
        if calibration is not None:
            args += ["--calibration", _calibration_file(calibration, input_names, tmp)]
        start = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise ConversionError(proc.stderr.strip() or f"pt2tf exited {proc.returncode}")
    report = json.loads(proc.stdout)
    return Summary(inputs=report["inputs"], outputs=report["graph_outputs"],
                   files=report["outputs"], nodes=report["nodes"],
                   parameters=report["parameters"], weight_bytes=report["weight_bytes"],
                   export_seconds=0.0, convert_seconds=seconds, report=report)


def _archive_input_names(pt2_path):
    """The user inputs of a ``.pt2`` archive in argument order, as the native reader sees
    them (``pt2tf inspect --json``: nothing in the archive is unpickled or run)."""
    proc = subprocess.run([binary_path(), "inspect", "--json", str(pt2_path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise ConversionError(proc.stderr.strip() or f"pt2tf exited {proc.returncode}")
    return [i["name"] for i in json.loads(proc.stdout)["inputs"]]


def convert_pt2(pt2_path, outputs, *, calibration=None, **options):
    """Converts a saved ``.pt2`` archive, exactly as ``pt2tf convert -i`` does; the keyword
    arguments are those of ``convert`` (a ``calibration`` sequence follows the archive's
    input order)."""
    _flags(options)
    names = (_archive_input_names(pt2_path) if isinstance(calibration, (list, tuple))
             else None)
    return _run(pt2_path, outputs, options, calibration, names)


def convert(module, example_inputs, outputs, dynamic_shapes=None, *, strict=False,
            keep_pt2=None, calibration=None, **options):
    """Exports ``module`` with torch.export and converts it to every path in ``outputs``.

    ``example_inputs`` is a tuple of tensors (a single tensor is wrapped); ``dynamic_shapes``
    is passed to ``torch.export.export`` unchanged; ``strict`` is torch.export's own flag.
    ``keep_pt2`` names a path to keep the exported archive at.

    The other keyword arguments are the CLI's ``pt2tf convert`` flags, spelled with
    underscores: ``opset``, ``input_layout``, ``input_shape`` (``{name: shape}``), ``batch``,
    ``external_data``, ``saved_model_weights``, ``tflite_buffers``, ``precision``,
    ``quantize``, ``io_dtype``, ``mean``, ``std``, ``max_samples``. ``calibration`` is
    ``--calibration``: a path, or the samples themselves (an array or tensor N x input shape
    for one input; a sequence of such arrays, one per input; or a dict input name -> array).

    Returns a ``Summary``; raises ``ConversionError`` with the converter's message when the
    program cannot be converted, ``TypeError`` for an unknown option.
    """
    import torch

    _flags(options)  # an unknown option fails before the export
    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    start = time.perf_counter()
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            program = torch.export.export(module, tuple(example_inputs),
                                          dynamic_shapes=dynamic_shapes, strict=strict)
    finally:
        module.train(was_training)
    input_names = [spec.arg.name for spec in program.graph_signature.input_specs
                   if spec.kind == torch.export.graph_signature.InputKind.USER_INPUT]
    with tempfile.TemporaryDirectory(prefix="pt2tf_") as tmp:
        pt2 = pathlib.Path(keep_pt2) if keep_pt2 else pathlib.Path(tmp) / "model.pt2"
        torch.export.save(program, str(pt2))
        export_seconds = time.perf_counter() - start
        summary = _run(pt2, outputs, options, calibration, input_names)
    summary.export_seconds = export_seconds
    return summary
