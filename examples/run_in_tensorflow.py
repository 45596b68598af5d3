"""Runs a frozen graph pt2tf wrote in TensorFlow and compares it with PyTorch.

    python examples/run_in_tensorflow.py examples/civilnet.pth out/civilnet.pb

The first half is all a user needs to run a pt2tf .pb in TensorFlow; the second half builds
the same network in PyTorch from the checkpoint and prints the largest difference.
"""
import sys

import numpy as np
import tensorflow as tf


def run_frozen_graph(pb_path, x):
    graph_def = tf.compat.v1.GraphDef()
    with open(pb_path, "rb") as f:
        graph_def.ParseFromString(f.read())
    run = tf.compat.v1.wrap_function(
        lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
    fn = run.prune(run.graph.get_tensor_by_name("input:0"),
                   run.graph.get_tensor_by_name("output:0"))
    return fn(tf.constant(x)).numpy()


def main():
    pth_path, pb_path = sys.argv[1], sys.argv[2]
    x = np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32)
    y_tf = run_frozen_graph(pb_path, x)

    import torch
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from civilnet import CivilNet
    model = CivilNet().eval()
    model.load_state_dict(torch.load(pth_path, weights_only=True))
    with torch.no_grad():
        y_torch = model(torch.from_numpy(x)).numpy()
    print(f"TensorFlow output shape {y_tf.shape}; max |TF - PyTorch| = "
          f"{np.abs(y_tf - y_torch).max():.3g}")


if __name__ == "__main__":
    main()
