"""TensorFlow in a separate process, for tests that also use PyTorch.

Importing TensorFlow and then PyTorch's triton in one process crashes (segfault at import),
and a TensorFlow kernel can abort the process; so tests talk to one long-lived worker:

    runner = TfRunner()                      # or the `tf_runner` fixture below
    outs = runner.run_frozen(pb, {"input": x}, ["output"])
    outs = runner.run_saved(saved_dir, {"input": x})
    nodes = runner.nodes(pb)                 # [(name, op, [inputs])]
    info = runner.describe(pb_or_saved_dir)  # what TensorFlow reads from the file (_describe)

Arrays travel as .npz files in a temporary directory; requests as JSON lines.
"""
import gc
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import pytest


class TfRunner:
    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="pt2tf_tf_")
        self._proc = None
        self._count = 0

    def _start(self):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        self._proc = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      text=True, env=env)

    def _call(self, request, feeds=None):
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        self._count += 1
        base = pathlib.Path(self._tmp.name) / str(self._count)
        if feeds is not None:
            np.savez(f"{base}_in.npz", **feeds)
            request["feeds"] = f"{base}_in.npz"
        request["result"] = f"{base}_out.npz"
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            code = self._proc.wait()
            self._proc = None
            raise RuntimeError(f"TensorFlow worker died (exit {code}) on {request}")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply, request["result"]

    def run_frozen(self, pb, feeds, outputs, optimize=True):
        """optimize=False turns Grappler off: on graphs with hundreds of MB of constants it
        takes minutes and ~15x the graph's size in memory before the first run."""
        _, path = self._call({"kind": "frozen", "model": str(pb), "outputs": list(outputs),
                              "optimize": optimize}, feeds)
        with np.load(path) as data:
            return {k: data[k] for k in outputs}

    def run_saved(self, directory, feeds, optimize=True):
        reply, path = self._call({"kind": "saved", "model": str(directory),
                                  "optimize": optimize}, feeds)
        with np.load(path) as data:
            return {k: data[k] for k in reply["outputs"]}

    def nodes(self, pb):
        reply, _ = self._call({"kind": "nodes", "model": str(pb)})
        return [tuple(n) for n in reply["nodes"]]

    def describe(self, model):
        reply, _ = self._call({"kind": "describe", "model": str(model)})
        return reply["info"]

    def close(self):
        if self._proc and self._proc.poll() is None:
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=120)
            except subprocess.TimeoutExpired:  # TensorFlow's teardown can hang: ours to end
                self._proc.kill()
                self._proc.wait()
        self._tmp.cleanup()


@pytest.fixture(scope="session")
def tf_runner():
    runner = TfRunner()
    yield runner
    runner.close()


def _graph_def(path):
    import tensorflow as tf

    gd = tf.compat.v1.GraphDef()
    gd.ParseFromString(pathlib.Path(path).read_bytes())
    return gd


def _describe(path):
    """A .pb or SavedModel as TensorFlow reads it: the op histogram, the Placeholders
    ([name, dtype, dims]), the bytes of every Const value, the nodes nothing consumes, and for
    a SavedModel the serving signature as tf.saved_model.load sees it."""
    import collections

    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2

    path = pathlib.Path(path)
    info = {}
    if path.is_dir():
        sm = saved_model_pb2.SavedModel()
        sm.ParseFromString((path / "saved_model.pb").read_bytes())
        gd = sm.meta_graphs[0].graph_def
        sig = tf.saved_model.load(str(path)).signatures["serving_default"]
        info["signature_inputs"] = [[k, v.dtype.name, v.shape.as_list()]
                                    for k, v in sorted(sig.structured_input_signature[1].items())]
        info["signature_outputs"] = sorted(sig.structured_outputs)
    else:
        gd = _graph_def(path)
    info["ops"] = dict(collections.Counter(n.op for n in gd.node))
    info["placeholders"] = [[n.name, tf.as_dtype(n.attr["dtype"].type).name,
                             [d.size for d in n.attr["shape"].shape.dim]]
                            for n in gd.node if n.op == "Placeholder"]
    info["const_bytes"] = int(sum(tf.make_ndarray(n.attr["value"].tensor).nbytes
                                  for n in gd.node if n.op == "Const"))
    consumed = {i.lstrip("^").split(":")[0] for n in gd.node for i in n.input}
    info["sinks"] = sorted(n.name for n in gd.node if n.name not in consumed)
    return info


def _serve():
    import tensorflow as tf

    graph_def = _graph_def

    for line in sys.stdin:
        request = json.loads(line)
        try:
            feeds = {}
            if "feeds" in request:
                with np.load(request["feeds"]) as data:
                    feeds = {k: data[k] for k in data.files}
            reply = {}
            if request["kind"] == "frozen":
                graph = tf.Graph()
                with graph.as_default():
                    tf.import_graph_def(graph_def(request["model"]), name="")
                config = tf.compat.v1.ConfigProto()
                if not request.get("optimize", True):
                    config.graph_options.rewrite_options.disable_meta_optimizer = True
                with tf.compat.v1.Session(graph=graph, config=config) as sess:
                    got = sess.run([f"{o}:0" for o in request["outputs"]],
                                   {f"{k}:0": v for k, v in feeds.items()})
                np.savez(request["result"], **dict(zip(request["outputs"], got)))
            elif request["kind"] == "saved":
                tf.config.optimizer.set_experimental_options(
                    {"disable_meta_optimizer": not request.get("optimize", True)})
                fn = tf.saved_model.load(request["model"]).signatures["serving_default"]
                out = fn(**{k: tf.constant(v) for k, v in feeds.items()})
                del fn
                np.savez(request["result"], **{k: v.numpy() for k, v in out.items()})
                reply["outputs"] = sorted(out)
            elif request["kind"] == "describe":
                reply["info"] = _describe(request["model"])
            elif request["kind"] == "nodes":
                reply["nodes"] = [[n.name, n.op, list(n.input)]
                                  for n in graph_def(request["model"]).node]
        except Exception as e:  # reported to the test, which fails with the message
            reply = {"error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}
        gc.collect()  # a large model's graph must not stay alive into the next request
        print(json.dumps(reply), flush=True)


if __name__ == "__main__" and "--serve" in sys.argv:
    _serve()
