"""Hostile and corrupt .pt2 archives: one-line error naming the file, exit 1, no output.

Each case starts from a real torch.export.save archive and changes one thing by hand
(rewriting the zip with Python's zipfile), so the rest of the file stays well-formed and the
named defect is what the reader must catch.
"""
import json
import pickle
import zipfile

import pytest
import torch

from conftest import run_pt2tf


class Small(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).mean((2, 3)))


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    path = tmp_path_factory.mktemp("pt2") / "small.pt2"
    program = torch.export.export(Small().eval(), (torch.randn(1, 3, 8, 8),))
    torch.export.save(program, str(path))
    return path


def entries(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def write(path, files):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in files.items():
            z.writestr(name, data)


def name_of(files, suffix):
    return next(n for n in files if n.endswith(suffix))


def edit_json(files, suffix, change):
    key = name_of(files, suffix)
    doc = json.loads(files[key])
    change(doc)
    files[key] = json.dumps(doc).encode()


def nodes(doc):
    return doc["graph_module"]["graph"]["nodes"]


def first_weight(doc):
    return doc["config"][next(iter(doc["config"]))]


def make_cases():
    def wrong_type(f):
        edit_json(f, "models/model.json", lambda d: d["graph_module"]["graph"].update(nodes="x"))

    def wrong_arg_type(f):
        def change(d):
            nodes(d)[0]["inputs"][0]["arg"] = {"as_tensor": 5}
        edit_json(f, "models/model.json", change)

    def unknown_op(f):
        def change(d):
            nodes(d)[1]["target"] = "torch.ops.aten.not_a_real_op.default"
        edit_json(f, "models/model.json", change)

    def lying_size(f):
        def change(d):
            first_weight(d)["tensor_meta"]["sizes"][0] = {"as_int": 4000000}
        edit_json(f, "weights_config.json", change)

    def huge_size(f):
        def change(d):
            first_weight(d)["tensor_meta"]["sizes"] = [{"as_int": 2 ** 62}, {"as_int": 2 ** 62}]
            first_weight(d)["tensor_meta"]["strides"] = [{"as_int": 1}, {"as_int": 1}]
        edit_json(f, "weights_config.json", change)

    def lying_offset(f):
        def change(d):
            first_weight(d)["tensor_meta"]["storage_offset"] = {"as_int": 10 ** 9}
        edit_json(f, "weights_config.json", change)

    def graph_disagrees(f):  # the placeholder says one shape, the stored weight another
        def change(d):
            meta = first_weight(d)["tensor_meta"]
            meta["sizes"] = [{"as_int": 1}] * len(meta["sizes"])
        edit_json(f, "weights_config.json", change)

    def traversal(f):
        def change(d):
            first_weight(d)["path_name"] = "../../models/model.json"
        edit_json(f, "weights_config.json", change)

    def missing_weight(f):
        del f[name_of(f, "data/weights/weight_0")]

    def pickle_os_system(f):
        class Evil:
            def __reduce__(self):
                import os
                return (os.system, ("touch /tmp/pt2tf_hostile_pwned",))
        f[name_of(f, "data/weights/weight_0")] = pickle.dumps(Evil())

        def change(d):
            first_weight(d)["use_pickle"] = True
        edit_json(f, "weights_config.json", change)

    def bad_dtype(f):
        def change(d):
            first_weight(d)["tensor_meta"]["dtype"] = 99
        edit_json(f, "weights_config.json", change)

    def not_json(f):
        f[name_of(f, "models/model.json")] = b"\x00\xff{not json"

    def deep_json(f):
        f[name_of(f, "models/model.json")] = b"[" * 100000 + b"]" * 100000

    def no_program(f):
        del f[name_of(f, "models/model.json")]

    def wrong_format(f):
        f[name_of(f, "archive_format")] = b"zip"

    def big_endian(f):
        f[name_of(f, "byteorder")] = b"big"

    def undefined_tensor(f):
        def change(d):
            nodes(d)[1]["inputs"][0]["arg"] = {"as_tensor": {"name": "nowhere"}}
        edit_json(f, "models/model.json", change)

    def training_batch_norm_like(f):  # a buffer mutation in the signature
        def change(d):
            d["graph_module"]["signature"]["output_specs"].append(
                {"buffer_mutation": {"arg": {"name": "conv2d"}, "buffer_name": "b"}})
        edit_json(f, "models/model.json", change)

    return {k: v for k, v in locals().items() if callable(v)}


CASES = make_cases()
NEEDLES = {
    "wrong_type": "not an array", "wrong_arg_type": "not an object",
    "unknown_op": "unsupported op aten.not_a_real_op.default (node", "lying_size": "needs",
    "huge_size": "overflows",
    "lying_offset": "needs 4000000432 bytes", "graph_disagrees": "but the graph expects", "traversal": "plain file name",
    "missing_weight": "archive has no", "pickle_os_system": "pickled payloads",
    "bad_dtype": "scalar type 99", "not_json": "not a JSON object", "deep_json": "nests too deeply",
    "no_program": "models/model.json", "wrong_format": "archive_format",
    "big_endian": "little-endian", "undefined_tensor": "used before it is defined",
    "training_batch_norm_like": "mutates a buffer",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_pt2_fails_cleanly(case, good, tmp_path):
    files = entries(good)
    CASES[case](files)
    bad = tmp_path / f"{case}.pt2"
    write(bad, files)
    out = tmp_path / "out.onnx"
    proc = run_pt2tf("convert", "-i", bad, "-o", out, "-o", tmp_path / "out.pb", check=False)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(bad) in lines[0]
    assert NEEDLES[case] in lines[0], lines[0]
    assert not out.exists() and not (tmp_path / "out.pb").exists()
    inspect = run_pt2tf("inspect", bad, check=False)
    assert inspect.returncode in (0, 1) and "Traceback" not in inspect.stderr
    assert not __import__("os").path.exists("/tmp/pt2tf_hostile_pwned")


@pytest.mark.parametrize("cut", [0, 10, 100, 1000, -22, -100])
def test_truncated_pt2_fails_cleanly(cut, good, tmp_path):
    data = good.read_bytes()
    bad = tmp_path / "cut.pt2"
    bad.write_bytes(data[:cut] if cut >= 0 else data[:len(data) + cut])
    proc = run_pt2tf("convert", "-i", bad, "-o", tmp_path / "o.onnx", check=False)
    assert proc.returncode == 1, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and str(bad) in proc.stderr
    assert not (tmp_path / "o.onnx").exists()


def test_good_archive_converts(good, tmp_path):
    """The base of every case above converts: the defect, not the base, makes them fail."""
    run_pt2tf("convert", "-i", good, "-o", tmp_path / "ok.onnx")
    assert (tmp_path / "ok.onnx").stat().st_size > 0
