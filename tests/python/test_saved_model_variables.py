"""SavedModels with their weights in variables/ (`--saved-model-weights variables`).

The weights go to a TensorFlow tensor bundle (variables/variables.index +
variables.data-00000-of-00001) that the graph restores into resource variables through a
SaverDef. Checked against the real readers: TF2 `tf.saved_model.load(...).signatures`,
`saved_model_cli run` (the TF1 session loader), and `tf.train.load_checkpoint` for the
bundle itself; outputs against PyTorch eval, max|diff| <= 1e-4 * max(1, max|ref|). A byte
flipped in either bundle file must make TensorFlow refuse it (our crc32c is the one TF checks).
"""
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

import zoo_harness as zh
from conftest import run_pt2tf, run_pt2tf_json
from tf_runner import tf_runner  # noqa: F401 (fixture)

nn = torch.nn
ROOT = pathlib.Path(__file__).resolve().parents[2]
VARIABLES = ["--saved-model-weights", "variables"]


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        return self.fc(torch.flatten(nn.functional.max_pool2d(x, 2), 1))


class MixedDtypes(nn.Module):
    """Weights of three element types that stay what they are through the conversion: a
    float32 Linear, a float64 matrix (the graph computes in double), int64 gather indices."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 32)
        self.register_buffer("w64", torch.randn(32, 48, dtype=torch.float64))
        self.register_buffer("idx", torch.randint(0, 48, (300,)))

    def forward(self, x):
        h = self.fc(x).double() @ self.w64
        return torch.index_select(h, 1, self.idx).float()


def _export(model, x, path):
    model.eval()
    with torch.no_grad():
        ref = model(x).numpy()
    torch.onnx.export(model, (x,), str(path), opset_version=17, input_names=["input"],
                      output_names=["output"], dynamo=False)
    return ref


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """(onnx path, input, PyTorch output) of SmallCnn with non-trivial BN statistics."""
    root = tmp_path_factory.mktemp("smv")
    torch.manual_seed(0)
    model = SmallCnn()
    model.bn.running_mean.uniform_(-1, 1)
    model.bn.running_var.uniform_(0.5, 2)
    x = torch.randn(2, 3, 8, 8)
    ref = _export(model, x, root / "small.onnx")
    return root / "small.onnx", x.numpy(), ref


def _bundle(saved):
    return saved / "variables" / "variables"


def _tf(code, *args):
    """Runs `code` in a fresh Python with TensorFlow (kept out of this torch process)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                          text=True, timeout=300, env=env)


def _checkpoint_dtypes(prefix):
    proc = _tf("import sys, tensorflow as tf\n"
               "r = tf.train.load_checkpoint(sys.argv[1])\n"
               "for k, d in sorted(r.get_variable_to_dtype_map().items()): print(k, d.name)\n",
               prefix)
    assert proc.returncode == 0, proc.stderr
    return dict(line.split() for line in proc.stdout.splitlines())


def _saved_model_cli():
    cli = pathlib.Path(sys.executable).parent / "saved_model_cli"
    return cli if cli.exists() else ROOT / ".venv" / "bin" / "saved_model_cli"


def test_zoo_resnet18_in_variables_matches_pytorch(tmp_path, tf_runner):
    cache = zh.CheckpointCache(tmp_path / "ckpt")
    cache.directory.mkdir()
    checkpoint, model = cache.state_dict("resnet18")
    shape = zh.default_input_shape("resnet18")
    x = zh.random_input(shape)
    ref = zh.torch_reference(model, x)
    zh.assert_input_sensitive(model, ref, shape, 0, "resnet18")
    out = tmp_path / "resnet18_saved"
    zh.convert(checkpoint, f"{out}/", model="resnet18", extra=VARIABLES)
    data = pathlib.Path(f"{_bundle(out)}.data-00000-of-00001")
    # The weights left saved_model.pb: ~46 MB of float32 in the data shard, a small graph.
    assert data.stat().st_size > 0.95 * checkpoint.stat().st_size - 1e6
    assert (out / "saved_model.pb").stat().st_size < 200_000
    got = tf_runner.run_saved(out, {"input": x})["output"]
    zh.assert_close(got, ref, "resnet18 SavedModel (variables)")
    # `pt2tf inspect` counts the variables the graph declares as its weights.
    info = run_pt2tf_json("inspect", out, "--json")
    assert info["ops"]["VarHandleOp"] > 20 and info["ops"]["RestoreV2"] == 1, info["ops"]
    assert info["weight_bytes"] >= data.stat().st_size, (info["weight_bytes"], data.stat())
    cache.forget("resnet18")


def test_several_dtypes_in_variables(tmp_path, tf_runner):
    torch.manual_seed(0)
    x = torch.randn(2, 64)
    ref = _export(MixedDtypes(), x, tmp_path / "mixed.onnx")
    out = tmp_path / "mixed_saved"
    run_pt2tf("convert", "-i", tmp_path / "mixed.onnx", "-o", f"{out}/", *VARIABLES)
    dtypes = set(_checkpoint_dtypes(_bundle(out)).values())
    assert {"float32", "float64", "int64"} <= dtypes, dtypes
    got = tf_runner.run_saved(out, {"input": x.numpy()})["output"]
    zh.assert_close(got, ref, "mixed dtypes SavedModel (variables)")


def test_saved_model_cli_runs_variables(small, tmp_path):
    onnx_path, x, ref = small
    out = tmp_path / "m_saved"
    run_pt2tf("convert", "-i", onnx_path, "-o", f"{out}/", *VARIABLES)
    cli = _saved_model_cli()
    show = subprocess.run([str(cli), "show", "--all", "--dir", str(out)], capture_output=True,
                          text=True, timeout=300)
    assert show.returncode == 0, show.stderr
    assert "signature_def['serving_default']" in show.stdout
    np.save(tmp_path / "x.npy", x)
    run = subprocess.run([str(cli), "run", "--dir", str(out), "--tag_set", "serve",
                          "--signature_def", "serving_default", "--inputs",
                          f"input={tmp_path / 'x.npy'}", "--outdir", str(tmp_path / "res")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    zh.assert_close(np.load(tmp_path / "res" / "output.npy"), ref, "saved_model_cli run")


def test_auto_and_inline_keep_small_models_in_one_file(small, tmp_path, tf_runner):
    onnx_path, x, ref = small
    for mode in ("auto", "inline"):
        out = tmp_path / f"{mode}_saved"
        run_pt2tf("convert", "-i", onnx_path, "-o", f"{out}/", "--saved-model-weights", mode)
        assert list((out / "variables").iterdir()) == []
        zh.assert_close(tf_runner.run_saved(out, {"input": x})["output"], ref, mode)


@pytest.mark.parametrize("which", ["data", "index"])
def test_flipped_byte_is_rejected_by_tensorflow(which, small, tmp_path, tf_runner):
    """TensorFlow checks the crc32c of every tensor it restores (BundleEntryProto.crc32c) and
    of every table block it reads: one flipped byte must stop the load, and the same byte
    flipped back must load again (so the failure is the checksum, not the file)."""
    onnx_path, x, ref = small
    out = tmp_path / "saved"
    run_pt2tf("convert", "-i", onnx_path, "-o", f"{out}/", *VARIABLES)
    path = pathlib.Path(f"{_bundle(out)}.data-00000-of-00001" if which == "data"
                        else f"{_bundle(out)}.index")
    raw = bytearray(path.read_bytes())
    # A byte inside a tensor (the last weights) / inside the first index block's entries.
    pos = len(raw) - 100 if which == "data" else 20
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    raw[pos] ^= 0x10
    (copy / path.relative_to(out)).write_bytes(bytes(raw))
    np.save(tmp_path / "x.npy", x)
    load = ("import sys, numpy as np, tensorflow as tf\n"
            "f = tf.saved_model.load(sys.argv[1]).signatures['serving_default']\n"
            "print(f(input=tf.constant(np.load(sys.argv[2])))['output'].shape)\n")
    proc = _tf(load, copy, tmp_path / "x.npy")
    assert proc.returncode != 0, proc.stdout
    # TF's words: "Checksum does not match" (a tensor) / "block checksum mismatch" (the index).
    assert "DataLossError" in proc.stderr and "hecksum" in proc.stderr, proc.stderr[-2000:]
    zh.assert_close(tf_runner.run_saved(out, {"input": x})["output"], ref, "unflipped")


def test_unknown_weights_mode_is_refused(small, tmp_path):
    """(The 2 GiB refusals are C++ tests with a lowered limit: tf_writer_test.cpp.)"""
    onnx_path, _, _ = small
    proc = run_pt2tf("convert", "-i", onnx_path, "-o", f"{tmp_path / 's'}/",
                     "--saved-model-weights", "bundle", check=False)
    assert proc.returncode != 0
    assert "--saved-model-weights" in proc.stderr
    assert not (tmp_path / "s").exists()
