"""Reads the ONNX backend node tests shipped in the onnx wheel (onnx/backend/test/data/node)
into plain single-node cases: op, domain, opset, attributes, inputs and expected outputs as
numpy arrays. Cases that are not one node, or use types pt2tf's IR cannot hold (strings,
sequences, optionals, complex, float8, subgraphs), are reported as skipped with the reason."""
import pathlib

import numpy as np
import onnx
from onnx import AttributeProto, numpy_helper

NODE_DIR = pathlib.Path(onnx.__file__).parent / "backend" / "test" / "data" / "node"

TORCH_NAMES = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64",
               np.dtype(np.float16): "float16", np.dtype(np.int64): "int64",
               np.dtype(np.int32): "int32", np.dtype(np.int16): "int16",
               np.dtype(np.int8): "int8", np.dtype(np.uint8): "uint8",
               np.dtype(np.uint16): "uint16", np.dtype(np.uint32): "uint32",
               np.dtype(np.uint64): "uint64", np.dtype(bool): "bool"}


class Skip(Exception):
    pass


def _attr(a):
    if a.type == AttributeProto.INT:
        return a.i
    if a.type == AttributeProto.FLOAT:
        return float(a.f)
    if a.type == AttributeProto.STRING:
        return a.s.decode()
    if a.type == AttributeProto.INTS:
        return list(a.ints)
    if a.type == AttributeProto.FLOATS:
        return [float(x) for x in a.floats]
    if a.type == AttributeProto.TENSOR:
        arr = numpy_helper.to_array(a.t)
        if arr.dtype not in TORCH_NAMES:
            raise Skip(f"tensor attribute of dtype {arr.dtype}")
        return arr
    raise Skip(f"attribute type {AttributeProto.AttributeType.Name(a.type)}")


def _load_tensor(path):
    t = onnx.TensorProto()
    try:
        t.ParseFromString(path.read_bytes())
        arr = numpy_helper.to_array(t)
    except Exception as e:  # noqa: BLE001 - any unreadable tensor means "not for us"
        raise Skip(f"unreadable tensor: {type(e).__name__}") from e
    if arr.dtype not in TORCH_NAMES:
        raise Skip(f"dtype {arr.dtype}")
    return arr


def load_case(case_dir):
    """Returns a dict describing the case; raises Skip."""
    model = onnx.load(str(case_dir / "model.onnx"))
    g = model.graph
    if len(g.node) != 1:
        raise Skip(f"{len(g.node)} nodes")
    node = g.node[0]
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    data_dir = case_dir / "test_data_set_0"
    for vi in list(g.input) + list(g.output):
        if not vi.type.HasField("tensor_type"):
            raise Skip("non-tensor input or output")
    graph_inputs = [i.name for i in g.input]
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    values = {}
    for k, name in enumerate(graph_inputs):
        path = data_dir / f"input_{k}.pb"
        if name in inits:
            values[name] = inits[name]
        elif path.exists():
            values[name] = _load_tensor(path)
        else:
            raise Skip("missing input data")
    inputs = []
    for name in node.input:
        if name == "":
            inputs.append(None)
        elif name in values:
            inputs.append(values[name])
        else:
            raise Skip("input not fed")
    outputs = []
    out_names = [o.name for o in g.output]
    for name in node.output:
        if name == "":
            outputs.append(None)
            continue
        k = out_names.index(name) if name in out_names else -1
        path = data_dir / f"output_{k}.pb"
        outputs.append(_load_tensor(path) if k >= 0 and path.exists() else None)
    attrs = {a.name: _attr(a) for a in node.attribute}
    return {"name": case_dir.name, "op": node.op_type, "domain": node.domain, "opset": opset,
            "attrs": attrs, "inputs": inputs, "outputs": outputs}


def all_cases():
    """Yields (name, case or None, skip reason or None) for every backend node test."""
    for case_dir in sorted(NODE_DIR.iterdir()):
        try:
            yield case_dir.name, load_case(case_dir), None
        except Skip as e:
            yield case_dir.name, None, str(e)
