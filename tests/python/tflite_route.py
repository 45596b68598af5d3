"""TensorFlow's own TFLite route, in a child process: TFLiteConverter on a SavedModel
(builtin operators only, no Select TF ops), and the LiteRT interpreter on the result.

    runner = TfliteRoute()                      # or the `tflite_route` fixture below
    runner.convert(saved_dir, out_tflite)       # raises Refused(ops, message) on refusal
    outs = runner.run(out_tflite, {"input": x}) # {output name: array}, serving_default
    ops = runner.ops(out_tflite)                # the operator names, one per operator

TensorFlow must not share a process with PyTorch (see tf_runner.py), and the converter
aborts the process on some graphs, so one long-lived worker serves the requests and is
restarted when it dies.
"""
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from tf_runner import TfRunner

# The converter's verdict on an op it cannot express in builtins: "'tf.Erf' op is neither a
# custom op nor a flex op" (one per op), and "TF Select ops: Erf, ..." in the summary.
_REFUSED = re.compile(r"'tf\.(\w+)' op is neither a custom op nor a flex op")
_SELECT = re.compile(r"TF Select ops: ([\w, ]+)")


class Refused(Exception):
    def __init__(self, ops, message):
        super().__init__(f"TFLiteConverter refused {', '.join(ops) or 'the model'}: {message}")
        self.ops = ops
        self.message = message


def refused_ops(message):
    """The TF op names the converter could not lower to builtins, from its error text."""
    ops = set(_REFUSED.findall(message))
    for group in _SELECT.findall(message):
        ops.update(o.strip() for o in group.split(",") if o.strip())
    return sorted(ops)


class TfliteRoute(TfRunner):
    def _start(self):
        import os
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        self._proc = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      text=True, env=env)

    def convert(self, saved_dir, out):
        try:
            reply, _ = self._call({"kind": "convert", "model": str(saved_dir), "out": str(out)})
        except RuntimeError as e:  # the worker died: the converter aborted on this model
            raise Refused([], str(e)) from None
        if "refused" in reply:
            raise Refused(reply["refused"], reply["message"])

    def run(self, tflite, feeds, threads=1):
        """Runs `tflite`'s serving_default signature on `feeds` ({input name: array}) in the
        LiteRT interpreter with XNNPACK; returns {output name: array}."""
        reply, path = self._call({"kind": "run", "model": str(tflite), "threads": threads},
                                 feeds)
        with np.load(path) as data:
            return {k: data[k] for k in reply["outputs"]}

    def ops(self, tflite):
        reply, _ = self._call({"kind": "ops", "model": str(tflite)})
        return reply["ops"]


@pytest.fixture(scope="session")
def tflite_route():
    runner = TfliteRoute()
    yield runner
    runner.close()


def interpreter(path, threads):
    """The LiteRT interpreter (ai-edge-litert) with its default XNNPACK delegate."""
    from ai_edge_litert.interpreter import Interpreter
    return Interpreter(model_path=str(path), num_threads=threads)


def _convert(saved_dir, out):
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(saved_dir)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    try:
        flat = converter.convert()
    except Exception as e:  # ConverterError: the message lists the ops it could not lower
        message = str(e)
        first = next((line for line in message.splitlines() if "error:" in line), message)
        return {"refused": refused_ops(message), "message": first.strip()[:300]}
    with open(out, "wb") as f:
        f.write(flat)
    return {}


def _run(path, feeds, threads):
    runner = interpreter(path, threads).get_signature_runner("serving_default")
    return runner(**feeds)


def _serve():
    import gc

    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = {}
            if request["kind"] == "convert":
                reply = _convert(request["model"], request["out"])
            elif request["kind"] == "run":
                with np.load(request["feeds"]) as data:
                    feeds = {k: data[k] for k in data.files}
                outs = _run(request["model"], feeds, request.get("threads", 1))
                np.savez(request["result"], **outs)
                reply["outputs"] = sorted(outs)
            elif request["kind"] == "ops":
                details = interpreter(request["model"], 1)._get_ops_details()
                reply["ops"] = [d["op_name"] for d in details]
        except Exception as e:  # reported to the test, which fails with the message
            reply = {"error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}
        gc.collect()
        print(json.dumps(reply), flush=True)


if __name__ == "__main__" and "--serve" in sys.argv:
    _serve()
