"""What bench_onnx_export.py and bench_onnx_to_tf.py share: two tools on the same input,
median of fresh runs each, one markdown table (pt2tf first, the peer second, the speed-up)."""
import argparse
import pathlib

import models
import tools
from tools import Unavailable


def parse_args(description, doc_name):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--models", nargs="+", default=["efficientnet-b3", "resnet50"],
                    choices=models.ZOO_MODELS)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--build", default=str(models.ROOT / "build"))
    ap.add_argument("--results", default=str(models.RESULTS))
    ap.add_argument("--doc", default=str(models.ROOT / "docs" / "benchmarks" / doc_name))
    return ap.parse_args()


def measure_tool(make_cmd, outputs, repeat):
    """tools.convert of make_cmd(): the Run, or the tool's one-line error for the table."""
    try:
        return tools.convert(make_cmd(), outputs, repeat)
    except Unavailable as e:
        return str(e)


def cell(run):
    return f"n/a ({run})" if isinstance(run, str) else \
        f"{run.seconds:.2f} s (CPU {run.cpu_seconds:.2f} s) / {run.peak_rss_mb:.0f} MiB"


def speedup(peer, ours):
    """The peer's time over pt2tf's, wall and CPU, or — when either has no number."""
    if isinstance(peer, str) or isinstance(ours, str):
        return "—"
    return (f"{tools.fmt_ratio(peer.seconds, ours.seconds)} "
            f"(CPU {tools.fmt_ratio(peer.cpu_seconds, ours.cpu_seconds)})")


def write_doc(path, lines):
    text = "\n".join(lines) + "\n"
    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(path).write_text(text)
    print(text)
