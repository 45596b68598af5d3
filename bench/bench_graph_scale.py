"""Graph size scaling (issue 13): the whole pipeline on synthetic ONNX graphs of 10k-100k nodes.

  .venv/bin/python bench/bench_graph_scale.py [--nodes 10000 20000 50000 100000] [--repeat 3]
      [--outputs onnx pb tflite]

Each graph is a chain of residual blocks on a [1, 8, 8, 8] tensor — Conv 1x1 (own weights),
Relu, Add of the block input, Mul by a per-block constant — so every node goes through the
reader, shape inference, constant folding, the NHWC layout pass and every writer asked for.
pt2tf converts each graph in a fresh process (`convert -i g.onnx -o g.onnx -o g.pb -o
g.tflite`), median of --repeat; the doc reports wall and CPU time, peak RSS, and the time per
node, whose ratio between the largest and the smallest graph shows whether time grows
linearly (goal: 100k nodes in seconds, per-node time at 100k within 1.5x of that at 10k).
Writes docs/benchmarks/graph_scale.md; raw numbers in bench/results/graph_scale.json.
"""
import argparse
import datetime
import json
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import measure  # noqa: E402
import models  # noqa: E402
import tools  # noqa: E402

ROOT = models.ROOT
NODES_PER_BLOCK = 4
C, H, W = 8, 8, 8


def make_graph(n_nodes, path, seed=0):
    """A chain of n_nodes // 4 residual blocks, written with onnx.helper."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes, inits = [], []
    x = "input"
    for b in range(n_nodes // NODES_PER_BLOCK):
        w = rng.standard_normal((C, C, 1, 1), dtype=np.float32) * (0.5 / C ** 0.5)
        inits.append(numpy_helper.from_array(w, f"w{b}"))
        inits.append(numpy_helper.from_array(np.float32(rng.uniform(0.5, 1.0)), f"s{b}"))
        nodes += [helper.make_node("Conv", [x, f"w{b}"], [f"c{b}"], name=f"conv{b}"),
                  helper.make_node("Relu", [f"c{b}"], [f"r{b}"], name=f"relu{b}"),
                  helper.make_node("Add", [f"r{b}", x], [f"a{b}"], name=f"add{b}"),
                  helper.make_node("Mul", [f"a{b}", f"s{b}"], [f"m{b}"], name=f"mul{b}")]
        x = f"m{b}"
    nodes[-1].output[0] = "output"
    graph = helper.make_graph(
        nodes, "scale", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                       [1, C, H, W])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, C, H, W])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(path))
    return len(nodes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", nargs="+", type=int, default=[10000, 20000, 50000, 100000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--outputs", nargs="+", default=["onnx", "pb", "tflite"],
                    choices=["onnx", "pb", "tflite"])
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--results", default=str(models.RESULTS))
    ap.add_argument("--doc", default=str(ROOT / "docs" / "benchmarks" / "graph_scale.md"))
    args = ap.parse_args()

    pt2tf = tools.pt2tf_binary(args.build)
    work = pathlib.Path(args.results) / "graph_scale"
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.nodes:
        src = work / f"g{n}.onnx"
        nodes = make_graph(n, src)
        outs = [work / f"out{n}.{ext}" for ext in args.outputs]
        run = tools.convert(tools.pt2tf_cmd(pt2tf, src, outs), outs, args.repeat)
        rows.append({"nodes": nodes, "input_mb": src.stat().st_size / 2**20,
                     "seconds": run.seconds, "cpu_seconds": run.cpu_seconds,
                     "peak_rss_mb": run.peak_rss_mb, "runs": run.runs})
        print(f"{nodes} nodes: {run.seconds:.2f} s (CPU {run.cpu_seconds:.2f} s), "
              f"{run.peak_rss_mb:.0f} MiB", file=sys.stderr)
        for f in [src] + outs:
            f.unlink(missing_ok=True)
    data = {"date": str(datetime.date.today()), "repeat": args.repeat,
            "outputs": args.outputs, "machine": tools.machine_lines(),
            "load_end": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
            "pt2tf": tools.pt2tf_version(args.build), "rows": rows}
    (pathlib.Path(args.results) / "graph_scale.json").write_text(json.dumps(data, indent=1))

    first = rows[0]
    per_node = lambda r: r["cpu_seconds"] / r["nodes"] * 1e6  # noqa: E731
    L = ["# Benchmark: graph size scaling", "",
         f"Produced by `.venv/bin/python bench/bench_graph_scale.py` on {data['date']}: "
         f"`pt2tf convert -i g.onnx` to {', '.join('.' + o for o in args.outputs)} at once, "
         f"median of {args.repeat} fresh-process runs per size. The graphs are chains of "
         "residual blocks (Conv 1x1, Relu, Add, Mul) on a [1, 8, 8, 8] tensor; the bench's "
         "docstring says why.", ""]
    L += data["machine"] + [f"- load average at end: {data['load_end']}",
                            f"- pt2tf: {data['pt2tf']}", ""]
    L += ["| nodes | ONNX input | wall time | CPU time | peak RSS | CPU µs per node | "
          "per node ÷ smallest |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        L.append(f"| {r['nodes']:,} | {r['input_mb']:.1f} MiB | {r['seconds']:.2f} s | "
                 f"{r['cpu_seconds']:.2f} s | {r['peak_rss_mb']:.0f} MiB | "
                 f"{per_node(r):.1f} | {per_node(r) / per_node(first):.2f}× |")
    last = rows[-1]
    growth = per_node(last) / per_node(first)
    L += ["", f"Goal (issue #13): {last['nodes']:,} nodes in seconds, linear growth (per-node "
          f"CPU time at the largest size within 1.5× of the smallest's). Measured: "
          f"{last['seconds']:.2f} s wall, per-node ratio {growth:.2f}× "
          f"{'✔' if last['seconds'] < 10 and growth <= 1.5 else '✘'}."]
    doc = pathlib.Path(args.doc)
    doc.write_text("\n".join(L) + "\n")
    print("\n".join(L))


if __name__ == "__main__":
    main()
