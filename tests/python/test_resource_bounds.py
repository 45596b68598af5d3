"""Small hostile inputs: exit 1 with one line, within bounded memory and time (issue 13).

Each input is a few KiB to a few hundred KiB, crafted by hand (or saved by torch itself) to
make a naive reader copy, count or hash far more than the file holds. pt2tf runs in a child
process; its peak RSS and CPU time come from rusage (os.wait4), so the bound measures the
process alone, not this test. The bounds are generous (64 MiB + 2x the file, 2 CPU-seconds)
so they do not flake; the defects they catch used gigabytes or minutes. An address-space
limit keeps a regression from taking the machine down with it.
"""
import io
import json
import os
import pickle
import resource
import signal
import subprocess
import time
import zipfile

import pytest
import torch

from conftest import PT2TF, run_pt2tf

SANITIZED = os.environ.get("PT2TF_SANITIZED") == "1"  # ASan: its shadow memory is not ours
RSS_BASE = 64 << 20
CPU_SECONDS = 10.0 if SANITIZED else 2.0


def measured(*args):
    """(returncode, stderr, peak RSS bytes, CPU seconds) of one pt2tf run.

    GNU time reports the child's rusage: measuring it from this process would count the
    pages a fork of this (torch-importing) interpreter carries before exec."""
    cmd = ["/usr/bin/time", "-f", "RUSAGE %M %U %S", str(PT2TF), *map(str, args)]
    if not SANITIZED:
        cmd = ["prlimit", f"--as={4 << 30}", "--", *cmd]
    # Its own session, so that a timeout kills pt2tf too, not only the prlimit/time wrappers
    # (subprocess.run's kill would leave the grandchild running).
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"{' '.join(map(str, args))}: still running after 120 s")
    err = stderr.decode("utf-8", "replace").splitlines()
    usage = err.pop().split()
    err = [line for line in err if not line.startswith("Command exited with non-zero status")]
    assert usage[0] == "RUSAGE", err
    rc = proc.returncode
    return rc, "\n".join(err) + "\n", int(usage[1]) * 1024, float(usage[2]) + float(usage[3])


def assert_bounded_rejection(path, must_mention):
    size = os.path.getsize(path)
    rc, err, rss, cpu = measured("inspect", path, "--hash")
    lines = err.strip().splitlines()
    assert rc == 1, (rc, err[-2000:])
    assert len(lines) == 1 and lines[0].startswith(f"pt2tf: error: {path}: "), err[-2000:]
    assert must_mention in lines[0], lines[0]
    if not SANITIZED:
        assert rss <= RSS_BASE + 2 * size, f"peak RSS {rss >> 20} MiB for a {size}-byte file"
    assert cpu <= CPU_SECONDS, f"{cpu:.2f} CPU-seconds"


def zip_checkpoint(path, pickle_bytes):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")
    return path


def repeated_call_pickle(n, k):
    """A tuple of n ints, then k calls of an unknown global on it (7 bytes per call)."""
    body = b"\x80\x02cfoo\nbar\nq\x00(" + b"K\x01" * n + b"tq\x01"
    return body + b"h\x00h\x01R0" * k + b"N."


def test_copied_call_arguments_are_budgeted(tmp_path):
    # 88 KB; each call used to copy 16 KiB of arguments: 190 MiB in all (a 1 MB file of
    # this kind grew memory until std::bad_alloc).
    path = zip_checkpoint(tmp_path / "amplify.pth", repeated_call_pickle(2048, 12000))
    assert_bounded_rejection(path, "needs more memory than its size allows")


def test_billion_laughs_is_budgeted(tmp_path):
    # Each DUP + TUPLE2 (2 bytes) makes a tuple (x, x) of the last: 2^100000 leaves if walked.
    path = zip_checkpoint(tmp_path / "laughs.pth", b"\x80\x02N" + b"2\x86" * 100000 + b".")
    assert_bounded_rejection(path, "no state dict found")


def test_shared_string_rendered_many_times_is_budgeted(tmp_path):
    # A module attribute: a list holding one 64 KiB string 60000 times (one BINGET each).
    # Rendering it as JSON used to cost 60000 copies of the string (4 GB).
    big = b"x" * 65536
    attr = b"X" + len(big).to_bytes(4, "little") + big + b"q\x05" + b"](" + b"h\x05" * 60000 + b"e"
    state = (b"}(X\x08\x00\x00\x00_modulesq\x02}X\x0b\x00\x00\x00_parametersq\x03}"
             b"X\x04\x00\x00\x00attr" + attr + b"u")
    p = b"\x80\x02ctorchvision.models.x\nNet\n)\x81" + state + b"b."
    path = zip_checkpoint(tmp_path / "render.pth", p)
    size = os.path.getsize(path)
    rc, err, rss, cpu = measured("inspect", path, "--json")
    assert rc in (0, 1), err
    if not SANITIZED:
        assert rss <= RSS_BASE + 2 * size, f"peak RSS {rss >> 20} MiB"
    assert cpu <= CPU_SECONDS, f"{cpu:.2f} CPU-seconds"


def test_nested_rebuild_wrappers_do_not_recurse(tmp_path):
    # args_i = (_rebuild_from_type_v2, None, args_{i-1}, None), 50000 levels, then a call:
    # unwrapping one C++ frame per level overflowed the stack.
    g = b"ctorch._tensor\n_rebuild_from_type_v2\nq\x00"
    p = b"\x80\x02" + g + b"0)q\x030" + b"(h\x00Nh\x03Ntq\x030" * 50000 + b"h\x00h\x03R."
    path = zip_checkpoint(tmp_path / "deep.pth", p)
    assert_bounded_rejection(path, "_rebuild_from_type_v2 nests more than 8 deep")


def saved(tmp_path, name, obj):
    path = tmp_path / name
    torch.save(obj, path)
    return path


def test_zero_stride_view_of_16_gib_is_refused_quickly(tmp_path):
    # torch.save keeps the expanded view as it is: one float of storage, strides (0, 0).
    t = torch.ones(1).expand(1 << 16, 1 << 16)
    path = saved(tmp_path, "expand.pth", {"w": t})
    assert_bounded_rejection(path, "overlapping views")


def test_element_count_overflow_is_an_error(tmp_path):
    # [2^31, 2^31] float32 with zero strides: 2^64 bytes, an int64 overflow (torch itself
    # refuses to make [2^32, 2^32], whose 2^64 elements pt2tf reported as 0 elements).
    t = torch.ones(1).expand(1 << 31, 1 << 31)
    path = saved(tmp_path, "overflow.pth", {"w": t})
    assert_bounded_rejection(path, "overflows")


def test_small_expanded_views_still_load(tmp_path):
    bias = torch.randn(8)
    path = saved(tmp_path, "ok.pth", {"b": bias.expand(4, 8), "w": torch.randn(2, 2)})
    out = json.loads(run_pt2tf("inspect", path, "--json", "--hash").stdout)
    assert [t["shape"] for t in out["tensors"]] == [[4, 8], [2, 2]]
    import hashlib
    want = hashlib.sha256(bias.expand(4, 8).contiguous().numpy().tobytes()).hexdigest()
    assert out["tensors"][0]["sha256"] == want


# --- text that is not valid UTF-8, or holds terminal control bytes ---------------------------

def string_keyed_state_dict_pickle(raw_name):
    """The pickle torch.save writes for {name: tensor}, with the key's bytes replaced."""
    buf = io.BytesIO()
    marker = "N" * len(raw_name)
    torch.save({marker: torch.arange(3.0)}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    pkl = next(n for n in entries if n.endswith("data.pkl"))
    assert entries[pkl].count(marker.encode()) == 1
    entries[pkl] = entries[pkl].replace(marker.encode(), raw_name)
    return entries


def test_invalid_utf8_and_escapes_in_tensor_names(tmp_path):
    raw = b"bad\xff\xfe\x1b[2J\x9bname"
    path = tmp_path / "names.pth"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for n, data in string_keyed_state_dict_pickle(raw).items():
            z.writestr(n, data)
    proc = subprocess.run([str(PT2TF), "inspect", str(path), "--json"], capture_output=True)
    assert proc.returncode == 0, proc.stderr
    name = json.loads(proc.stdout)["tensors"][0]["name"]
    assert name == "bad\ufffd\ufffd\x1b[2J\ufffdname"  # bytes replaced, valid text kept
    proc = subprocess.run([str(PT2TF), "inspect", str(path)], capture_output=True)
    assert proc.returncode == 0, proc.stderr
    assert b"\x1b" not in proc.stdout and b"\xff" not in proc.stdout
    assert "bad\ufffd\ufffd?[2J\ufffdname" in proc.stdout.decode("utf-8")


def onnx_with_input_name(tmp_path, raw_name):
    import onnx
    from onnx import TensorProto, helper
    marker = "Q" * len(raw_name)
    graph = helper.make_graph([helper.make_node("Relu", [marker], ["y"])], "g",
                              [helper.make_tensor_value_info(marker, TensorProto.FLOAT, [1, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])])
    data = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    assert data.count(marker.encode()) == 2
    path = tmp_path / "names.onnx"
    path.write_bytes(data.replace(marker.encode(), raw_name))
    return path


def test_invalid_utf8_onnx_input_name_in_convert_json(tmp_path):
    path = onnx_with_input_name(tmp_path, b"in\xff\x1bput")
    out = tmp_path / "out.onnx"
    proc = subprocess.run([str(PT2TF), "convert", "-i", str(path), "-o", str(out), "--json"],
                          capture_output=True)
    # Used to abort (nlohmann type_error 316 -> terminate) after the outputs were written.
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["inputs"][0]["name"] == "in\ufffd\x1bput"
    proc = subprocess.run([str(PT2TF), "inspect", str(path), "--json"], capture_output=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["inputs"][0]["name"] == "in\ufffd\x1bput"
    proc = subprocess.run([str(PT2TF), "inspect", str(path)], capture_output=True)
    assert proc.returncode == 0 and b"\x1b" not in proc.stdout and b"\xff" not in proc.stdout


def test_control_bytes_in_error_messages_are_scrubbed(tmp_path):
    # An unknown op name quoted in the error: one line, no escape sequence reaches stderr.
    path = onnx_with_input_name(tmp_path, b"x\x1b[31m\nz")
    data = path.read_bytes().replace(b"Relu", b"R\x1b\xffu")
    path.write_bytes(data)
    proc = subprocess.run([str(PT2TF), "convert", "-i", str(path), "-o", str(tmp_path / "o.onnx")],
                          capture_output=True)
    assert proc.returncode == 1
    assert proc.stderr.count(b"\n") == 1 and b"\x1b" not in proc.stderr, proc.stderr
    assert b"\xff" not in proc.stderr


def broadcast_matmul_onnx(path, n):
    """A few hundred bytes asking for n³ multiply-adds: a [1, 1] input broadcast to two
    [n, n] operands of one MatMul."""
    import onnx
    from onnx import TensorProto, helper
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [n, n])
    nodes = [helper.make_node("Expand", ["x", "shape"], ["a"]),
             helper.make_node("Expand", ["x", "shape"], ["b"]),
             helper.make_node("MatMul", ["a", "b"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                         [1, 1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, n])],
                              initializer=[shape])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path.write_bytes(model.SerializeToString())
    return path


@pytest.mark.parametrize("fmt", ["onnx", "tflite"])
def test_run_refuses_work_the_shapes_merely_claim(tmp_path, fmt):
    """`pt2tf run` on 2^39 multiply-adds from a tiny file (the IR runner for .onnx, the TFLite
    evaluator for .tflite): one line naming the op and the limit, within seconds, no output;
    PT2TF_MAX_EVAL_GMACS lowers the limit for a model that runs otherwise."""
    import numpy as np
    model = broadcast_matmul_onnx(tmp_path / "m.onnx", 1 << 13)
    if fmt == "tflite":
        run_pt2tf("convert", "-i", model, "-o", tmp_path / "m.tflite", "-q")
        model = tmp_path / "m.tflite"
    assert model.stat().st_size < 4096
    x = tmp_path / "x.npy"
    np.save(x, np.ones((1, 1), np.float32))
    out = tmp_path / "y.npz"
    rc, err, rss, cpu = measured("run", "-i", model, "--inputs", x, "-o", out)
    lines = err.strip().splitlines()
    assert rc == 1 and len(lines) == 1, err[-2000:]
    assert "multiply-adds" in lines[0] and "PT2TF_MAX_EVAL_GMACS" in lines[0], lines[0]
    assert ("MatMul" if fmt == "onnx" else "BATCH_MATMUL") in lines[0], lines[0]
    assert cpu <= 4 * CPU_SECONDS, f"{cpu:.2f} CPU-seconds"
    assert not out.exists()

    small = broadcast_matmul_onnx(tmp_path / "small.onnx", 64)
    if fmt == "tflite":
        run_pt2tf("convert", "-i", small, "-o", tmp_path / "small.tflite", "-q")
        small = tmp_path / "small.tflite"
    run_pt2tf("run", "-i", small, "--inputs", x, "-o", out)
    with np.load(out) as y:
        assert np.all(y["y"] == 64)  # 64 products of ones per output element
    out.unlink()
    env = dict(os.environ, PT2TF_MAX_EVAL_GMACS="0.0001")  # 10^5 < 64³ = 262144
    proc = subprocess.run([str(PT2TF), "run", "-i", str(small), "--inputs", str(x), "-o",
                           str(out)], capture_output=True, text=True, env=env)
    assert proc.returncode == 1 and "multiply-adds" in proc.stderr, proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["onnx", "tflite"])
def test_run_bounds_the_values_alive_at_once(tmp_path, fmt):
    """Values alive at once are bounded too (8 GiB by default, PT2TF_MAX_EVAL_GIB): here two
    [8192, 8192] broadcasts of a [1, 1] input added, 256 MiB each, under a 0.25 GiB limit:
    the second is refused before it is allocated; at 1 GiB the same model runs."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper
    n = 1 << 13
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [n, n])
    nodes = [helper.make_node("Expand", ["x", "shape"], ["a"]),
             helper.make_node("Neg", ["a"], ["b"]),
             helper.make_node("Sub", ["a", "b"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                         [1, 1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, n])],
                              initializer=[shape])
    model = tmp_path / "m.onnx"
    model.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
                      .SerializeToString())
    if fmt == "tflite":
        run_pt2tf("convert", "-i", model, "-o", tmp_path / "m.tflite", "-q")
        model = tmp_path / "m.tflite"
    x = tmp_path / "x.npy"
    np.save(x, np.full((1, 1), 0.5, np.float32))
    out = tmp_path / "y.npz"
    cmd = [str(PT2TF), "run", "-i", str(model), "--inputs", str(x), "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          env=dict(os.environ, PT2TF_MAX_EVAL_GIB="0.25"))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert "of values at once" in lines[0] and "PT2TF_MAX_EVAL_GIB" in lines[0], lines[0]
    assert not out.exists()
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          env=dict(os.environ, PT2TF_MAX_EVAL_GIB="1"))
    assert proc.returncode == 0, proc.stderr
    with np.load(out) as y:
        assert y["y"].shape == (n, n) and np.all(y["y"] == 1.0)


def test_run_checks_a_run_time_shaped_output_before_allocating(tmp_path):
    """An Add of a [?, 1] and a [1, ?] input has no output shape the graph knows, so the
    runner cannot hold its output ahead; the kernel checks the memory limit itself before it
    allocates. Inputs of 65536 values each broadcast to 2^32 floats, 16 GiB, past the 8 GiB
    default: one line naming the op, no output, and the process stays small (under the 4 GiB
    address-space cap `measured` sets, which an allocation of the claimed size would break)."""
    import numpy as np
    from onnx import TensorProto, helper
    n = 1 << 16
    nodes = [helper.make_node("Add", ["a", "b"], ["y"], name="outer")]
    graph = helper.make_graph(nodes, "g",
                              [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["n", 1]),
                               helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, "m"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "m"])])
    model = tmp_path / "m.onnx"
    model.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
                      .SerializeToString())
    feeds = tmp_path / "in.npz"
    out = tmp_path / "y.npz"
    np.savez(feeds, a=np.ones((n, 1), np.float32), b=np.ones((1, n), np.float32))
    rc, err, rss, cpu = measured("run", "-i", model, "--inputs", feeds, "-o", out)
    lines = err.strip().splitlines()
    assert rc == 1 and len(lines) == 1, err[-2000:]
    assert "outer" in lines[0] and "of values at once" in lines[0], lines[0]
    assert not out.exists()
    if not SANITIZED:
        assert rss <= RSS_BASE + (256 << 20), f"peak RSS {rss >> 20} MiB"
    # Sizes that fit run, and give the broadcast sums.
    a, b = np.arange(3, dtype=np.float32)[:, None], np.arange(5, dtype=np.float32)[None, :]
    np.savez(feeds, a=a, b=b)
    run_pt2tf("run", "-i", model, "--inputs", feeds, "-o", out)
    with np.load(out) as y:
        np.testing.assert_array_equal(y["y"], a + b)
