"""The CLI contract: --help, exit codes (0 / 1 conversion error / 2 usage error), one-line
errors, --quiet, --json summaries, docs/CLI.md in sync with --help, and `inspect` on .onnx,
.pb and SavedModel directories checked against the onnx package and TensorFlow's parser."""
import collections
import json
import re

import pytest

from conftest import ROOT, run_pt2tf

CHECKPOINT = ROOT / "examples" / "civilnet.pth"
DOC = ROOT / "docs" / "CLI.md"
COMMANDS = ("convert", "inspect", "models")
LONG_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def doc_sections():
    """docs/CLI.md: command name -> text of its `## pt2tf <command>` section."""
    parts = re.split(r"^## `pt2tf (\w+)`", DOC.read_text(), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def help_flags(command):
    proc = run_pt2tf(command, "--help")
    return set(LONG_FLAG.findall(proc.stdout)) - {"--help"}


@pytest.mark.parametrize("command", COMMANDS)
def test_help_exits_0_and_matches_the_doc(pt2tf_bin, command):
    documented = set(LONG_FLAG.findall(doc_sections()[command])) - {"--help"}
    in_help = help_flags(command)
    assert documented, f"docs/CLI.md documents no flag for {command}"
    assert documented - in_help == set(), f"documented but not in --help of {command}"
    assert in_help - documented == set(), f"in --help of {command} but not in docs/CLI.md"


def test_convert_help_mentions_every_flag(pt2tf_bin):
    assert {"--input", "--output", "--model", "--input-shape", "--opset", "--input-layout",
            "--non-strict", "--quiet", "--json"} <= help_flags("convert")
    assert {"--json", "--hash"} <= help_flags("inspect")
    assert {"--json"} <= help_flags("models")


def test_top_level_help_lists_commands(pt2tf_bin):
    out = run_pt2tf("--help").stdout
    for command in COMMANDS:
        assert command in out
    assert run_pt2tf("--version").stdout.startswith("pt2tf ")


def assert_one_line_error(proc, code, *must_contain):
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("pt2tf: error: "), lines[0]
    for text in must_contain:
        assert str(text) in lines[0]
    assert proc.stdout == ""


USAGE_ERRORS = {
    "no command": [],
    "unknown command": ["frobnicate"],
    "unknown flag": ["convert", "--frob", "-i", CHECKPOINT, "-o", "x.onnx"],
    "missing input": ["convert", "-o", "x.onnx"],
    "missing output": ["convert", "-i", CHECKPOINT, "--model", "civilnet"],
    "bad input shape": ["convert", "-i", CHECKPOINT, "--model", "civilnet",
                        "--input-shape", "1x3xbad", "-o", "{tmp}/x.onnx"],
    "zero in input shape": ["convert", "-i", CHECKPOINT, "--model", "civilnet",
                            "--input-shape", "1x0x32x32", "-o", "{tmp}/x.onnx"],
    "unknown output kind": ["convert", "-i", CHECKPOINT, "--model", "civilnet",
                            "-o", "{tmp}/x.mlmodel"],
    "opset too high": ["convert", "-i", CHECKPOINT, "--model", "civilnet", "--opset", "99",
                       "-o", "{tmp}/x.onnx"],
    "opset too low": ["convert", "-i", CHECKPOINT, "--model", "civilnet", "--opset", "7",
                      "-o", "{tmp}/x.onnx"],
    "bad layout": ["convert", "-i", CHECKPOINT, "--model", "civilnet", "--input-layout",
                   "nwhc", "-o", "{tmp}/x.pb"],
    "hash on a graph": ["inspect", "--hash", "{tmp}/x.onnx"],
}


@pytest.mark.parametrize("case", sorted(USAGE_ERRORS))
def test_usage_errors_exit_2_with_one_line(pt2tf_bin, tmp_path, case):
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in USAGE_ERRORS[case]]
    proc = run_pt2tf(*args, check=False)
    assert_one_line_error(proc, 2)
    assert list(tmp_path.iterdir()) == []


def test_conversion_errors_exit_1_naming_the_file(pt2tf_bin, tmp_path):
    missing = tmp_path / "missing.pth"
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"PK\x03\x04 this is not a checkpoint")
    bad_onnx = tmp_path / "bad.onnx"
    bad_onnx.write_bytes(b"\xff\xff\xff not onnx")
    out = tmp_path / "out.onnx"
    cases = [
        (["convert", "-i", missing, "--model", "civilnet", "-o", out], missing),
        (["convert", "-i", garbage, "--model", "civilnet", "-o", out], garbage),
        (["convert", "-i", CHECKPOINT, "--model", "resnet18", "-o", out], CHECKPOINT),
        (["convert", "-i", bad_onnx, "-o", tmp_path / "out.pb"], bad_onnx),
        (["inspect", missing], missing),
        (["inspect", garbage], garbage),
        (["inspect", bad_onnx], bad_onnx),
    ]
    for args, named in cases:
        assert_one_line_error(run_pt2tf(*args, check=False), 1, named)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.onnx", "garbage.pth"]


def test_quiet_prints_nothing(pt2tf_bin, tmp_path):
    proc = run_pt2tf("convert", "--quiet", "-i", CHECKPOINT, "--model", "civilnet",
                     "-o", tmp_path / "q.onnx", "-o", tmp_path / "q.pb")
    assert proc.stdout == "" and proc.stderr == ""
    assert (tmp_path / "q.onnx").stat().st_size > 0 and (tmp_path / "q.pb").stat().st_size > 0


@pytest.fixture(scope="session")
def civilnet_outputs(pt2tf_bin, tmp_path_factory):
    """CivilNet converted once to all three kinds, with the --json summary."""
    d = tmp_path_factory.mktemp("cli")
    outs = [d / "c.onnx", d / "c.pb", str(d / "c_saved") + "/"]
    proc = run_pt2tf("convert", "--json", "-i", CHECKPOINT, "--model", "civilnet",
                     *[a for o in outs for a in ("-o", o)])
    return json.loads(proc.stdout), outs


def test_json_summary_has_the_keys(civilnet_outputs):
    import torch
    summary, outs = civilnet_outputs
    for key in ("input", "input_kind", "model", "nodes", "initializers", "weight_bytes",
                "parameters", "inputs", "graph_outputs", "outputs", "warnings", "seconds"):
        assert key in summary
    state = torch.load(CHECKPOINT, map_location="cpu")
    # CivilNet has no BN, so the passes keep every weight as it is in the checkpoint.
    assert summary["parameters"] == sum(t.numel() for t in state.values())
    import sys
    sys.path.insert(0, str(ROOT / "examples"))
    from civilnet import INPUT_SHAPE, CivilNet
    net = CivilNet().eval()
    net.load_state_dict(state)
    with torch.no_grad():
        out_shape = list(net(torch.zeros(INPUT_SHAPE)).shape)
    assert [i["shape"] for i in summary["inputs"]] == [list(INPUT_SHAPE)]
    assert [o["shape"] for o in summary["graph_outputs"]] == [out_shape]
    assert [o["kind"] for o in summary["outputs"]] == ["onnx", "tf-graphdef", "tf-savedmodel"]
    import pathlib
    for o in summary["outputs"]:
        p = pathlib.Path(o["path"])
        size = sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() \
            else p.stat().st_size
        assert o["bytes"] == size > 0


def test_text_summary(pt2tf_bin, tmp_path):
    out = run_pt2tf("convert", "-i", CHECKPOINT, "--model", "civilnet",
                    "-o", tmp_path / "t.onnx").stdout
    labels = [line.split(":")[0] for line in out.splitlines()]
    assert labels == ["Model", "Inputs", "Outputs", "Params", "Wrote", "Time"]
    assert str(tmp_path / "t.onnx") in out


def onnx_histogram(path):
    import onnx
    model = onnx.load(str(path), load_external_data=False)
    return collections.Counter(n.op_type for n in model.graph.node)


def graphdef_histogram(graph_def):
    return collections.Counter(n.op for n in graph_def.node)


def inspect_json(path):
    return json.loads(run_pt2tf("inspect", "--json", path).stdout)


def test_inspect_onnx_written_by_pt2tf(civilnet_outputs):
    import onnx
    _, (onnx_path, _, _) = civilnet_outputs
    got = inspect_json(onnx_path)
    model = onnx.load(str(onnx_path))
    assert got["format"] == "onnx"
    assert got["ops"] == dict(onnx_histogram(onnx_path))
    assert got["node_count"] == len(model.graph.node)
    assert got["weight_bytes"] == sum(onnx.numpy_helper.to_array(t).nbytes
                                      for t in model.graph.initializer)
    assert [i["name"] for i in got["inputs"]] == [i.name for i in model.graph.input]
    assert [o["name"] for o in got["outputs"]] == [o.name for o in model.graph.output]


def test_inspect_torch_onnx_export(pt2tf_bin, tmp_path):
    import onnx
    import torch
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8),
                              torch.nn.ReLU(), torch.nn.Flatten(),
                              torch.nn.Linear(8 * 6 * 6, 5)).eval()
    path = tmp_path / "exported.onnx"
    torch.onnx.export(net, (torch.zeros(1, 3, 8, 8),), str(path), dynamo=False, opset_version=17,
                      input_names=["x"], output_names=["y"], do_constant_folding=False)
    got = inspect_json(path)
    model = onnx.load(str(path))
    assert got["ops"] == dict(onnx_histogram(path))
    assert got["weight_bytes"] == sum(onnx.numpy_helper.to_array(t).nbytes
                                      for t in model.graph.initializer)
    assert got["inputs"] == [{"name": "x", "dtype": "float32", "shape": [1, 3, 8, 8]}]
    assert got["outputs"] == [{"name": "y", "dtype": "float32", "shape": [1, 5]}]
    text = run_pt2tf("inspect", path).stdout
    assert "Conv" in text and "Gemm" in text


def test_inspect_pb_and_saved_model(civilnet_outputs):
    import tensorflow as tf
    _, (_, pb_path, saved_dir) = civilnet_outputs
    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(pb_path.read_bytes())
    got = inspect_json(pb_path)
    assert got["format"] == "tf-graphdef"
    assert got["ops"] == dict(graphdef_histogram(graph_def))
    assert got["node_count"] == len(graph_def.node)
    consts = [tf.make_ndarray(n.attr["value"].tensor) for n in graph_def.node if n.op == "Const"]
    assert got["weight_bytes"] == sum(c.nbytes for c in consts)
    assert [i["name"] for i in got["inputs"]] == [n.name for n in graph_def.node
                                                 if n.op == "Placeholder"]
    assert len(got["outputs"]) == 1

    from tensorflow.core.protobuf import saved_model_pb2
    saved = saved_model_pb2.SavedModel()
    with open(saved_dir + "saved_model.pb", "rb") as f:
        saved.ParseFromString(f.read())
    meta = saved.meta_graphs[0]
    got = inspect_json(saved_dir)
    assert got["format"] == "tf-savedmodel"
    assert got["ops"] == dict(graphdef_histogram(meta.graph_def))
    sig = meta.signature_def["serving_default"]
    assert sorted(i["name"] for i in got["inputs"]) == sorted(sig.inputs.keys())
    assert sorted(o["name"] for o in got["outputs"]) == sorted(sig.outputs.keys())
    for entry in got["inputs"] + got["outputs"]:
        info = sig.inputs.get(entry["name"]) or sig.outputs[entry["name"]]
        assert entry["shape"] == [d.size for d in info.tensor_shape.dim]
        assert tf.as_dtype(info.dtype).name == entry["dtype"]


@pytest.fixture(scope="session")
def large_checkpoint(tmp_path_factory):
    """A checkpoint over the bar's 50 MiB threshold: torchvision resnet50 (~98 MiB)."""
    import subprocess
    import sys
    path = tmp_path_factory.mktemp("large") / "resnet50.pth"
    # In a child process: importing torchvision after tensorflow in one process crashes.
    subprocess.run([sys.executable, "-c",
                    "import sys, torch, torchvision; torch.manual_seed(0); "
                    "torch.save(torchvision.models.resnet50().state_dict(), sys.argv[1])",
                    str(path)], check=True, timeout=300)
    return path


def test_progress_bar_only_on_a_terminal(pt2tf_bin, large_checkpoint, tmp_path):
    import shlex
    import subprocess
    out = tmp_path / "r.onnx"
    # `script` gives the command a pseudo-terminal for stdout and stderr.
    cmd = shlex.join([str(pt2tf_bin), "convert", "-i", str(large_checkpoint), "--model",
                      "resnet50", "-o", str(out)])
    tty = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True,
                         timeout=600)
    assert tty.returncode == 0, tty.stdout
    assert f"writing {out} [" in tty.stdout and "100% of" in tty.stdout
    assert "  0% of" in tty.stdout  # redrawn in place (text mode turns '\r' into '\n')
    out.unlink()
    piped = run_pt2tf("convert", "-i", large_checkpoint, "--model", "resnet50", "-o", out)
    assert "writing" not in piped.stderr and "%" not in piped.stderr + piped.stdout
    assert "Wrote:" in piped.stdout
    quiet_tty = subprocess.run(["script", "-qec", cmd + " --quiet", "/dev/null"],
                               capture_output=True, text=True, timeout=600)
    assert quiet_tty.returncode == 0 and quiet_tty.stdout == ""
