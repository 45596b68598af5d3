"""`pt2tf calibrate`: per-tensor activation ranges over calibration samples.

Ranges are checked against ONNX Runtime running the same model with every intermediate value
exposed as an output, over the same samples. Calibration input (.npy, .npz, image folders)
is checked against numpy / PIL computing the same normalisation, and hostile or mismatched
files must fail with one line naming the file.
"""
import json

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper

from conftest import run_pt2tf
from runner_harness import run_ort


class SmallCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 8, 3, 2, 1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.c2 = torch.nn.Conv2d(8, 8, 3, 1, 1, groups=8)
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        y = torch.relu(self.bn(self.c1(x)))
        y = torch.nn.functional.hardswish(self.c2(y)) + y
        return self.fc(y.mean(dim=(2, 3)))


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    torch.manual_seed(0)
    model = SmallCnn().eval()
    with torch.no_grad():
        model.bn.running_mean.uniform_(-0.2, 0.2)
        model.bn.running_var.uniform_(0.5, 1.5)
    path = tmp_path_factory.mktemp("cnn") / "cnn.onnx"
    torch.onnx.export(model, (torch.randn(1, 3, 32, 32),), str(path), input_names=["input"],
                      output_names=["output"], dynamo=False)
    return path


def calibrate(model, data, *extra):
    proc = run_pt2tf("calibrate", "-i", model, "--calibration", data, "--json", "--threads", "1",
                     *extra)
    return json.loads(proc.stdout)


def ort_ranges(model_path, samples, tmp_path):
    """{value name: (min, max)} over `samples`, every node output exposed to ONNX Runtime."""
    m = onnx.load(str(model_path))
    names = [o for n in m.graph.node for o in n.output if o]
    known = {o.name for o in m.graph.output}
    for name in names:
        if name not in known:
            m.graph.output.append(helper.make_empty_tensor_value_info(name))
    path = tmp_path / "all_outputs.onnx"
    onnx.save(m, str(path))
    ranges = {}
    for x in samples:
        outs = run_ort(path, {"input": x[None]})
        outs["input"] = x[None]
        for k, v in outs.items():
            if v.dtype.kind != "f" or v.size == 0:
                continue
            lo, hi = float(v.min()), float(v.max())
            old = ranges.get(k, (lo, hi))
            ranges[k] = (min(old[0], lo), max(old[1], hi))
    return ranges


def test_ranges_match_onnxruntime(pt2tf_bin, cnn, tmp_path):
    samples = np.random.default_rng(0).standard_normal((12, 3, 32, 32)).astype(np.float32)
    np.save(tmp_path / "samples.npy", samples)
    got = calibrate(cnn, tmp_path / "samples.npy")
    assert got["samples"] == 12
    ref = ort_ranges(cnn, samples, tmp_path)
    tensors = {t["name"]: t for t in got["tensors"]}
    compared = 0
    for name, t in tensors.items():
        assert t["count"] > 0 and t["non_finite"] == 0, t
        if name not in ref:
            continue  # a value the IR passes created
        lo, hi = ref[name]
        tol = 1e-4 * max(1.0, abs(lo), abs(hi))
        assert abs(t["min"] - lo) <= tol and abs(t["max"] - hi) <= tol, (name, t, ref[name])
        compared += 1
    assert "input" in tensors and "output" in tensors
    assert compared >= 6, f"only {compared} tensors compared: {sorted(tensors)}"


def test_integer_token_ids_calibrate(pt2tf_bin, tmp_path):
    """Token ids for an int64 input (an embedding lookup, then a linear): int64 and int32
    arrays both feed it and stay integers (the embedding output's range is exactly that of the
    rows the ids select); float arrays, and ids past the table, are one-line errors."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Embedding(50, 8), torch.nn.Linear(8, 4)).eval()
    path = tmp_path / "emb.onnx"
    torch.onnx.export(model, (torch.zeros(1, 6, dtype=torch.int64),), str(path),
                      input_names=["ids"], output_names=["out"], dynamo=False)
    ids = np.random.default_rng(0).integers(0, 50, (5, 6))
    table = model[0].weight.detach().numpy()
    for dtype in (np.int64, np.int32):
        np.save(tmp_path / "ids.npy", ids.astype(dtype))
        got = calibrate(path, tmp_path / "ids.npy")
        assert got["samples"] == 5
        gathered = [t for t in got["tensors"] if t["name"].endswith("Gather_output_0") or
                    t["name"].startswith("/0/")]
        assert gathered, [t["name"] for t in got["tensors"]]
        rows = table[ids.ravel()]
        assert abs(gathered[0]["min"] - rows.min()) <= 1e-6, gathered[0]
        assert abs(gathered[0]["max"] - rows.max()) <= 1e-6, gathered[0]
        assert "ids" not in {t["name"] for t in got["tensors"]}  # integers have no float range
    for bad, message in ((ids.astype(np.float32), "not an integer type"),
                         (np.full((2, 6), 50, np.int64), "out of range")):
        np.save(tmp_path / "bad.npy", bad)
        proc = run_pt2tf("calibrate", "-i", path, "--calibration", tmp_path / "bad.npy",
                         check=False)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 1 and len(lines) == 1, proc.stderr
        assert message in lines[0], lines[0]


def test_percentile_ranges_follow_the_data(pt2tf_bin, cnn, tmp_path):
    samples = np.random.default_rng(1).standard_normal((8, 3, 32, 32)).astype(np.float32)
    np.save(tmp_path / "s.npy", samples)
    got = calibrate(cnn, tmp_path / "s.npy", "--percentile", "99")
    t = next(t for t in got["tensors"] if t["name"] == "input")
    lo, hi = np.percentile(samples, [1, 99])
    width = 2 * 2 ** np.ceil(np.log2(np.abs(samples).max())) / 2048
    assert abs(t["percentile_min"] - lo) <= 2 * width and abs(t["percentile_max"] - hi) <= 2 * width
    assert t["min"] <= t["percentile_min"] < t["percentile_max"] <= t["max"]


def test_uint8_npy_is_normalised(pt2tf_bin, cnn, tmp_path):
    raw = np.random.default_rng(2).integers(0, 256, (3, 3, 32, 32)).astype(np.uint8)
    np.save(tmp_path / "u8.npy", raw)
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    got = calibrate(cnn, tmp_path / "u8.npy", "--mean", "0.485,0.456,0.406",
                    "--std", "0.229,0.224,0.225")
    x = (raw / 255.0 - mean[None, :, None, None]) / std[None, :, None, None]
    t = next(t for t in got["tensors"] if t["name"] == "input")
    assert abs(t["min"] - x.min()) < 1e-5 and abs(t["max"] - x.max()) < 1e-5


def test_npz_feeds_inputs_by_name(pt2tf_bin, tmp_path):
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 4])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    graph = helper.make_graph([helper.make_node("Sub", ["a", "b"], ["y"])], "g", [a, b], [y])
    path = tmp_path / "two.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    rng = np.random.default_rng(3)
    xa, xb = rng.standard_normal((5, 4)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)
    np.savez(tmp_path / "ab.npz", b=xb, a=xa)
    got = {t["name"]: t for t in calibrate(path, tmp_path / "ab.npz")["tensors"]}
    d = xa - xb
    assert abs(got["y"]["min"] - d.min()) < 1e-6 and abs(got["y"]["max"] - d.max()) < 1e-6
    assert abs(got["b"]["max"] - xb.max()) < 1e-7


def test_image_folder(pt2tf_bin, cnn, tmp_path):
    from PIL import Image
    rng = np.random.default_rng(4)
    folder = tmp_path / "images"
    folder.mkdir()
    exact = rng.integers(0, 256, (32, 32, 3)).astype(np.uint8)
    Image.fromarray(exact).save(folder / "a.png")
    Image.fromarray(np.full((48, 64, 3), (10, 200, 90), np.uint8)).save(folder / "b.png")
    photo = rng.integers(0, 256, (32, 32, 3)).astype(np.uint8)
    Image.fromarray(photo).save(folder / "c.jpg", quality=90)
    (folder / "notes.txt").write_text("not an image")
    got = calibrate(cnn, folder, "--mean", "0.5", "--std", "0.25")
    assert got["samples"] == 3
    decoded = np.asarray(Image.open(folder / "c.jpg").convert("RGB"))
    values = np.concatenate([exact.ravel(), np.array([10, 200, 90]), decoded.ravel()])
    x = (values / 255.0 - 0.5) / 0.25
    t = next(t for t in got["tensors"] if t["name"] == "input")
    assert abs(t["min"] - x.min()) < 1e-5 and abs(t["max"] - x.max()) < 1e-5, (t, x.min(), x.max())
    one = calibrate(cnn, folder, "--max-samples", "1")
    t = next(t for t in one["tensors"] if t["name"] == "input")
    assert one["samples"] == 1 and abs(t["max"] - exact.max() / 255.0) < 1e-6


def test_text_table_lists_tensors(pt2tf_bin, cnn, tmp_path):
    np.save(tmp_path / "s.npy", np.zeros((2, 3, 32, 32), np.float32))
    out = run_pt2tf("calibrate", "-i", cnn, "--calibration", tmp_path / "s.npy").stdout
    assert "input" in out and "output" in out and "2 samples" in out


# ---- bad calibration input: one line naming the file, exit 1 ----

def npy_bytes(header, data=b""):
    h = header.encode()
    h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + data


def good_header(shape, descr="<f4", fortran="False"):
    return f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}"


def make_bad(kind, tmp_path):
    f = tmp_path / "bad.npy"
    ok = np.zeros((2, 3, 32, 32), np.float32).tobytes()
    if kind == "magic":
        f.write_bytes(b"NOTNUMPY" + ok)
    elif kind == "truncated":
        f.write_bytes(npy_bytes(good_header("(2, 3, 32, 32)"), ok[:-4]))
    elif kind == "header_length":
        f.write_bytes(b"\x93NUMPY\x01\x00" + (60000).to_bytes(2, "little") + b"{'descr'")
    elif kind == "fortran":
        f.write_bytes(npy_bytes(good_header("(2, 3, 32, 32)", fortran="True"), ok))
    elif kind == "big_endian":
        f.write_bytes(npy_bytes(good_header("(2, 3, 32, 32)", descr=">f4"), ok))
    elif kind == "int32":
        np.save(f, np.zeros((2, 3, 32, 32), np.int32))
    elif kind == "shape":
        np.save(f, np.zeros((2, 3, 16, 16), np.float32))
    elif kind == "rank":
        np.save(f, np.zeros((3, 32, 32), np.float32))
    elif kind == "empty":
        np.save(f, np.zeros((0, 3, 32, 32), np.float32))
    elif kind == "nan":
        x = np.zeros((2, 3, 32, 32), np.float32)
        x[1, 2, 3, 4] = np.nan
        np.save(f, x)
    elif kind == "overflow":
        f.write_bytes(npy_bytes(good_header("(4294967296, 4294967296, 3)"), ok))
    elif kind == "unknown_key":
        f.write_bytes(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 32, "
                                "32), 'evil': 1}", ok))
    elif kind == "garbage_header":
        f.write_bytes(npy_bytes("__import__('os').system('true')", ok))
    elif kind == "npz_name":
        f = tmp_path / "bad.npz"
        np.savez(f, a=np.zeros((2, 3, 32, 32), np.float32), b=np.zeros((2, 3, 32, 32), np.float32))
    elif kind == "npz_corrupt":
        f = tmp_path / "bad.npz"
        f.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    elif kind == "empty_folder":
        f = tmp_path / "empty_dir"
        f.mkdir()
    elif kind in ("bad_png", "bad_jpeg"):
        folder = tmp_path / "imgs"
        folder.mkdir()
        f = folder / ("x.png" if kind == "bad_png" else "x.jpg")
        f.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x01" * 50 if kind == "bad_png"
                      else b"\xff\xd8\xff\xe0" + b"\x07" * 50)
        return folder, f.name
    return f, f.name


BAD = {"magic": "magic", "truncated": "data bytes", "header_length": "header length",
       "fortran": "Fortran", "big_endian": "dtype '>f4'", "int32": "int32",
       "shape": "does not fit", "rank": "does not fit", "empty": "no samples", "nan": "NaN",
       "overflow": "overflow", "unknown_key": "'evil'", "garbage_header": "header",
       "npz_name": "no array named 'input'", "npz_corrupt": "bad.npz",
       "empty_folder": "no .jpg", "bad_png": "bad PNG", "bad_jpeg": "bad JPEG"}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_calibration_data_fails_cleanly(pt2tf_bin, cnn, tmp_path, kind):
    path, name = make_bad(kind, tmp_path)
    proc = run_pt2tf("calibrate", "-i", cnn, "--calibration", path, check=False)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert name in lines[0] and BAD[kind] in lines[0], lines[0]
    assert proc.stdout == ""


def test_bad_std_is_a_usage_error(pt2tf_bin, cnn, tmp_path):
    np.save(tmp_path / "s.npy", np.zeros((1, 3, 32, 32), np.uint8))
    for flag, value in [("--std", "0"), ("--std", "1,2"), ("--mean", "a,b")]:
        proc = run_pt2tf("calibrate", "-i", cnn, "--calibration", tmp_path / "s.npy", flag, value,
                         check=False)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
