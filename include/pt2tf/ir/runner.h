// The float32 reference runner: executes a whole ir::Graph on real inputs, for calibration
// (activation ranges for int8 quantization) and for checking a converted model without any
// runtime. A separate execution mode from constant folding's exact evaluator (src/ir/eval):
// floating-point tensors are computed in float32 (Conv/MatMul/Gemm on OpenBLAS's sgemm),
// integer and bool tensors in int64. Ops the runner has no float kernel for fall back to
// the exact evaluator when it has one (shape arithmetic, Range, ConstantOfShape ...).
//
// Contract: inputs are given in graph-input order with the graph's dtypes and, where the
// graph fixes them, its dims. Every intermediate value is freed after its last use, so
// memory stays near the largest live set; an observer sees each value once, as produced.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "pt2tf/tensor.h"

namespace pt2tf::ir::run {

// A dense C-order tensor. `dtype` is the IR dtype: floating-point dtypes (float16/32/64,
// bfloat16) live in `f` as float32, integers and bool (0/1) in `i`.
struct RunTensor {
  DType dtype = DType::kFloat32;
  Dims shape;
  std::vector<float> f;
  std::vector<int64_t> i;

  bool is_float() const { return IsFloatingPoint(dtype); }
  int64_t numel() const;
  // Zeros of this dtype and shape.
  static RunTensor Zeros(DType dtype, Dims shape);
  static RunTensor Floats(Dims shape, std::vector<float> values);
  // Reads any float, integer or bool Tensor (Unsupported for strings, complex, float8).
  static Result<RunTensor> FromTensor(const Tensor& t);
  // An owned C-contiguous Tensor of `dtype` (floats rounded to it).
  Result<Tensor> ToTensor() const;
};

// Called with every value as it is computed (graph inputs and node outputs, not constants).
using Observer = std::function<void(const Value& value, const RunTensor& tensor)>;

struct RunOptions {
  int threads = 0;  // BLAS threads; 0 keeps the library's default (all cores)
};

// Refused before running: an op with no kernel, named with the node. Checked by Create.
class Runner {
 public:
  // Prepares `graph` (which must outlive the Runner): checks every node has a kernel,
  // orders nodes, converts constants once.
  static Result<std::unique_ptr<Runner>> Create(const Graph& graph, const RunOptions& options = {});
  // Runs once. `inputs` in graph-input order. Returns the graph outputs in order.
  Result<std::vector<RunTensor>> Run(const std::vector<RunTensor>& inputs,
                                     const Observer& observer = {}) const;

  const Graph& graph() const { return graph_; }

 private:
  struct Plan;  // runner.cpp: value slots, steps in order, when each slot is freed
  Runner(const Graph& graph, std::shared_ptr<const Plan> plan) : graph_(graph), plan_(plan) {}
  const Graph& graph_;
  std::shared_ptr<const Plan> plan_;
};

// True when the runner has a kernel (float or through the exact evaluator) for the op.
bool CanRun(const std::string& op_type);

// Parks the BLAS worker threads the library starts when it is loaded (they spin for a while
// before sleeping, a core of CPU on runs that never multiply); the next Run restarts them.
// The CLI calls it first thing.
void ParkBlasThreads();

// One-shot convenience: Create + Run.
Result<std::vector<RunTensor>> Run(const Graph& graph, const std::vector<RunTensor>& inputs,
                                   const Observer& observer = {}, const RunOptions& options = {});

}  // namespace pt2tf::ir::run
