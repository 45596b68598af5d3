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


def _flags(opset, input_layout, external_data):
    flags = []
    if opset is not None:
        flags += ["--opset", str(opset)]
    if input_layout is not None:
        flags += ["--input-layout", input_layout]
    if external_data:
        flags.append("--external-data")
    return flags


def convert_pt2(pt2_path, outputs, *, opset=None, input_layout=None, external_data=False):
    """Converts a saved ``.pt2`` archive, exactly as ``pt2tf convert -i`` does."""
    if isinstance(outputs, (str, os.PathLike)):
        outputs = [outputs]
    args = [binary_path(), "convert", "--json", "-i", str(pt2_path)]
    for out in outputs:
        args += ["-o", str(out)]
    args += _flags(opset, input_layout, external_data)
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


def convert(module, example_inputs, outputs, dynamic_shapes=None, *, opset=None,
            input_layout=None, external_data=False, strict=False, keep_pt2=None):
    """Exports ``module`` with torch.export and converts it to every path in ``outputs``.

    ``example_inputs`` is a tuple of tensors (a single tensor is wrapped); ``dynamic_shapes``
    is passed to ``torch.export.export`` unchanged; ``strict`` is torch.export's own flag.
    ``opset``, ``input_layout`` and ``external_data`` are the CLI's ``--opset``,
    ``--input-layout`` and ``--external-data``. ``keep_pt2`` names a path to keep the
    exported archive at. Returns a ``Summary``; raises ``ConversionError`` with the
    converter's message when the program cannot be converted.
    """
    import torch

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
    with tempfile.TemporaryDirectory(prefix="pt2tf_") as tmp:
        pt2 = pathlib.Path(keep_pt2) if keep_pt2 else pathlib.Path(tmp) / "model.pt2"
        torch.export.save(program, str(pt2))
        export_seconds = time.perf_counter() - start
        summary = convert_pt2(pt2, outputs, opset=opset, input_layout=input_layout,
                              external_data=external_data)
    summary.export_seconds = export_seconds
    return summary
