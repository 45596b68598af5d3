"""Running .tflite files in the LiteRT interpreter (ai-edge-litert), as the TFLite tests do.

`run` uses the interpreter's default configuration, which applies the XNNPACK delegate, and
calls the model through its "serving_default" signature, so the SignatureDef is checked too.
`ops` lists the file's operators as the interpreter parsed them (no delegate, so the nodes
are the file's own).
"""
import collections

import numpy as np


def _interpreter(path, delegates=True):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    resolver = OpResolverType.AUTO if delegates else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    return Interpreter(model_path=str(path), num_threads=1,
                       experimental_op_resolver_type=resolver)


def run(path, feeds):
    """Runs the model on `feeds` ({signature input name: array}); returns {output name: array}.
    Asserts that XNNPACK took at least part of the graph."""
    interp = _interpreter(path)
    interp.allocate_tensors()  # the delegate is applied here: its node joins the op list
    ops = [op["op_name"] for op in interp._get_ops_details()]
    assert "DELEGATE" in ops, f"XNNPACK did not apply: {collections.Counter(ops)}"
    runner = interp.get_signature_runner("serving_default")
    return {k: np.asarray(v) for k, v in runner(**feeds).items()}


def run_resized(path, feeds):
    """`run` for a file with run-time input dims (shape_signature -1): the signature runner
    resizes each input to its feed before the first allocation, as a user of such a file does
    (the stored `shape` has 1 there, which is not a size every model can be prepared at).
    Returns ({output name: array}, {input name: shape_signature})."""
    interp = _interpreter(path)
    runner = interp.get_signature_runner("serving_default")
    got = {k: np.asarray(v) for k, v in runner(**feeds).items()}
    details = runner.get_input_details()
    return got, {k: list(v["shape_signature"]) for k, v in details.items()}


def ops(path):
    """Counter of operator names (e.g. {'CONV_2D': 20, 'ADD': 8})."""
    interp = _interpreter(path, delegates=False)
    return collections.Counter(op["op_name"] for op in interp._get_ops_details())


def signature(path):
    """({input names}, {output names}) of the serving_default signature."""
    interp = _interpreter(path, delegates=False)
    sig = interp.get_signature_list()["serving_default"]
    return set(sig["inputs"]), set(sig["outputs"])


def assert_close_fp16(got, ref, what="", intrinsic=0.0):
    """float16 weights: max|got - ref| <= 1e-2 * max(1, max|ref|), or <= 2 * `intrinsic` (the
    error float16 weights cause in the reference framework itself) when that is larger."""
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != reference {ref.shape}"
    diff = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64))))
    tol = max(1e-2 * max(1.0, float(np.max(np.abs(ref)))), 2 * intrinsic)
    assert diff <= tol, f"{what}: max|diff| {diff:.3g} > tolerance {tol:.3g}"
    return diff
