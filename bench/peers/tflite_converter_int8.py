"""TensorFlow's full-integer quantization (peer): TFLiteConverter on a SavedModel with a
representative dataset, int8 builtins only, float32 interface.

  .venv/bin/python bench/peers/tflite_converter_int8.py -i saved_model_dir \
      --calibration samples.npy -o out.tflite

`optimizations = [Optimize.DEFAULT]`, `representative_dataset` yielding each sample of the
.npy (N x input shape, batch 1 each), `target_spec.supported_ops = [TFLITE_BUILTINS_INT8]`
(fails rather than leave an op float), as TensorFlow's post-training integer quantization
guide does. Prints the seconds convert() took (calibration included) as the last line.
"""
import argparse
import pathlib
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-i", "--input", required=True, help="SavedModel directory")
    ap.add_argument("--calibration", required=True, help=".npy of N samples")
    ap.add_argument("-o", "--output", required=True, help=".tflite file to write")
    args = ap.parse_args()

    import numpy as np
    import tensorflow as tf
    samples = np.load(args.calibration)
    conv = tf.lite.TFLiteConverter.from_saved_model(args.input)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([s[None]] for s in samples)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    start = time.perf_counter()
    data = conv.convert()
    seconds = time.perf_counter() - start
    pathlib.Path(args.output).write_bytes(data)
    print(f"{seconds:.3f}")


if __name__ == "__main__":
    main()
