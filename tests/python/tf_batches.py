"""Runs several feeds through ONE loaded TensorFlow model, as TF Serving does with varying
batch sizes: a frozen graph's session and a SavedModel's serving signature, each loaded once.
In its own process because TensorFlow and PyTorch do not share one (see tf_runner.py).

    python tf_batches.py PB OUT1,OUT2 SAVED_DIR feeds0.npz feeds1.npz ...

writes feedsK.frozen.npz and feedsK.saved.npz, and prints the frozen graph's Placeholder
shapes as one JSON line ({name: [dims]}, -1 = dynamic).
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def main(pb, outputs, saved, feeds):
    import tensorflow as tf
    gd = tf.compat.v1.GraphDef()
    with open(pb, "rb") as f:
        gd.ParseFromString(f.read())
    shapes = {n.name: [d.size for d in n.attr["shape"].shape.dim]
              for n in gd.node if n.op == "Placeholder"}
    graph = tf.Graph()
    with graph.as_default():
        tf.import_graph_def(gd, name="")
    with tf.compat.v1.Session(graph=graph) as sess:
        for path in feeds:
            with np.load(path) as data:
                got = sess.run([f"{o}:0" for o in outputs],
                               {f"{k}:0": data[k] for k in data.files})
            np.savez(path[:-4] + ".frozen.npz", **dict(zip(outputs, got)))
    fn = tf.saved_model.load(saved).signatures["serving_default"]
    for path in feeds:
        with np.load(path) as data:
            out = fn(**{k: tf.constant(data[k]) for k in data.files})
        np.savez(path[:-4] + ".saved.npz", **{k: v.numpy() for k, v in out.items()})
    print(json.dumps(shapes))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4:])
