"""dynamic_shapes on the .pt2 route: symbolic sizes stay symbolic through the importer.

Each model is exported with torch.export and `dynamic_shapes` (a dynamic batch; for the text
models also a dynamic sequence length), saved with torch.export.save and converted with no
Python on PATH to .pb and a SavedModel. The program's SymInts (sym_size, `2 * batch` and
friends in view / reshape / slice / arange arguments) must import as shape arithmetic: the
converted graph runs at sizes other than the example's, and TensorFlow matches PyTorch eager
within 1e-4 x max(1, max|ref|) at each. A representative set runs by default; PT2TF_PT2_ALL=1
runs every case.
"""
import inspect
import json
import os

import numpy as np
import pytest
import torch
from torch.export import Dim

import pt2_models
from test_pt2_import import assert_close, convert_without_python
from tf_runner import tf_runner  # noqa: F401  (fixture)

class SymArith(torch.nn.Module):
    """Every SymInt operator the table covers, on a dynamic batch and length: the sizes in
    view / reshape / arange and the scalars added come from _operator.mul, floordiv, mod,
    truediv, neg, add, sub and torch.sym_max / sym_min on sym_size results."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 8)

    def forward(self, x):
        b, t, c = x.shape
        y = self.fc(x).view(b, t, 2, c // 2).transpose(1, 2).reshape(b * 2, t, c // 2)
        y = y.reshape(b, -1) + torch.arange(t * 8, dtype=torch.float32).unsqueeze(0)
        return y * (t / 3) + (t // 2) + (-b) + b % 3 + torch.sym_max(b, 2) - torch.sym_min(t, 4)


MODELS = {**pt2_models.MODELS, "sym_arith": lambda: (SymArith().eval(), (torch.randn(2, 5, 8),))}

# name -> (dynamic dims of the one input, [input sizes to run at]); the example input is the
# model's own at batch 2 (torch.export specialises a size-1 dim to a constant).
CASES = {
    "sym_arith": ({0: "batch", 1: "seq"}, [(1, 5, 8), (3, 2, 8), (5, 11, 8)]),
    "hf_bert": ({0: "batch", 1: "seq"}, [(1, 16), (3, 16), (2, 7), (4, 33)]),
    "hf_gpt2": ({0: "batch", 1: "seq"}, [(1, 16), (3, 9), (2, 40)]),
    "squeezenet1_1": ({0: "batch"}, [(1, 3, 224, 224), (3, 3, 224, 224)]),
    "resnet18": ({0: "batch"}, [(1, 3, 224, 224), (3, 3, 224, 224)]),
    "timm_vit_tiny": ({0: "batch"}, [(1, 3, 224, 224), (3, 3, 224, 224)]),
    "hf_whisper_encoder": ({0: "batch"}, [(1, 16, 64), (3, 16, 64)]),
    "yolov8n": ({0: "batch"}, [(1, 3, 128, 128), (3, 3, 128, 128)]),
}
DEFAULT = ["sym_arith", "hf_bert", "squeezenet1_1"]
SELECTED = list(CASES) if os.environ.get("PT2TF_PT2_ALL") else DEFAULT
LIMITS = {"batch": (1, 16), "seq": (2, 48)}


def _input(example, size, seed):
    g = torch.Generator().manual_seed(seed)
    if example.dtype == torch.int64:  # token ids: the vocabulary is pt2_models' 100
        return torch.randint(0, 100, size, generator=g)
    return torch.randn(*size, generator=g)


def _shapes(model, spec):
    """dynamic_shapes mirrors forward's parameters: a `*args` forward takes a tuple."""
    params = list(inspect.signature(model.forward).parameters.values())
    return ((spec,),) if params[0].kind is inspect.Parameter.VAR_POSITIONAL else (spec,)


@pytest.mark.parametrize("name", SELECTED)
def test_dynamic_dims_follow_the_input(name, tmp_path, tf_runner):  # noqa: F811
    dims, sizes = CASES[name]
    model, (example,) = MODELS[name]()
    example = _input(example, (2, *example.shape[1:]), seed=5)
    spec = {axis: Dim(sym, min=LIMITS[sym][0], max=LIMITS[sym][1]) for axis, sym in dims.items()}
    with torch.no_grad():
        program = torch.export.export(model, (example,), dynamic_shapes=_shapes(model, spec))
    pt2 = tmp_path / f"{name}.pt2"
    torch.export.save(program, str(pt2))
    pb, saved = tmp_path / f"{name}.pb", tmp_path / f"{name}_saved"
    proc = convert_without_python(tmp_path, "convert", "-i", pt2, "-o", pb, "-o", f"{saved}/",
                                  "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    shape = summary["inputs"][0]["shape"]
    assert [i for i, d in enumerate(shape) if d == -1] == sorted(dims), shape
    in_name, out_name = summary["inputs"][0]["name"], summary["graph_outputs"][0]["name"]
    refs = []
    for seed, size in enumerate(sizes):
        x = _input(example, size, seed)
        with torch.no_grad():
            ref = model(x).numpy()
        feeds = {in_name: x.numpy()}
        assert_close(tf_runner.run_frozen(pb, feeds, [out_name])[out_name], ref,
                     f"{name} .pb at {size}")
        got = list(tf_runner.run_saved(saved, feeds).values())
        assert len(got) == 1
        assert_close(got[0], ref, f"{name} SavedModel at {size}")
        refs.append(ref)
    # The sizes differ in the output too: the run really took the new sizes.
    assert len({r.shape for r in refs}) == len(sizes)
