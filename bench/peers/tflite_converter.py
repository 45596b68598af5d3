"""TensorFlow's own route to `.tflite`: TFLiteConverter on a SavedModel, builtins only (peer).

  .venv/bin/python bench/peers/tflite_converter.py -i saved_model_dir -o out.tflite

`tf.lite.TFLiteConverter.from_saved_model(dir)` with `target_spec.supported_ops =
[TFLITE_BUILTINS]` (no Select TF ops, so the file runs in the plain LiteRT interpreter), then
`convert()` and the write. bench_tflite.py gives it pt2tf's SavedModel.
"""
import argparse
import pathlib


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-i", "--input", required=True, help="SavedModel directory")
    ap.add_argument("-o", "--output", required=True, help=".tflite file to write")
    args = ap.parse_args()

    import tensorflow as tf
    conv = tf.lite.TFLiteConverter.from_saved_model(args.input)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    pathlib.Path(args.output).write_bytes(conv.convert())


if __name__ == "__main__":
    main()
