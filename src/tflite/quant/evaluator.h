// Evaluator: pt2tf's own interpreter of a serialized .tflite model (the bytes the writer
// produces), for int8 calibration (float model, every tensor observed) and for the accuracy
// report (quantized model, simulated).
//
// Arithmetic: float32 ops in float32 (GEMMs on OpenBLAS). int8 CONV_2D, DEPTHWISE_CONV_2D,
// FULLY_CONNECTED, pools, ADD, SUB, MUL, HARD_SWISH, LOGISTIC, TANH, QUANTIZE (incl.
// int8→int8), DEQUANTIZE and data movement are computed in integers as LiteRT's int8
// kernels do (int32 accumulators, the fixed-point output multipliers with their rounding,
// lookup tables). Other int8 ops (MEAN, SOFTMAX, ...) are simulated by fake quantization:
// dequantize, compute in float, requantize with round-half-away-from-zero. Hybrid (int8-weight,
// float-activation) ops quantize their input per batch row symmetrically as LiteRT's hybrid kernels
// do.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "tflite_subset_generated.h"

namespace pt2tf::tflite {

struct EvalTensor {
  ::tflite::TensorType type = ::tflite::TensorType_FLOAT32;
  ir::Dims shape;
  std::vector<float> f;    // float32 (and float16, widened) values
  std::vector<int32_t> q;  // int8 / int32 / int64 (narrowed) / bool values
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int qdim = 0;
  bool is_const = false;

  int64_t numel() const;
  bool is_float() const;
  bool quantized() const { return !scale.empty(); }
};

// Called with each computed tensor (graph inputs included), by subgraph tensor index.
using EvalObserver = std::function<void(int tensor, const EvalTensor& value)>;

struct EvaluatorOptions {
  // Partial evaluation, for calibration: a model may hold ops the evaluator has no kernel for
  // (a detector's WHERE and NON_MAX_SUPPRESSION_V5, IF / WHILE, whose subgraphs it does not
  // run) and tensors whose size only the run decides. Such an op is skipped, and so is every
  // op that reads what a skipped op would have written; everything else is computed and
  // observed. Run then fails only when a graph output is among the skipped values.
  bool partial = false;
};

class Evaluator {
 public:
  // Verifies and indexes `bytes` (kept by the evaluator). Refuses ops it has no kernel for,
  // unless `options.partial`.
  static Result<std::unique_ptr<Evaluator>> Create(std::vector<uint8_t> bytes,
                                                   const EvaluatorOptions& options = {});

  // Runs once. `inputs`: float values per subgraph input (C order of its shape); an int8
  // input is quantized with its own parameters, an integer input (token ids) takes the values
  // as they are (exact while |v| <= 2^24; callers with integer data check that). Returns each
  // output as float (int8 outputs dequantized, integer ones converted) with its raw tensor.
  Result<std::vector<EvalTensor>> Run(const std::vector<std::vector<float>>& inputs,
                                      const EvalObserver& observer = {}) const;
  // Runs once for the observer only (calibration): with `partial`, also when the outputs are
  // among the skipped values.
  Status Observe(const std::vector<std::vector<float>>& inputs, const EvalObserver& observer) const;
  // Partial evaluation: the first op skipped (its name and why), empty when none is.
  const std::string& first_skipped() const { return first_skipped_; }
  // Partial evaluation: some graph output is among the skipped values (Run fails).
  bool outputs_absent() const { return outputs_absent_; }

  size_t input_count() const { return inputs_.size(); }
  size_t output_count() const { return outputs_.size(); }
  const ir::Dims& input_shape(size_t i) const { return tensors_[inputs_[i]].shape; }
  const ir::Dims& output_shape(size_t i) const { return tensors_[outputs_[i]].shape; }
  std::string output_name(size_t i) const;
  const ::tflite::SubGraph& subgraph() const { return *subgraph_; }

 private:
  Evaluator() = default;
  Status Prepare();
  Result<std::vector<EvalTensor>> Evaluate(const std::vector<std::vector<float>>& inputs,
                                           const EvalObserver& observer, bool observer_only) const;

  std::vector<uint8_t> bytes_;
  const ::tflite::Model* model_ = nullptr;
  const ::tflite::SubGraph* subgraph_ = nullptr;
  std::vector<EvalTensor> tensors_;  // constants filled; activations: type/shape/params only
  std::vector<int> inputs_, outputs_;
  std::vector<int> last_use_;  // per tensor: index of the last operator reading it (-1: none)
  EvaluatorOptions options_;
  std::vector<bool> dynamic_;  // per tensor: a dim known only at run time (partial only)
  std::vector<bool> skipped_;  // per operator: no kernel, or a run-time-sized output
  std::string first_skipped_;
  bool outputs_absent_ = false;
};

// Affine int8 helpers shared by the pass and the evaluator.
int32_t QuantizeValue(float x, float scale, int64_t zero_point, int32_t lo = -128,
                      int32_t hi = 127);
// TFLite's QuantizeMultiplier: real multiplier → (Q31 significand, shift).
void QuantizeMultiplier(double m, int32_t* multiplier, int* shift);
// TFLite's MultiplyByQuantizedMultiplier (saturating doubling high mul + rounding shift).
int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift);

}  // namespace pt2tf::tflite
