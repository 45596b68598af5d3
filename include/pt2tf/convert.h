// The conversion pipeline: read an input (PyTorch checkpoint + architecture, or ONNX),
// run the IR passes once, and write every requested output from the same graph.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "pt2tf/tf/tf_writer.h"
#include "pt2tf/tflite/tflite_writer.h"

namespace pt2tf {

struct ConvertOptions {
  std::string input_path;  // .pth/.pt/.bin/.safetensors checkpoint, .onnx or .pt2
  std::string model_name;  // zoo/models name; "" = from a whole-model pickle;
                           // "FILE.py:Class": a Python model (runs Python)
  std::string model_args;  // JSON keyword arguments for a Python model class
  std::string python;      // the Python for FILE.py:Class ("" = PT2TF_PYTHON, venv)
  // A bare --input-shape: the NCHW input of a zoo model, or the one input of an ONNX model.
  // kUnknownDim entries ("?" on the command line) leave that dim as the file has it.
  std::optional<ir::Dims> input_shape;
  // --input-shape NAME:SHAPE, for ONNX inputs by name (any number of inputs).
  std::vector<std::pair<std::string, ir::Dims>> named_input_shapes;
  std::optional<int64_t> batch;           // --batch N: dim 0 of every input
  bool dynamic_batch = false;             // zoo models: dim 0 of the input (and outputs) dynamic
  int opset = 17;                         // ONNX opset of .onnx outputs
  bool onnx_external_data = false;        // .onnx weights in "<out>.data" (automatic at 2 GiB)
  bool strict = true;                     // unexpected checkpoint keys are errors
  std::vector<std::string> output_paths;  // kind chosen by each path (see OutputKindName)
  tf::TfWriterOptions tf;                 // .pb, SavedModel and .tflite outputs (lowering)
  tflite::Precision tflite_precision = tflite::Precision::kFp32;  // .tflite weights
  tflite::BufferPlacement tflite_buffers = tflite::BufferPlacement::kAuto;
  // --quantize / --io-dtype of .tflite outputs, and --calibration (with --mean/--std): the
  // samples int8 calibrates on (and either mode reports its accuracy on).
  tflite::QuantMode quantize = tflite::QuantMode::kNone;
  tflite::IoType quant_io = tflite::IoType::kFloat32;
  std::optional<calib::DataOptions> calibration;
  // Told, while an output's weights are written, how many of `total` weight bytes are done
  // (`total` is the graph's weight bytes before TF lowering, so `done` may end below it).
  std::function<void(const std::string& path, uint64_t done, uint64_t total)> on_progress;
};

struct ConvertedOutput {
  std::string path;
  std::string kind;    // "onnx", "tf-graphdef", "tf-savedmodel", "tflite"
  uint64_t bytes = 0;  // size on disk (a SavedModel: every file under the directory)
  std::optional<tflite::QuantReport> quantization;  // quantized .tflite outputs
  // Graph inputs/outputs whose name in this file differs from the graph's (TF node names
  // cannot start with '_'; signature keys hold only [A-Za-z0-9_]): {graph name, name here}.
  // A .pb lists the tensor to feed or fetch ("out.1:0"), a SavedModel or .tflite the
  // signature key.
  std::vector<std::pair<std::string, std::string>> renamed;
};

// A graph input or output as the summary shows it: dims of -1 are unknown; no shape at all
// when the rank is unknown.
struct GraphIoInfo {
  std::string name;
  std::string dtype;  // torch spelling, e.g. "float32"
  std::optional<std::vector<int64_t>> shape;
};

struct ConvertReport {
  std::string input_path;
  std::string input_kind;  // "onnx", "pt2" or the checkpoint format ("torch-zip", ...)
  std::string model_name;  // empty for ONNX input
  std::vector<std::string> warnings;
  size_t node_count = 0;
  size_t initializer_count = 0;
  uint64_t weight_bytes = 0;
  uint64_t parameter_count = 0;  // elements of floating-point initializers (after the passes)
  std::vector<GraphIoInfo> graph_inputs;
  std::vector<GraphIoInfo> graph_outputs;
  std::vector<ConvertedOutput> outputs;
  double seconds = 0;
};

// Runs the whole conversion. The input is read once whatever the number of outputs. On
// error no output file of this call is left half-written (outputs completed before the
// failing one stay). Errors are one line naming the file concerned.
Result<ConvertReport> Convert(const ConvertOptions& options);

// Which writer a path selects ("onnx", ...), or a usage error for an unknown kind.
Result<std::string> OutputKindName(const std::string& path);

}  // namespace pt2tf
