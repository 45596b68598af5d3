// Kernels of the float32 runner (include/pt2tf/ir/runner.h), one op family per file; the
// one registration table is in runner.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pt2tf/ir/runner.h"

namespace pt2tf::ir::run {

// Inputs in node order; nullptr marks an omitted optional input.
using Inputs = std::vector<const RunTensor*>;
using Outputs = std::vector<RunTensor>;
using Kernel = Result<Outputs> (*)(const Node& node, const Inputs& in);

// work.cpp: the work of a step before it runs (core/work_budget.h).
uint64_t WorkOf(const Node& node, const Inputs& in);

// k_conv.cpp
Result<Outputs> RunConv(const Node& node, const Inputs& in);
Result<Outputs> RunConvTranspose(const Node& node, const Inputs& in);
// k_matmul.cpp
Result<Outputs> RunMatMul(const Node& node, const Inputs& in);
Result<Outputs> RunGemm(const Node& node, const Inputs& in);
// k_norm.cpp
Result<Outputs> RunBatchNorm(const Node& node, const Inputs& in);
Result<Outputs> RunLayerNorm(const Node& node, const Inputs& in);
Result<Outputs> RunInstanceNorm(const Node& node, const Inputs& in);
// k_pool.cpp
Result<Outputs> RunPool(const Node& node, const Inputs& in);
Result<Outputs> RunGlobalPool(const Node& node, const Inputs& in);
// k_unary.cpp
Result<Outputs> RunUnary(const Node& node, const Inputs& in);
Result<Outputs> RunClip(const Node& node, const Inputs& in);
// k_binary.cpp
Result<Outputs> RunBinary(const Node& node, const Inputs& in);
Result<Outputs> RunVariadic(const Node& node, const Inputs& in);
Result<Outputs> RunWhere(const Node& node, const Inputs& in);
// k_reduce.cpp
Result<Outputs> RunReduce(const Node& node, const Inputs& in);
Result<Outputs> RunSoftmax(const Node& node, const Inputs& in);
Result<Outputs> RunArgMinMax(const Node& node, const Inputs& in);
// k_resize.cpp
Result<Outputs> RunResize(const Node& node, const Inputs& in);
// k_shape.cpp (dtype-agnostic data movement)
Result<Outputs> RunIdentity(const Node& node, const Inputs& in);
Result<Outputs> RunReshape(const Node& node, const Inputs& in);
Result<Outputs> RunFlatten(const Node& node, const Inputs& in);
Result<Outputs> RunSqueeze(const Node& node, const Inputs& in);
Result<Outputs> RunUnsqueeze(const Node& node, const Inputs& in);
Result<Outputs> RunShape(const Node& node, const Inputs& in);
Result<Outputs> RunSize(const Node& node, const Inputs& in);
Result<Outputs> RunCast(const Node& node, const Inputs& in);
// k_gather.cpp (dtype-agnostic data movement with index arithmetic)
Result<Outputs> RunTranspose(const Node& node, const Inputs& in);
Result<Outputs> RunConcat(const Node& node, const Inputs& in);
Result<Outputs> RunSplit(const Node& node, const Inputs& in);
Result<Outputs> RunSlice(const Node& node, const Inputs& in);
Result<Outputs> RunGather(const Node& node, const Inputs& in);
Result<Outputs> RunPad(const Node& node, const Inputs& in);

// A 2-D sliding window (1-D ones are 2-D with height 1): geometry shared by Conv and pooling.
struct Window2D {
  int64_t in_h = 1, in_w = 1, k_h = 1, k_w = 1, s_h = 1, s_w = 1, d_h = 1, d_w = 1;
  int64_t pad_t = 0, pad_l = 0, pad_b = 0, pad_r = 0, out_h = 1, out_w = 1;
};
// From the node's strides/dilations/pads/auto_pad and x = [N, C, spatial...] (k_conv.cpp).
// ceil_mode: pooling's rounding of the output size up.
Result<Window2D> MakeWindow(const Node& node, const Dims& x_shape, const Dims& kernel,
                            bool ceil_mode);

// ---- helpers (runner.cpp) ----
// Largest tensor a kernel may allocate (elements): outputs sized from input values or
// attributes are checked against it before allocation.
constexpr int64_t kMaxRunElements = int64_t{1} << 32;
// Product of dims with overflow and bound checks; InvalidInput/Unsupported naming the node.
Result<int64_t> CheckedNumel(const Node& node, const Dims& shape);
// At least `count` inputs, the first `count` present; InvalidInput naming the node.
Status NeedInputs(const Node& node, const Inputs& in, size_t count);
// Input `k` must hold floating-point data.
Status NeedFloat(const Node& node, const Inputs& in, size_t k);
// axis in [-rank, rank) normalised; InvalidInput naming the node.
Result<int64_t> NormAxis(const Node& node, int64_t axis, int64_t rank);
// An integer tensor's values (indices, shapes, axes).
std::vector<int64_t> IntValues(const RunTensor& t);
// Product of shape[begin, end).
int64_t Prod(const Dims& shape, size_t begin, size_t end);
// Numpy broadcast of two shapes.
Result<Dims> Broadcast(const Node& node, const Dims& a, const Dims& b);
// C-order strides.
Dims StridesOf(const Dims& shape);
// Strides of `in` viewed in `out`'s rank, 0 on broadcast dims.
Dims BroadcastStrides(const Dims& in, const Dims& out);
// Sets OpenBLAS's thread count (0 = leave it); k_matmul.cpp.
void SetBlasThreads(int threads);
// C[m×n] = A[m×k] · B[k×n] (row-major, each optionally transposed), alpha/beta as BLAS.
void Sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace pt2tf::ir::run
