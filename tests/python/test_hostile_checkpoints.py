"""Hostile and broken checkpoints: a one-line error naming the file, exit 1, and nothing run.

The pickles below would execute their payload under Python's pickle.load (one test proves it
does, so the payloads are live); pt2tf must refuse them without any side effect.
"""
import os
import pickle
import subprocess
import sys
import time
import zipfile

import pytest

from conftest import ROOT, run_pt2tf


class Reduce:
    """Pickles as `callable(*args)` via REDUCE."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def payloads(marker):
    return {
        "os_system": Reduce(os.system, f"touch {marker}"),
        "builtins_eval": Reduce(eval, f"__import__('os').system('touch {marker}')"),
        "subprocess_popen": Reduce(subprocess.Popen, ["touch", str(marker)]),
        "exec_in_state_dict": {"weight": Reduce(exec, f"open('{marker}', 'w')")},
    }


def write_zip_checkpoint(path, pickle_bytes, top="archive"):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{top}/data.pkl", pickle_bytes)
        z.writestr(f"{top}/byteorder", "little")
        z.writestr(f"{top}/version", "3\n")


def write_legacy_checkpoint(path, pickle_bytes):
    with open(path, "wb") as f:
        pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": True}, f, protocol=2)
        f.write(pickle_bytes)
        pickle.dump([], f, protocol=2)


def assert_rejected(path, must_mention=None):
    start = time.monotonic()
    proc = run_pt2tf("inspect", path, check=False, timeout=60)
    elapsed = time.monotonic() - start
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"pt2tf: error: {path}: "), lines[0]
    if must_mention:
        assert must_mention in lines[0], lines[0]
    assert proc.stdout == ""
    assert elapsed < 10, f"took {elapsed:.1f}s"
    return lines[0]


@pytest.mark.parametrize("kind", ["os_system", "builtins_eval", "subprocess_popen",
                                  "exec_in_state_dict"])
@pytest.mark.parametrize("container", ["zip", "legacy"])
@pytest.mark.parametrize("protocol", [2, 4])
def test_code_execution_is_refused(tmp_path, kind, container, protocol):
    marker = tmp_path / "pwned"
    data = pickle.dumps(payloads(marker)[kind], protocol=protocol)
    path = tmp_path / f"{kind}.pth"
    (write_zip_checkpoint if container == "zip" else write_legacy_checkpoint)(path, data)
    assert_rejected(path, "refusing to call")
    assert not marker.exists()


def test_payload_is_live_under_python_pickle(tmp_path):
    """Guards the test above: the same bytes do run code under pickle.load."""
    marker = tmp_path / "pwned"
    data = pickle.dumps(payloads(marker)["os_system"], protocol=2)
    subprocess.run([sys.executable, "-c", "import pickle,sys; pickle.loads(sys.stdin.buffer.read())"],
                   input=data, check=True)
    assert marker.exists()


def test_unknown_callable_gives_no_state_dict(tmp_path):
    # Not on the deny list: stays an inert record, which is not a state dict.
    data = pickle.dumps(Reduce(pathlib_like_callable, "x"), protocol=2)
    path = tmp_path / "inert.pth"
    write_zip_checkpoint(path, data)
    assert_rejected(path, "no state dict found")


def pathlib_like_callable(x):  # pickles as test_hostile_checkpoints.pathlib_like_callable
    return x


@pytest.fixture(scope="module")
def real_checkpoints(tmp_path_factory):
    import torch
    sys.path.insert(0, str(ROOT / "examples"))
    import civilnet
    d = tmp_path_factory.mktemp("trunc")
    model = civilnet.as_main_class(civilnet.make_civilnet())
    out = {}
    for name, kw in (("zip", {}), ("legacy", {"_use_new_zipfile_serialization": False})):
        out[name] = d / f"{name}.pth"
        torch.save(model, out[name], **kw)
    return out


@pytest.mark.parametrize("fmt", ["zip", "legacy"])
def test_truncated_files_fail_cleanly(tmp_path, real_checkpoints, fmt):
    data = real_checkpoints[fmt].read_bytes()
    cuts = sorted({1, 7, 22, 100, 1000, len(data) // 3, len(data) // 2, len(data) - 1000,
                   len(data) - 100, len(data) - 22, len(data) - 1})
    for cut in cuts:
        path = tmp_path / f"cut_{cut}.pth"
        path.write_bytes(data[:cut])
        assert_rejected(path)


def test_garbage_and_empty_files(tmp_path):
    empty = tmp_path / "empty.pth"
    empty.write_bytes(b"")
    assert_rejected(empty, "empty file")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"hello, this is not a checkpoint at all\n" * 10)
    assert_rejected(junk, "not a PyTorch checkpoint")
    missing = tmp_path / "missing.pth"
    proc = run_pt2tf("inspect", missing, check=False)
    assert proc.returncode == 1 and str(missing) in proc.stderr


def test_zip_without_data_pkl(tmp_path):
    path = tmp_path / "nodata.pth"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/version", "3\n")
    assert_rejected(path, "data.pkl")


def test_storage_past_end_of_entry(tmp_path, real_checkpoints):
    """A storage entry shorter than the persistent id claims."""
    src = zipfile.ZipFile(real_checkpoints["zip"])
    path = tmp_path / "short_storage.pth"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for item in src.infolist():
            data = src.read(item)
            if "/data/" in item.filename and len(data) > 8:
                data = data[:8]
            z.writestr(item.filename, data)
    assert_rejected(path, "storage")
