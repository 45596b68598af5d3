// Quantized TFLite output: what `--quantize` asks of the TFLite writer and what it reports.
//
//   dynamic-int8  int8 weights (per-channel symmetric) for CONV_2D, DEPTHWISE_CONV_2D and
//                 FULLY_CONNECTED, float activations: LiteRT's hybrid kernels quantize each
//                 input on the fly (TFLite's dynamic-range quantization).
//   int8          full-integer: per-tensor asymmetric int8 activations with ranges measured
//                 by running the float model on calibration samples in pt2tf's own
//                 evaluator, per-channel symmetric int8 weights, int32 biases; ops without an
//                 int8 kernel stay float between DEQUANTIZE and QUANTIZE.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pt2tf/calib/data.h"

namespace pt2tf::tflite {

enum class QuantMode {
  kNone,
  kDynamicInt8,
  kInt8,
};

// Element type of the graph inputs and outputs of an int8 model.
enum class IoType {
  kFloat32,  // QUANTIZE after each input, DEQUANTIZE before each output
  kInt8,     // integer-only interface (each tensor's scale/zero point in the file)
};

struct QuantizeOptions {
  QuantMode mode = QuantMode::kNone;
  IoType io = IoType::kFloat32;
  // Calibration samples in graph-input order (the IR graph's layout). int8 needs them;
  // with them, either mode reports its accuracy on the held-back part.
  std::vector<calib::Sample> samples;
  // Fraction of the samples held back from calibration to measure accuracy (at least one
  // sample when there are two or more; with one sample it both calibrates and evaluates).
  double holdout_fraction = 0.2;
};

// Quantized against float outputs for one graph output, over the held-back samples.
struct OutputAccuracy {
  std::string name;
  double max_abs = 0;
  double snr_db = 0;           // 10·log10(Σref² / Σ(ref−q)²); +inf reported as 999
  double cosine = 0;           // of the flattened outputs
  std::optional<double> top1;  // agreement of argmax over the last axis (classifiers)
};

struct QuantReport {
  QuantMode mode = QuantMode::kNone;
  int64_t int8_ops = 0;   // ops computing in int8 (hybrid ops: int8 weights)
  int64_t float_ops = 0;  // compute ops left in float (not counting Q/DQ)
  std::map<std::string, int64_t> float_op_types;  // which ones, by TFLite builtin name
  int64_t quantized_weights = 0;                  // weight tensors stored as int8
  int64_t calibration_samples = 0;
  int64_t eval_samples = 0;
  std::string simulation;  // how pt2tf computed the quantized outputs (see accuracy.cpp)
  std::vector<OutputAccuracy> accuracy;  // empty without samples
  // What the user should know about this file: int32 biases that saturated (an input range
  // too small for int8), outputs that kept almost none of their signal.
  std::vector<std::string> warnings;
};

// Outputs whose SNR against the float model is below this get a warning: the quantization
// error carries more than half of the output's power.
constexpr double kLowSnrWarningDb = 3.0;

// "none", "dynamic-int8", "int8".
const char* QuantModeName(QuantMode mode);

}  // namespace pt2tf::tflite
